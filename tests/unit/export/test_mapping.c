/* test_mapping.c - mapping files through their interface: columns and
 * lookups, applying a row (filters, fields, null policy, rejects), what
 * mapping_check keeps, names in any case, group_by, the load order of a
 * set.  The mistakes themselves, each with its message, are data cases in
 * tests/cases/check/ (run by tests/e2e/t10_check.sh). */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "export/pipeline.h"

static const char invoice_map[] =
	"[object]\n"
	"name        = OrbInvoice__c\n"
	"source      = invoices\n"
	"external_id = OrbId__c\n"
	"nulls       = clear\n"
	"keep_nulls  = Memo__c\n"
	"\n"
	"[filter]\n"
	"drafts     = skip if status == \"draft\"\n"
	"zero_total = skip if total == 0 and status not in (\"void\")\n"
	"recent     = keep if issued_at >= 2024-01-01 or issued_at is empty\n"
	"\n"
	"[fields]\n"
	"OrbId__c                = id\n"
	"Name                    = concat(\"#\", invoice_number) | truncate(5)\n"
	"OrbCustomer__r.OrbId__c = customer_id\n"
	"Total__c                = total | money(currency)\n"
	"TaxId__c                = join(\":\", tax_type, tax_value)\n"
	"Memo__c                 = first(memo, note)\n"
	"VoidedAt__c             = voided_at | datetime\n"
	"Source__c               = \"billing export\"\n";

#define NCOLS 12

static struct mapping *load(const char *text, struct bs_errlist *errs)
{
	bs_errlist_init(errs);
	return mapping_load_text("t.map", text, errs);
}

/* Sets the value of column `name` in the row array of mapping m. */
static void set(const struct mapping *m, struct bs_value *vals,
		const char *name, const char *s)
{
	const char *const *cols;
	size_t n = mapping_columns(m, &cols), i;

	for (i = 0; i < n; i++) {
		if (!strcmp(cols[i], name)) {
			vals[i].s = s ? s : "";
			vals[i].len = s ? strlen(s) : 0;
			vals[i].kind = s ? BS_V_TEXT : BS_V_NULL;
			return;
		}
	}
	printf("#   no column '%s'\n", name);
	CHECK(0);
}

