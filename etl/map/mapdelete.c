/* mapdelete.c - a mapping's [delete] section (see mapdelete.h and
 * docs/mappings.md). */
#include "mapdelete.h"

#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "formats/ini.h"
#include "formats/strsim.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const keys[] = { "when", "missing", "how", "max_deletes" };
static const char *const hows[] = { "soft", "delete", "hardDelete" };

const char *map_delete_how_name(enum map_del_how how)
{
	return hows[how];
}

/* "10%" or "250": a count, or a percentage of 0 to 100. */
static int parse_cap(const char *v, struct map_delete *d)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return -1;
	n = strtoull(v, &end, 10);
	if (*end == '%' && !end[1] && n <= 100) {
		d->cap_percent = 1;
	} else if (!*end && n <= 1000000000ULL) {
		d->cap_percent = 0;
	} else {
		return -1;
	}
	d->cap = n;
	return 0;
}

static int key_line(struct map_delete *d, const struct ini_item *it,
		    struct arena *a, const struct expr_columns *cols,
		    struct bs_err *err);

int map_delete_line(struct map_delete *d, const struct ini_item *it,
		    struct arena *a, const struct expr_columns *cols,
		    struct bs_err *err)
{
	if (!d->line)
		d->line = it->line;
	if (key_line(d, it, a, cols, err) == 0)
		return 0;
	d->bad = 1;   /* its own mistake says enough: no checks of the whole */
	return -1;
}

static int key_line(struct map_delete *d, const struct ini_item *it,
		    struct arena *a, const struct expr_columns *cols,
		    struct bs_err *err)
{
	const char *v = it->value, *hint;
	size_t k, i;

	for (k = 0; k < NELEM(keys); k++)
		if (!strcmp(it->key, keys[k]))
			break;
	if (k == NELEM(keys)) {
		hint = strsim_closest(it->key, keys, NELEM(keys));
		if (hint)
			return bs_err_set(err, BS_E_CONFIG, "unknown key '%s' in "
					  "[delete]; did you mean '%s'?",
					  it->key, hint);
		return bs_err_set(err, BS_E_CONFIG, "unknown key '%s' in "
				  "[delete] (keys: when, missing, how, "
				  "max_deletes)", it->key);
	}
	switch (k) {
	case 0:
		if (d->when.line)
			return bs_err_set(err, BS_E_CONFIG, "'when' is set twice "
					  "in [delete] (first on line %lu)",
					  d->when.line);
		d->when.line = it->line;
		d->when.name = MAP_DELETE_FILTER;
		d->when.skip = 1;
		if (!*v)
			return bs_err_set(err, BS_E_CONFIG, "[delete] when needs "
					  "a condition (e.g. 'when = deleted_at "
					  "is not empty')");
		d->when.cond = cond_parse(v, a, cols, err);
		if (!d->when.cond) {
			bs_err_prefix(err, "[delete] when");
			return -1;
		}
		return 0;
	case 1:
		if (strcmp(v, "delete") && strcmp(v, "keep"))
			return bs_err_set(err, BS_E_CONFIG, "[delete] missing "
					  "must be 'delete' (a record whose key "
					  "a full read no longer finds is "
					  "deleted) or 'keep' (the default), "
					  "not '%s'", v);
		d->missing = !strcmp(v, "delete");
		d->missing_line = it->line;
		return 0;
	case 2:
		for (i = 0; i < NELEM(hows); i++)
			if (!strcmp(v, hows[i]))
				break;
		if (i == NELEM(hows)) {
			hint = strsim_closest(v, hows, NELEM(hows));
			if (hint)
				return bs_err_set(err, BS_E_CONFIG, "[delete] how "
						  "'%s' is unknown; did you "
						  "mean '%s'?", v, hint);
			return bs_err_set(err, BS_E_CONFIG, "[delete] how must "
					  "be soft, delete or hardDelete, not "
					  "'%s'", v);
		}
		d->how = (enum map_del_how)i;
		d->how_line = it->line;
		return 0;
	default:
		if (parse_cap(v, d) < 0)
			return bs_err_set(err, BS_E_CONFIG, "[delete] max_deletes "
					  "must be a count (250) or a percentage "
					  "of the records synced (10%%), not "
					  "'%s'", v);
		d->cap_line = it->line;
		return 0;
	}
}

int map_delete_check(const struct map_delete *d, enum map_op op,
		     unsigned long *line, struct bs_err *err)
{
	*line = d->line;
	if (!d->line || d->bad)
		return 0;
	if (op != MAP_UPSERT)
		return bs_err_set(err, BS_E_CONFIG, "[delete] is for upsert "
				  "mappings (billsync deletes the records it "
				  "synced by their External ID), not %s",
				  mapping_op_name(op));
	if (d->missing && d->how == MAP_DEL_SOFT) {
		*line = d->missing_line;
		return bs_err_set(err, BS_E_CONFIG, "missing = delete needs 'how "
				  "= delete' or 'how = hardDelete': a soft delete "
				  "writes the marker fields of a row, and a record "
				  "whose row is gone has none");
	}
	if (d->how != MAP_DEL_SOFT && !d->when.line && !d->missing) {
		*line = d->how_line;
		return bs_err_set(err, BS_E_CONFIG, "how = %s, but nothing says "
				  "when a record is deleted: add 'when = "
				  "CONDITION' (e.g. deleted_at is not empty) or "
				  "'missing = delete'", hows[d->how]);
	}
	return 0;
}

int map_delete_active(const struct map_delete *d)
{
	return d->line && d->how != MAP_DEL_SOFT;
}

const char *map_delete_operation(const struct map_delete *d)
{
	return d->how == MAP_DEL_HARD ? "hardDelete" : "delete";
}

unsigned long long map_delete_cap(const struct map_delete *d,
				  unsigned long long held)
{
	unsigned long long pct;

	if (d->cap_line && !d->cap_percent)
		return d->cap;
	pct = d->cap_line ? d->cap : MAP_DELETE_DEFAULT_PERCENT;
	return (held * pct + 99) / 100;   /* rounded up */
}
