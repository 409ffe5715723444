/* test_mapdelete.c - a mapping's [delete] section: its keys, its mistakes,
 * the cap's arithmetic, and the deletion marker as the first filter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "map/mapdelete.h"
#include "map/mapping.h"

static const char plan_map[] =
	"[object]\n"
	"name        = OrbPlan__c\n"
	"source      = plans\n"
	"external_id = OrbId__c\n"
	"\n"
	"[filter]\n"
	"drafts = skip if status == \"draft\"\n"
	"\n"
	"[fields]\n"
	"OrbId__c = id\n"
	"Name     = name\n"
	"\n"
	"[delete]\n";

static struct mapping *load(const char *section, struct bs_errlist *errs)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", plan_map, section);
	bs_errlist_init(errs);
	return mapping_load_text("t.map", text, errs);
}

/* The one mistake of section, which must contain want, on line `line`. */
static void mistake(const char *section, const char *want, unsigned long line)
{
	struct bs_errlist errs;
	struct mapping *m = load(section, &errs);

	CHECK(m == NULL);
	CHECK_INT(errs.n, 1);
	if (errs.n) {
		if (!strstr(errs.v[0].msg, want))
			printf("#   got: %s\n", errs.v[0].msg);
		CHECK(strstr(errs.v[0].msg, want) != NULL);
		CHECK_INT(errs.v[0].line, line);
	}
	mapping_free(m);
	bs_errlist_release(&errs);
}

static void test_keys(void)
{
	struct bs_errlist errs;
	struct mapping *m = load("when = deleted_at is not empty\n"
				 "missing = delete\nhow = hardDelete\n"
				 "max_deletes = 25\n", &errs);
	const struct map_delete *d = m ? mapping_delete(m) : NULL;
	const struct map_filter *f;

	CHECK(m != NULL);
	CHECK_INT(errs.n, 0);
	CHECK(d != NULL);
	if (!d)
		goto out;
	CHECK_INT(d->line, 14);
	CHECK(d->when.cond != NULL);
	CHECK_INT(d->missing, 1);
	CHECK_INT(d->how, MAP_DEL_HARD);
	CHECK_STR(map_delete_operation(d), "hardDelete");
	CHECK(map_delete_active(d));
	CHECK_INT(map_delete_cap(d, 1000), 25);
	/* the marker is the first filter, before [filter]'s */
	CHECK_INT(mapping_filters(m, &f), 2);
	CHECK_STR(f[0].name, MAP_DELETE_FILTER);
	CHECK_STR(f[1].name, "drafts");
out:
	mapping_free(m);
	bs_errlist_release(&errs);
}

static void test_marker_applies_first(void)
{
	struct bs_errlist errs;
	struct mapping *m = load("when = deleted_at is not empty\nhow = delete\n",
				 &errs);
	const char *const *cols;
	struct bs_value v[8];
	struct map_result res;
	struct arena a;
	struct bs_err e;
	size_t n, i;

	CHECK(m != NULL);
	if (!m)
		return;
	n = mapping_columns(m, &cols);
	CHECK(n <= 8);
	for (i = 0; i < n && i < 8; i++) {
		const char *s = !strcmp(cols[i], "id") ? "plan_1" :
				!strcmp(cols[i], "status") ? "draft" :
				!strcmp(cols[i], "deleted_at") ?
				"2024-09-01T00:00:00Z" : "x";

		v[i].s = s;
		v[i].len = strlen(s);
		v[i].kind = BS_V_TEXT;
	}
	arena_init(&a, 0);
	bs_err_clear(&e);
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_FILTERED);
	CHECK_STR(res.filter->name, MAP_DELETE_FILTER);
	CHECK_INT(res.key.len, 6);     /* the key names the record to delete */
	arena_release(&a);
	mapping_free(m);
	bs_errlist_release(&errs);
}

static void test_soft_loads_markers(void)
{
	struct bs_errlist errs;
	struct mapping *m = load("when = deleted_at is not empty\n", &errs);
	const struct map_filter *f;

	CHECK(m != NULL);
	if (m) {
		CHECK(!map_delete_active(mapping_delete(m)));
		CHECK_INT(mapping_delete(m)->how, MAP_DEL_SOFT);
		CHECK_INT(mapping_filters(m, &f), 1);   /* drafts only */
	}
	mapping_free(m);
	bs_errlist_release(&errs);
	m = load("", &errs);   /* an empty section: soft */
	CHECK(m != NULL);
	if (m)
		CHECK(!map_delete_active(mapping_delete(m)));
	mapping_free(m);
	bs_errlist_release(&errs);
}

static void test_cap(void)
{
	struct map_delete d;

	memset(&d, 0, sizeof(d));
	CHECK_INT(map_delete_cap(&d, 0), 0);      /* default 10%, rounded up */
	CHECK_INT(map_delete_cap(&d, 5), 1);
	CHECK_INT(map_delete_cap(&d, 10), 1);
	CHECK_INT(map_delete_cap(&d, 11), 2);
	CHECK_INT(map_delete_cap(&d, 1000), 100);
	d.cap_line = 3;
	d.cap_percent = 1;
	d.cap = 100;
	CHECK_INT(map_delete_cap(&d, 7), 7);
	d.cap = 0;
	CHECK_INT(map_delete_cap(&d, 7), 0);
	d.cap_percent = 0;
	d.cap = 4;
	CHECK_INT(map_delete_cap(&d, 1000000), 4);
}

static void test_mistakes(void)
{
	mistake("missing = delete\n", "missing = delete needs 'how = delete'", 14);
	mistake("how = delete\n", "nothing says when a record is deleted", 14);
	mistake("how = hardDelet\nmissing = delete\n",
		"did you mean 'hardDelete'?", 14);
	mistake("how = delete\nmissing = yes\n", "missing must be 'delete'", 15);
	mistake("how = delete\nmissing = delete\nmax_deletes = 101%\n",
		"max_deletes must be a count", 16);
	mistake("how = delete\nmissing = delete\nmax_deletes = -1\n",
		"max_deletes must be a count", 16);
	mistake("wen = deleted_at is not empty\n", "did you mean 'when'?", 14);
	mistake("when =\n", "when needs a condition", 14);
	mistake("when = deleted_at is\n", "[delete] when", 14);
	mistake("when = a is empty\nwhen = b is empty\n", "set twice", 15);
}

static void test_only_upsert(void)
{
	struct bs_errlist errs;
	struct mapping *m;

	bs_errlist_init(&errs);
	m = mapping_load_text("t.map",
			      "[object]\nname = OrbPlan__c\nsource = plans\n"
			      "operation = update\n[fields]\nId = sf_id\n"
			      "[delete]\nmissing = delete\nhow = delete\n", &errs);
	CHECK(m == NULL);
	CHECK_INT(errs.n, 1);
	if (errs.n)
		CHECK(strstr(errs.v[0].msg, "[delete] is for upsert") != NULL);
	mapping_free(m);
	bs_errlist_release(&errs);
}

int main(void)
{
	RUN(test_keys);
	RUN(test_marker_applies_first);
	RUN(test_soft_loads_markers);
	RUN(test_cap);
	RUN(test_mistakes);
	RUN(test_only_upsert);
	return tap_done();
}
