/* mapping_object.c - the [object] section of a mapping file: its keys,
 * their values and their mistakes (see mapping.h). */
#include "mapping_int.h"

#include <string.h>

#include "formats/strsim.h"

const char *const mp_object_keys[K_COUNT] = {
	"name", "source", "operation", "external_id", "nulls", "clear_nulls",
	"keep_nulls", "group_by", "since", "watermark", "lookback",
	"description", "row_key", "currency", "keep_values"
};

static void unknown_object_key(struct mapping *m, const struct ini_item *it)
{
	const char *hint = strsim_closest(it->key, mp_object_keys,
					  NELEM(mp_object_keys));
	size_t i;

	if (!hint) {
		mp_errorf(m, it->line, "unknown key '%s' in [object] (keys: name, "
			  "source, operation, external_id, nulls, clear_nulls, "
			  "keep_nulls, group_by, since, watermark, lookback, "
			  "description, row_key, currency, keep_values)",
			  it->key);
		return;
	}
	mp_errorf(m, it->line, "unknown key '%s' in [object]; did you mean '%s'?",
		  it->key, hint);
	/* taken as the key it resembles: no "needs" error after this one */
	for (i = 0; i < K_COUNT; i++)
		if (mp_object_keys[i] == hint && !m->key_lines[i])
			m->key_lines[i] = it->line;
}

/* A duration: one or more NUMBER UNIT pairs, e.g. 3d, 36h, 1d12h, 0d. */
static int parse_lookback(const char *s, long long *out)
{
	long long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		long long n = 0, unit;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (*s - '0');
			if (n > MAPPING_MAX_LOOKBACK)
				return -1;
		}
		switch (*s++) {
		case 'w': unit = 7 * 86400; break;
		case 'd': unit = 86400; break;
		case 'h': unit = 3600; break;
		case 'm': unit = 60; break;
		case 's': unit = 1; break;
		default: return -1;
		}
		if (n > MAPPING_MAX_LOOKBACK / unit)
			return -1;
		total += n * unit;
		if (total > MAPPING_MAX_LOOKBACK)
			return -1;
	}
	*out = total;
	return 0;
}

/* source = DATASET: lower case letters, digits, '_' or '-'. */
static void source_key(struct mapping *m, const struct ini_item *it)
{
	const char *v = it->value;
	char low[128];
	size_t i;

	if (mp_dataset_name_ok(v)) {
		m->source = mp_dup(m, v);
		return;
	}
	for (i = 0; v[i] && i + 1 < sizeof(low); i++)
		low[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] - 'A' + 'a') :
			 v[i];
	low[i] = '\0';
	if (!v[i] && mp_dataset_name_ok(low))
		mp_errorf(m, it->line, "'%s' is not a dataset name (lower case "
			  "letters, digits, '_' or '-'); did you mean '%s'?", v,
			  low);
	else
		mp_errorf(m, it->line, "'%s' is not a dataset name (lower case "
			  "letters, digits, '_' or '-')", v);
}

/* operation = upsert | insert | update | delete */
static void operation_key(struct mapping *m, const struct ini_item *it)
{
	static const char *const ops[] = { "upsert", "insert", "update",
					   "delete" };
	const char *v = it->value, *hint;
	size_t i;

	for (i = 0; i < NELEM(ops); i++) {
		if (!strcmp(v, ops[i])) {
			m->op = (enum map_op)i;
			return;
		}
	}
	hint = strsim_closest(v, ops, NELEM(ops));
	mp_errorf(m, it->line, "unknown operation '%s'; %s%s%s", v,
		  hint ? "did you mean '" : "use upsert, insert, update or "
		  "delete", hint ? hint : "", hint ? "'?" : "");
}

/* since = COLUMN, watermark = COLUMN: a source column, into *out;
 * row_key = COLUMN (out NULL): its index. */
static void column_key(struct mapping *m, const struct ini_item *it,
		       const char **out)
{
	struct bs_err e;
	size_t idx;

	bs_err_clear(&e);
	if (mp_resolve_column(m, it->value, &idx, &e) < 0)
		mp_add_error(m, it->line, &e);
	else if (out)
		*out = mp_dup(m, it->value);
	else
		m->row_key = (long)idx;
}