static void test_columns_and_lookups(void)
{
	struct bs_errlist errs;
	struct mapping *m = load(invoice_map, &errs);
	const char *const *cols;
	const struct map_lookup *l;
	const struct map_field *f;

	CHECK(m != NULL);
	CHECK_INT(errs.n, 0);
	REQUIRE(m != NULL);
	/* in order of first use: filters, then fields (currency is asked
	 * for by money()) */
	CHECK_INT(mapping_columns(m, &cols), NCOLS);
	CHECK_STR(cols[0], "status");
	CHECK_STR(cols[1], "total");
	CHECK_STR(cols[2], "issued_at");
	CHECK_STR(cols[3], "id");
	CHECK_STR(cols[6], "currency");
	CHECK_INT(mapping_column_line(m, 0), 9);
	CHECK_INT(mapping_column_line(m, 6), 17);
	CHECK_INT(mapping_lookups(m, &l), 1);
	CHECK_STR(l[0].relationship, "OrbCustomer__r");
	CHECK_STR(l[0].object, "OrbCustomer__c");
	CHECK_INT(mapping_fields(m, &f), 8);
	CHECK_STR(f[2].parent_field, "OrbId__c");
	{
		const long *g;

		CHECK_INT(mapping_group_fields(m, &g), 1);
		CHECK_INT(g[0], 2);
	}
	CHECK_INT(mapping_key_index(m), 0);
	CHECK_STR(mapping_key_field(m), "OrbId__c");
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* invoice_map loaded (errs initialised), and in v a row that it maps:
 * every column set but memo and voided_at; NULL when it does not load. */
static struct mapping *invoice_row(struct bs_errlist *errs,
				   struct bs_value v[NCOLS])
{
	struct mapping *m = load(invoice_map, errs);
	int i;

	if (!m)
		return NULL;
	for (i = 0; i < NCOLS; i++)
		v[i] = (struct bs_value){ "", 0, BS_V_NULL };
	set(m, v, "id", "inv_1");
	set(m, v, "invoice_number", "RF-00042");
	set(m, v, "customer_id", "cus_9");
	set(m, v, "total", "1250.5");
	set(m, v, "currency", "USD");
	set(m, v, "tax_value", "FR123");
	set(m, v, "note", "a note");
	set(m, v, "status", "issued");
	set(m, v, "issued_at", "2024-05-01T06:00:12Z");
	return m;
}

/* The fields of a row, and the null policy. */
static void test_apply(void)
{
	struct bs_errlist errs;
	struct bs_value v[NCOLS];
	struct mapping *m = invoice_row(&errs, v);
	struct map_result res;
	struct arena a;
	struct bs_err e;

	REQUIRE(m != NULL);
	arena_init(&a, 4096);
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_ROW);
	CHECK_STR(res.v[0].s, "inv_1");
	CHECK_STR(res.v[1].s, "#RF-0");          /* truncate(5) */
	CHECK_STR(res.v[3].s, "1250.50");        /* money(USD) */
	CHECK_STR(res.v[4].s, "FR123");          /* join skips the null */
	CHECK_STR(res.v[5].s, "a note");         /* first(): memo is null */
	CHECK_STR(res.v[6].s, "#N/A");           /* null, nulls = clear */
	CHECK_STR(res.v[7].s, "billing export");

	set(m, v, "memo", NULL);
	set(m, v, "note", "");
	set(m, v, "customer_id", NULL);
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_ROW);
	CHECK_INT(res.v[5].kind, BS_V_NULL);     /* keep_nulls: empty cell */
	CHECK_INT(res.v[2].kind, BS_V_NULL);     /* lookups never #N/A */
	arena_release(&a);
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* The filters: the first that leaves a row out is named. */
static void test_apply_filters(void)
{
	struct bs_errlist errs;
	struct bs_value v[NCOLS];
	struct mapping *m = invoice_row(&errs, v);
	struct map_result res;
	struct arena a;
	struct bs_err e;

	REQUIRE(m != NULL);
	arena_init(&a, 4096);
	set(m, v, "status", "draft");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_FILTERED);
	CHECK_STR(res.filter->name, "drafts");
	set(m, v, "status", "issued");
	set(m, v, "total", "0.00");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_FILTERED);
	CHECK_STR(res.filter->name, "zero_total");
	set(m, v, "status", "void");               /* not in ("void") is false */
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_ROW);
	set(m, v, "issued_at", "2023-12-31T23:59:59Z");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_FILTERED);
	CHECK_STR(res.filter->name, "recent");
	set(m, v, "issued_at", NULL);                 /* or issued_at is empty */
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_ROW);
	arena_release(&a);
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* Rejected rows: by a filter's number test, by a field, by an empty key. */
static void test_apply_rejects(void)
{
	struct bs_errlist errs;
	struct bs_value v[NCOLS];
	struct mapping *m = invoice_row(&errs, v);
	struct map_result res;
	struct arena a;
	struct bs_err e;

	REQUIRE(m != NULL);
	arena_init(&a, 4096);
	set(m, v, "total", "12,50");
	set(m, v, "status", "paid");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_REJECTED);
	CHECK_STR(e.field, "");                  /* the filter's number test */
	CHECK_CONTAINS(e.msg, "filter 'zero_total': cannot read '12,50' as a number");
	/* the filter is named, and its rejects are counted under its name */
	CHECK(res.filter != NULL);
	if (res.filter) {
		char key[PIPE_REASON_KEY_MAX];

		CHECK_STR(res.filter->name, "zero_total");
		pipe_reason_key(&e, res.filter->name, key, sizeof(key));
		CHECK_STR(key, "filter zero_total: cannot read as a number");
	}
	{   /* two values joined by "and", details before a semicolon */
		char key[PIPE_REASON_KEY_MAX];
		struct bs_err g;

		bs_err_set(&g, BS_E_ROW, "mixed currencies 'USD' and 'EUR' in "
			   "one group: never summed; its whole group is left "
			   "out (2 rows)");
		bs_err_field(&g, "currency");
		pipe_reason_key(&g, NULL, key, sizeof(key));
		CHECK_STR(key, "currency: mixed currencies in one group: never "
			  "summed; its whole group is left out");
		bs_err_set(&g, BS_E_ROW, "cannot read 'x' as a number "
			   "(unexpected 'x'); its whole group is left out");
		pipe_reason_key(&g, NULL, key, sizeof(key));
		CHECK_STR(key, "cannot read as a number; its whole group is "
			  "left out");
	}

	set(m, v, "total", "12.50");
	set(m, v, "currency", "ZZZ");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_REJECTED);
	CHECK_STR(e.field, "Total__c");
	CHECK_CONTAINS(e.msg, "ZZZ");
	CHECK(res.filter == NULL);               /* a field rejected it */

	set(m, v, "currency", "JPY");
	set(m, v, "id", "");
	CHECK_INT(mapping_apply(m, v, &a, &res, &e), MAP_REJECTED);
	CHECK_STR(e.field, "OrbId__c");
	CHECK_STR(e.msg, "the key field is empty");
	arena_release(&a);
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* Prints the errors (TAP comments) and returns 1 when error i is at line
 * and contains msg. */