/* One [object] key: a switch with a short case per key, over 80 lines
 * because there are fifteen keys; each case is a few lines, and the longer
 * checks already have their own functions (source_key, ...). */
void mp_object_key(struct mapping *m, const struct ini_item *it)
{
	const char *k = it->key, *v = it->value;
	size_t ki;

	for (ki = 0; ki < K_COUNT; ki++)
		if (!strcmp(k, mp_object_keys[ki]))
			break;
	if (ki == K_COUNT) {
		unknown_object_key(m, it);
		return;
	}
	if (m->key_lines[ki]) {
		mp_errorf(m, it->line, "'%s' is set twice in [object] (first on "
			  "line %lu)", k, m->key_lines[ki]);
		return;
	}
	m->key_lines[ki] = it->line;
	switch ((enum object_key)ki) {
	case K_NAME:
		if (!mp_check_name(m, it->line, v, 0, "object", "OrbInvoice__c"))
			m->object = mp_dup(m, v);
		break;
	case K_SOURCE:
		source_key(m, it);
		break;
	case K_OPERATION:
		operation_key(m, it);
		break;
	case K_EXTERNAL_ID:
		if (strchr(v, '.'))
			mp_errorf(m, it->line, "external_id '%s' is a lookup: the key "
				  "must be a field of %s itself (e.g. OrbId__c)", v,
				  m->object ? m->object : "the object");
		else if (!mp_check_name(m, it->line, v, 0, "field", NULL))
			m->key_field = mp_dup(m, v);
		break;
	case K_NULLS:
		if (!strcmp(v, "clear"))
			m->clear_nulls = 1;
		else if (strcmp(v, "keep"))
			mp_errorf(m, it->line, "nulls must be 'keep' (an empty "
				  "cell leaves Salesforce's value) or 'clear' "
				  "(#N/A empties it), not '%s'", v);
		break;
	case K_CLEAR_NULLS:
	case K_KEEP_NULLS: {
		int which = ki == K_CLEAR_NULLS ? 0 : 1;

		m->null_lists[which] = mp_dup(m, v);
		m->null_lines[which] = it->line;
		break;
	}
	case K_GROUP_BY:
		m->group_by = mp_dup(m, v);
		m->group_line = it->line;
		break;
	case K_CURRENCY:
		if (!strcmp(v, "none")) {       /* rows that are not money */
			m->no_currency = 1;
			break;
		}
		/* fall through */
	case K_SINCE:
	case K_WATERMARK:
		column_key(m, it, ki == K_SINCE ? &m->since : ki == K_WATERMARK ?
			   &m->watermark : &m->currency);
		break;
	case K_LOOKBACK:
		if (parse_lookback(v, &m->lookback) < 0)
			mp_errorf(m, it->line, "lookback must be a duration such as "
				  "3d, 36h or 1d12h (units w, d, h, m, s; at most "
				  "3660d), not '%s'", v);
		else
			m->lookback_text = mp_dup(m, v);
		break;
	case K_ROW_KEY:
		column_key(m, it, NULL);
		break;
	case K_DESCRIPTION:
		m->description = mp_dup(m, v);
		break;
	case K_KEEP_VALUES:
		if (!strcmp(v, "yes") || !strcmp(v, "no"))
			m->keep_values = !strcmp(v, "yes");
		else
			mp_errorf(m, it->line, "keep_values must be 'yes' (the "
				  "state keeps each record's last synced values, "
				  "for billsync plan's field diffs) or 'no' (only "
				  "their hash), not '%s'", v);
		break;
	case K_COUNT:
		break;
	}
}

/* A key before the first section: an [object] key is taken as given
 * (no "needs" error after this one). */
void mp_outside_key(struct mapping *m, const struct ini_item *it)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(it->key, mp_object_keys[i]))
			break;
	if (i < K_COUNT) {
		mp_errorf(m, it->line, "'%s' is outside any section (put it under "
			  "[object])", it->key);
		if (!m->key_lines[i])
			m->key_lines[i] = it->line;
	} else {
		mp_errorf(m, it->line, "'%s' is outside any section (start with "
			  "[object])", it->key);
	}
}