static int err_is(const struct bs_errlist *errs, size_t i, unsigned long line,
		  const char *msg)
{
	return i < errs->n && errs->v[i].line == line &&
	       strstr(errs->v[i].msg, msg) != NULL;
}

static void show(const struct bs_errlist *errs)
{
	char buf[1200];
	size_t i;

	for (i = 0; i < errs->n; i++) {
		bs_err_format(&errs->v[i], buf, sizeof(buf));
		printf("#   %s\n", buf);
	}
}

/* mapping_check keeps what parsed: the fields, filters and columns of the
 * lines that failed are left out, and nothing else complains about them. */
static void test_check_keeps_what_parsed(void)
{
	static const char text[] =
		"[object]\n"
		"name = OrbInvoice__c\n"
		"source = invoices\n"
		"external_id = OrbId__c\n"
		"clear_nulls = Name\n"                       /* 5 */
		"[fields]\n"
		"OrbId__c = id | trm\n"                      /* 7 */
		"Total__c = total | money(currency)\n"
		"Name = invoice_number | trunc(80)\n"        /* 9 */
		"Memo__c = memo\n"
		"OrbId__c = id\n";                           /* 11 */
	struct bs_errlist errs;
	const char *const *cols;
	const struct map_field *f;
	struct mapping *m;

	CHECK(load(text, &errs) == NULL);
	CHECK_INT(errs.n, 3);
	bs_errlist_release(&errs);

	bs_errlist_init(&errs);
	m = mapping_check_text("t.map", text, &errs);
	show(&errs);
	CHECK(m != NULL);
	CHECK_INT(errs.n, 3);
	CHECK(err_is(&errs, 0, 7, "unknown converter 'trm'"));
	CHECK(err_is(&errs, 1, 9, "unknown converter 'trunc'"));
	CHECK(err_is(&errs, 2, 11, "mapped twice (first on line 7)"));
	if (m) {
		CHECK_INT(mapping_errors(m), 3);
		CHECK_INT(mapping_fields(m, &f), 2);
		CHECK_INT(mapping_columns(m, &cols), 3);
		CHECK_STR(cols[0], "total");
		CHECK_STR(cols[1], "currency");
		CHECK_STR(cols[2], "memo");
		CHECK_INT(mapping_column_line(m, 2), 10);
		CHECK_STR(mapping_object(m), "OrbInvoice__c");
		CHECK_INT(mapping_key_line(m, "external_id"), 4);
		CHECK_INT(mapping_key_line(m, "since"), 0);
	}
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* Salesforce's API names ignore case: suffixes in any case are names, a
 * field named twice in two cases is mapped twice, a lookup field is set
 * once (directly or through one relationship), and references to a field
 * find it in any case. */
static void test_names_any_case(void)
{
	static const char ok[] =
		"[object]\n"
		"name = OrbInvoice__C\n"
		"source = invoices\n"
		"external_id = orbid__c\n"               /* 4 */
		"keep_nulls = memo__C\n"
		"group_by = billto__r.OrbId__c\n"
		"nulls = clear\n"
		"[fields]\n"
		"OrbId__c = id\n"                        /* 9 */
		"Memo__c = memo\n"
		"BillTo__R.OrbId__C = customer_id\n"     /* 11 */
		"[lookups]\n"
		"billto__r = OrbCustomer__C\n";
	const struct map_field *f;
	const struct map_lookup *l;
	const long *g;
	struct bs_errlist errs;
	struct mapping *m = load(ok, &errs);

	show(&errs);
	CHECK(m != NULL);
	if (m) {
		CHECK_INT(mapping_key_index(m), 0);
		/* spelt as the field is: the bulk files' header */
		CHECK_STR(mapping_key_field(m), "OrbId__c");
		CHECK_INT(mapping_group_fields(m, &g), 1);
		CHECK_INT(g[0], 2);
		CHECK_INT(mapping_fields(m, &f), 3);
		CHECK_INT(f[1].clear_nulls, 0);          /* keep_nulls memo__C */
		CHECK_STR(f[2].relationship, "BillTo__R");
		CHECK_INT(mapping_lookups(m, &l), 1);
		CHECK_STR(l[0].relationship, "BillTo__R");
		CHECK_STR(l[0].object, "OrbCustomer__C");
	}
	mapping_free(m);
	bs_errlist_release(&errs);

	/* update: the key column goes out as "Id", however it is written */
	m = load("[object]\nname = Account\nsource = a\noperation = update\n"
		 "[fields]\nID = sfid\n", &errs);
	show(&errs);
	CHECK(m != NULL);
	if (m) {
		CHECK_INT(mapping_fields(m, &f), 1);
		CHECK_STR(f[0].target, "Id");
		CHECK_STR(mapping_key_field(m), "Id");
	}
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* The mapping sets of tests/cases/check/ (checked there by `billsync
 * check`, tests/e2e/t10_check.sh), as mapset loads them. */
static struct mapset *load_case(const char *name, struct bs_errlist *errs)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "tests/cases/check/%s", name);
	bs_errlist_init(errs);
	return mapset_load_dir(dir, errs);
}

/* File names sort opposite to the load order: by level, file order within
 * a level. */
static void test_set_load_order(void)
{
	struct bs_errlist errs;
	struct mapset *s = load_case("set_load_order", &errs);

	show(&errs);
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(mapset_count(s), 4);
		CHECK_STR(mapping_object(mapset_at(s, 0)), "Customer__c");
		CHECK_STR(mapping_object(mapset_at(s, 1)), "Plan__c");
		CHECK_STR(mapping_object(mapset_at(s, 2)), "Invoice__c");
		CHECK_STR(mapping_object(mapset_at(s, 3)), "Line__c");
		CHECK_INT(mapset_level(s, 0), 0);
		CHECK_INT(mapset_level(s, 1), 0);
		CHECK_INT(mapset_level(s, 2), 1);
		CHECK_INT(mapset_level(s, 3), 2);
		CHECK(mapset_find(s, "invoice__C") == mapset_at(s, 2));
	}
	mapset_free(s);
	bs_errlist_release(&errs);
}

/* A parent mapped with its suffix in another case is still the parent of
 * a lookup through its relationship, in any case. */
static void test_set_any_case(void)
{
	struct bs_errlist errs;
	struct mapset *s = load_case("set_any_case", &errs);

	show(&errs);
	CHECK(s != NULL);
	CHECK_INT(errs.n, 0);
	if (s) {
		CHECK_STR(mapping_object(mapset_at(s, 0)), "OrbCustomer__C");
		CHECK_INT(mapset_level(s, 1), 1);
	}
	mapset_free(s);
	bs_errlist_release(&errs);
}

/* mapset_load_dir refuses a set with mistakes (their messages are in
 * tests/cases/check/set_mistakes/expected); mapset_check_dir keeps it for
 * more checks. */
static void test_set_mistakes_kept(void)
{
	struct bs_errlist errs;
	struct mapset *s = load_case("set_mistakes", &errs);

	CHECK(s == NULL);
	CHECK_INT(errs.n, 4);
	bs_errlist_release(&errs);
	bs_errlist_init(&errs);
	s = mapset_check_dir("tests/cases/check/set_mistakes", &errs);
	CHECK(s != NULL);
	CHECK_INT(errs.n, 4);
	if (s) {
		CHECK_INT(mapset_count(s), 5);
		CHECK_INT(mapset_files_ok(s), 0);
	}
	mapset_free(s);
	bs_errlist_release(&errs);
}

/* group_by names up to four lookups, outermost first. */
static void test_group_by_list(void)
{
	static const char two[] =
		"[object]\nname = X__c\nsource = xs\nexternal_id = K__c\n"
		"group_by = A__r.K__c, B__r.K__c\n"
		"[fields]\nK__c = k\nB__r.K__c = b\nA__r.K__c = a\n";
	struct bs_errlist errs;
	struct mapping *m = load(two, &errs);
	const long *g;

	show(&errs);
	CHECK(m != NULL);
	if (m) {
		CHECK_INT(mapping_group_fields(m, &g), 2);
		CHECK_INT(g[0], 2);
		CHECK_INT(g[1], 1);
	}
	mapping_free(m);
	bs_errlist_release(&errs);
}

int main(void)
{
	RUN(test_columns_and_lookups);
	RUN(test_apply);
	RUN(test_apply_filters);
	RUN(test_apply_rejects);
	RUN(test_check_keeps_what_parsed);
	RUN(test_names_any_case);
	RUN(test_group_by_list);
	RUN(test_set_load_order);
	RUN(test_set_any_case);
	RUN(test_set_mistakes_kept);
	return tap_done();
}
