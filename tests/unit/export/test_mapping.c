/* test_mapping.c - mapping files: loading, mistakes (each once, with
 * Salesforce's name rules), filters, fields, null policy, load order,
 * mistakes between mappings. */
#include <stdio.h>
#include <stdlib.h>
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
	if (!m)
		return;
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

static void test_apply(void)
{
	struct bs_errlist errs;
	struct mapping *m = load(invoice_map, &errs);
	struct bs_value v[NCOLS];
	struct map_result res;
	struct arena a;
	struct bs_err e;
	int i;

	if (!m)
		return;
	arena_init(&a, 4096);
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

/* Every mistake is reported, each at its line. */
static void test_mistakes_all_reported(void)
{
	static const char text[] =
		"[object]\n"
		"name = OrbInvoice__c\n"
		"source = invoices\n"
		"external_id = OrbId__c\n"
		"operation = upsrt\n"                       /* 5 */
		"[fields]\n"
		"OrbId__c = id\n"
		"Name = invoice_number | truncat(80)\n"     /* 8 */
		"Total__c = total |\n"                      /* 9 */
		"Bad Name = x\n"                            /* 10 */
		"OrbId__c = id2\n";                         /* 11 */
	struct bs_errlist errs;
	char buf[512];
	size_t i;

	CHECK(load(text, &errs) == NULL);
	CHECK_INT(errs.n, 5);
	for (i = 0; i < errs.n; i++) {
		bs_err_format(&errs.v[i], buf, sizeof(buf));
		printf("#   %s\n", buf);
	}
	if (errs.n == 5) {
		CHECK_INT(errs.v[0].line, 5);
		CHECK_CONTAINS(errs.v[0].msg, "did you mean 'upsert'?");
		CHECK_INT(errs.v[1].line, 8);
		CHECK_CONTAINS(errs.v[1].msg, "did you mean 'truncate'?");
		CHECK_INT(errs.v[2].line, 9);
		CHECK_CONTAINS(errs.v[2].msg, "expected a converter name");
		CHECK_INT(errs.v[3].line, 10);
		CHECK_INT(errs.v[4].line, 11);
		CHECK_CONTAINS(errs.v[4].msg, "mapped twice (first on line 7)");
	}
	bs_errlist_release(&errs);
}

static void test_expression_errors(void)
{
	static const struct { const char *line, *msg; } cases[] = {
		{ "X__c = \"open", "unterminated string" },
		{ "X__c = concta(a, b)", "did you mean 'concat'?" },
		{ "X__c = 0.5", "a constant must be \"quoted\"" },
		{ "X__c = a b", "unexpected text after the expression" },
		{ "X__c = a == b", "a comparison is not a value" },
		{ "X__c = join(\",\")", "needs at least a separator and one value" },
		{ "X__c = a | truncate(80", "expected ')' after converter arguments" },
		{ "X__c = col(a)", "col() takes a \"quoted\" column name" },
		{ "X__c = a | map(=b)", "map: an empty key never matches" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bs_errlist errs;
		struct mapping *m;

		snprintf(text, sizeof(text), "[object]\nname = A__c\nsource = a\n"
			 "operation = insert\n[fields]\n%s\n", cases[i].line);
		m = load(text, &errs);
		CHECK(m == NULL);
		CHECK(errs.n >= 1);
		if (errs.n) {
			CHECK_INT(errs.v[0].line, 6);
			CHECK_CONTAINS(errs.v[0].msg, cases[i].msg);
		}
		mapping_free(m);
		bs_errlist_release(&errs);
	}
}

static void test_filter_errors(void)
{
	static const struct { const char *line, *msg; } cases[] = {
		{ "f = skip total == 0", "must start with 'skip if' or 'keep if'" },
		{ "f = skip if total = 0", "'=' is not an operator (use '==')" },
		{ "f = skip if total == 0 and", "expected a column" },
		{ "f = skip if a is blank", "expected 'empty' after 'is'" },
		{ "f = skip if a in ()", "needs at least one value" },
		{ "f = skip if a == 2024-01-01 and b == 1 and 1 == 2024-01-01",
		  "cannot compare a number with a date" },
		{ "f = skip if total == 1,5", "unexpected text after the condition" },
		{ "f = skip if (a == \"x\"", "expected ')'" },
		{ "f = skip if a == 12ab", "neither a number nor a date" },
		{ "f = keep if", "filter 'f': the condition is missing after "
		  "'keep if'" },
		{ "f = skip if \t", "the condition is missing after 'skip if'" },
		{ "f = keep iff a == 1", "must start with 'skip if' or 'keep if'" },
		{ "f = keep if a in (\"x\",)", "empty value in 'in (...)' after ','" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bs_errlist errs;
		struct mapping *m;

		snprintf(text, sizeof(text), "[object]\nname = A__c\nsource = a\n"
			 "operation = insert\n[filter]\n%s\n[fields]\nX__c = x\n",
			 cases[i].line);
		m = load(text, &errs);
		CHECK(m == NULL);
		CHECK(errs.n >= 1);
		if (errs.n) {
			CHECK_INT(errs.v[0].line, 6);
			CHECK_CONTAINS(errs.v[0].msg, cases[i].msg);
		}
		mapping_free(m);
		bs_errlist_release(&errs);
	}
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

/* One mistake, one error: what a failed or misspelt line would have
 * provided is not reported missing as well. */
static void test_no_follow_on_errors(void)
{
	static const struct { const char *text, *msg; unsigned long line; } cases[] = {
		{ "[object]\nname = A__c\nsource = a\noperation = insert\n"
		  "[fields]\nX__c = x | decmal\n", "did you mean 'decimal'?", 6 },
		{ "[object]\nname = A__c\nsource = a\nextrenal_id = K__c\n"
		  "[fields]\nK__c = k\n", "did you mean 'external_id'?", 4 },
		{ "[object]\nname = A__c\nsource = a\next_id = K__c\n"
		  "[fields]\nK__c = k\n", "did you mean 'external_id'?", 4 },
		{ "[object]\nname = A__c\nsource = a\nexternal_id = K__c\n"
		  "[feilds]\nK__c = k\n", "did you mean '[fields]'?", 5 },
		{ "source = a\n[object]\nname = A__c\nexternal_id = K__c\n"
		  "[fields]\nK__c = k\n", "outside any section (put it under "
		  "[object])", 1 },
		{ "[object]\nname = A__c\nsource = a\noperation = update\n"
		  "[fields]\nId = id | sfd\n", "did you mean 'sfid'?", 6 },
		{ "[object]\nname = A__c\nsource = a\nexternal_id = K__c\n"
		  "group_by = P__r.K__c\n[fields]\nK__c = k\nP__r.K__c = p | trm\n",
		  "did you mean 'trim'?", 8 },
		{ "[object]\nname = A__c\nsource = a\nexternal_id = K__c\n"
		  "[fields]\nK__c = k\nP__r.K__c = p | trm\n[lookups]\n"
		  "P__r = B__c\n", "did you mean 'trim'?", 7 },
		{ "[object]\nname = A__c\nsource = Invoices\nexternal_id = K__c\n"
		  "[fields]\nK__c = k\n", "did you mean 'invoices'?", 3 },
		{ "[object]\nname = A__c\nsource = a\n"
		  "external_id = P__r.K__c\n[fields]\nK__c = k\nP__r.K__c = p\n",
		  "is a lookup: the key must be a field of A__c itself", 4 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bs_errlist errs;

		CHECK(load(cases[i].text, &errs) == NULL);
		show(&errs);
		CHECK_INT(errs.n, 1);
		CHECK(err_is(&errs, 0, cases[i].line, cases[i].msg));
		bs_errlist_release(&errs);
	}
}

/* pattern with each '@' replaced by with. */
static void expand(char *out, size_t size, const char *pattern,
		   const char *with)
{
	size_t n = 0, k;

	for (; *pattern && n + 1 < size; pattern++) {
		if (*pattern != '@') {
			out[n++] = *pattern;
			continue;
		}
		for (k = 0; with[k] && n + 1 < size; k++)
			out[n++] = with[k];
	}
	out[n] = '\0';
}

/* Salesforce's length limits: 40 characters before the suffix of a custom
 * name (fields, objects, relationships), 15 for a namespace prefix. */
static void test_name_lengths(void)
{
	static const char x40[] = "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ";
	static const struct { const char *object, *field; int ok; } cases[] = {
		{ "A__c", "@__c", 1 },
		{ "A__c", "@K__c", 0 },
		{ "@__c", "F__c", 1 },
		{ "@K__c", "F__c", 0 },
		{ "A__c", "abcdefghijklmno__@__c", 1 },
		{ "A__c", "abcdefghijklmnop__F__c", 0 },
		{ "A__c", "@__r.K__c", 1 },
		{ "A__c", "@K__r.K__c", 0 },
		{ "A__c", "P__r.@K__c", 0 },
		{ "A__c", "@StandardNameWithoutSuffix", 1 },
	};
	char obj[128], field[128], text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bs_errlist errs;
		struct mapping *m;

		expand(obj, sizeof(obj), cases[i].object, x40);
		expand(field, sizeof(field), cases[i].field, x40);
		snprintf(text, sizeof(text), "[object]\nname = %s\nsource = a\n"
			 "operation = insert\n[fields]\n%s = x\n", obj, field);
		m = load(text, &errs);
		show(&errs);
		CHECK_INT(m != NULL, cases[i].ok);
		if (!cases[i].ok) {
			CHECK_INT(errs.n, 1);
			if (errs.n)
				CHECK_CONTAINS(errs.v[0].msg, "too long");
		}
		mapping_free(m);
		bs_errlist_release(&errs);
	}
}

static const char *write_map(const char *dir, const char *name,
			     const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_load_order_and_cycles(void)
{
	char dir[] = "/tmp/billsync-mapset-XXXXXX", cmd[600];
	struct bs_errlist errs;
	struct mapset *s;

	if (!mkdtemp(dir))
		return;
	/* file names sort opposite to the load order */
	write_map(dir, "a_line.map", "[object]\nname = Line__c\nsource = lines\n"
		  "external_id = K__c\n[fields]\nK__c = id\n"
		  "Invoice__r.K__c = invoice_id\n");
	write_map(dir, "b_invoice.map", "[object]\nname = Invoice__c\n"
		  "source = invoices\nexternal_id = K__c\n[fields]\nK__c = id\n"
		  "Customer__r.K__c = customer_id\nAccount__c = acct\n");
	write_map(dir, "c_customer.map", "[object]\nname = Customer__c\n"
		  "source = customers\nexternal_id = K__c\n[fields]\nK__c = id\n"
		  "Parent__r.K__c = parent_id\n[lookups]\nParent__r = Customer__c\n");
	write_map(dir, "d_plan.map", "[object]\nname = Plan__c\nsource = plans\n"
		  "external_id = K__c\n[fields]\nK__c = id\n");
	bs_errlist_init(&errs);
	s = mapset_load_dir(dir, &errs);
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(mapset_count(s), 4);
		/* by level, file order within a level */
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

	write_map(dir, "c_customer.map", "[object]\nname = Customer__c\n"
		  "source = customers\nexternal_id = K__c\n[fields]\nK__c = id\n"
		  "Line__r.K__c = line_id\n");
	s = mapset_load_dir(dir, &errs);
	CHECK(s == NULL);
	CHECK_INT(errs.n, 1);
	if (errs.n)
		CHECK_CONTAINS(errs.v[0].msg, "lookup cycle: ");
	if (errs.n)
		printf("#   %s\n", errs.v[0].msg);
	bs_errlist_release(&errs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0);
}

/* Between mappings: every cycle (at the lookup's line) and duplicate (at
 * the name line) is found even when a file has mistakes of its own;
 * mapset_check_dir keeps the set for more checks. */
static void test_set_mistakes(void)
{
	char dir[] = "/tmp/billsync-mapset-XXXXXX", cmd[600];
	struct bs_errlist errs;
	struct mapset *s;

	if (!mkdtemp(dir))
		return;
	write_map(dir, "a.map", "[object]\nname = A__c\nsource = a\n"
		  "external_id = K__c\n[fields]\nK__c = k\nB__r.K__c = b\n"
		  "Name = n | trunc(80)\n");
	write_map(dir, "b.map", "[object]\nname = B__c\nsource = b\n"
		  "external_id = K__c\n[fields]\nK__c = k\nA__r.K__c = a\n");
	write_map(dir, "c.map", "[object]\nname = C__c\nsource = c\n"
		  "external_id = K__c\n[fields]\nK__c = k\nD__r.K__c = d\n");
	write_map(dir, "d.map", "[object]\nname = D__c\nsource = d\n"
		  "external_id = K__c\n[fields]\nK__c = k\nC__r.K__c = c\n"
		  "D__r.K__c = self\n");
	write_map(dir, "e.map", "# again\n[object]\nname = a__c\nsource = e\n"
		  "external_id = K__c\n[fields]\nK__c = k\n");
	bs_errlist_init(&errs);
	s = mapset_load_dir(dir, &errs);
	CHECK(s == NULL);
	show(&errs);
	CHECK_INT(errs.n, 4);
	CHECK(err_is(&errs, 0, 8, "unknown converter 'trunc'"));
	CHECK(err_is(&errs, 1, 3, "object 'a__c' is already mapped by "));
	CHECK(err_is(&errs, 2, 7, "lookup cycle: A__c -> B__c -> A__c"));
	CHECK(err_is(&errs, 3, 7, "lookup cycle: C__c -> D__c -> C__c"));
	CHECK_CONTAINS(errs.n > 1 ? errs.v[1].msg : "", "a.map:2");
	CHECK_CONTAINS(errs.n > 3 ? errs.v[3].file : "", "c.map");
	bs_errlist_release(&errs);

	bs_errlist_init(&errs);
	s = mapset_check_dir(dir, &errs);
	CHECK(s != NULL);
	CHECK_INT(errs.n, 4);
	if (s) {
		CHECK_INT(mapset_count(s), 5);
		CHECK_INT(mapset_files_ok(s), 0);
	}
	mapset_free(s);
	bs_errlist_release(&errs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0);
}

/* Lookups against the mapped parents: through a field the parent's
 * mapping sets, and no near miss of a mapped relationship; a parent
 * outside billsync is allowed, and so is a near miss [lookups] declares. */
static void test_set_lookups(void)
{
	char dir[] = "/tmp/billsync-mapset-XXXXXX", cmd[600];
	struct bs_errlist errs;
	struct mapset *s;

	if (!mkdtemp(dir))
		return;
	write_map(dir, "customer.map", "[object]\nname = OrbCustomer__c\n"
		  "source = customers\nexternal_id = OrbId__c\n[fields]\n"
		  "OrbId__c = id\nEmail__c = email\n");
	write_map(dir, "invoice.map", "[object]\nname = OrbInvoice__c\n"
		  "source = invoices\nexternal_id = OrbId__c\n[fields]\n"
		  "OrbId__c = id\n"
		  "OrbCustomer__r.OrbId__c = customer_id\n"        /* 7 */
		  "Payer__r.Email__c = payer_email\n"             /* 8 */
		  "Account__r.External__c = account\n"            /* 9 */
		  "OrbCustomr__r.OrbId__c = customer_id\n"        /* 10 */
		  "BillTo__r.Name__c = customer_id\n"             /* 11 */
		  "OrbCustome__r.OrbId__c = customer_id\n"        /* 12 */
		  "[lookups]\nPayer__r = OrbCustomer__c\n"
		  "BillTo__r = OrbCustomer__c\n"
		  "OrbCustome__r = Legacy__c\n");
	bs_errlist_init(&errs);
	s = mapset_load_dir(dir, &errs);
	CHECK(s == NULL);
	show(&errs);
	CHECK_INT(errs.n, 2);
	CHECK(err_is(&errs, 0, 10, "lookup 'OrbCustomr__r.OrbId__c': no mapping "
		     "loads 'OrbCustomr__c'; did you mean 'OrbCustomer__r'?"));
	CHECK(err_is(&errs, 1, 11, "does not set 'Name__c'; did you mean its "
		     "external_id, 'BillTo__r.OrbId__c'?"));
	bs_errlist_release(&errs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0);
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
	static const struct { const char *fields, *msg; unsigned long line; } bad[] = {
		{ "OrbId__c = id\norbid__C = id2\n",
		  "field 'orbid__C' is mapped twice (first on line 6, as "
		  "'OrbId__c': field names ignore case)", 7 },
		{ "OrbId__c = id\nOrbCustomer__c = cus\n"
		  "OrbCustomer__r.OrbId__c = customer_id\n",
		  "'OrbCustomer__r.OrbId__c' sets the lookup field "
		  "'OrbCustomer__c', which line 7 sets already "
		  "('OrbCustomer__c')", 8 },
		{ "OrbId__c = id\nOrbCustomer__r.OrbId__c = customer_id\n"
		  "orbcustomer__c = cus\n",
		  "'orbcustomer__c' sets the lookup field 'orbcustomer__c', which "
		  "line 7 sets already ('OrbCustomer__r.OrbId__c')", 8 },
		{ "OrbId__c = id\nOrbCustomer__r.OrbId__c = customer_id\n"
		  "OrbCustomer__r.Email__c = email\n",
		  "which line 7 sets already ('OrbCustomer__r.OrbId__c')", 8 },
		{ "OrbId__c = id\nAccount.AccountNumber = n\nAccountId = a\n",
		  "'AccountId' sets the lookup field 'AccountId', which line 7", 8 },
	};
	const struct map_field *f;
	const struct map_lookup *l;
	const long *g;
	struct bs_errlist errs;
	struct mapping *m = load(ok, &errs);
	char text[512];
	size_t i;

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

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[object]\nname = OrbInvoice__c\n"
			 "source = invoices\nexternal_id = OrbId__c\n[fields]\n%s",
			 bad[i].fields);
		m = load(text, &errs);
		show(&errs);
		CHECK(m == NULL);
		CHECK_INT(errs.n, 1);
		CHECK(err_is(&errs, 0, bad[i].line, bad[i].msg));
		mapping_free(m);
		bs_errlist_release(&errs);
	}
}

/* A parent mapped with its suffix in another case is still the parent of
 * a lookup through its relationship, in any case. */
static void test_set_any_case(void)
{
	char dir[] = "/tmp/billsync-mapset-XXXXXX", cmd[600];
	struct bs_errlist errs;
	struct mapset *s;

	if (!mkdtemp(dir))
		return;
	write_map(dir, "a_invoice.map", "[object]\nname = OrbInvoice__c\n"
		  "source = invoices\nexternal_id = OrbId__c\n[fields]\n"
		  "OrbId__c = id\norbcustomer__R.orbid__C = customer_id\n");
	write_map(dir, "b_customer.map", "[object]\nname = OrbCustomer__C\n"
		  "source = customers\nexternal_id = OrbId__c\n[fields]\n"
		  "OrbId__c = id\n");
	bs_errlist_init(&errs);
	s = mapset_load_dir(dir, &errs);
	show(&errs);
	CHECK(s != NULL);
	CHECK_INT(errs.n, 0);
	if (s) {
		CHECK_STR(mapping_object(mapset_at(s, 0)), "OrbCustomer__C");
		CHECK_INT(mapset_level(s, 1), 1);
	}
	mapset_free(s);
	bs_errlist_release(&errs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0);
}

/* group_by names up to four lookups, outermost first. */
static void test_group_by_list(void)
{
	static const char two[] =
		"[object]\nname = X__c\nsource = xs\nexternal_id = K__c\n"
		"group_by = A__r.K__c, B__r.K__c\n"
		"[fields]\nK__c = k\nB__r.K__c = b\nA__r.K__c = a\n";
	static const char five[] =
		"[object]\nname = X__c\nsource = xs\nexternal_id = K__c\n"
		"group_by = A__r.K__c, B__r.K__c, C__r.K__c, D__r.K__c, "
		"E__r.K__c\n[fields]\nK__c = k\nA__r.K__c = a\n"
		"B__r.K__c = b\nC__r.K__c = c\nD__r.K__c = d\nE__r.K__c = e\n";
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
	m = load(five, &errs);
	CHECK(m == NULL);
	CHECK_INT(errs.n, 1);
	if (errs.n)
		CHECK(strstr(errs.v[0].msg, "at most 4 fields") != NULL);
	mapping_free(m);
	bs_errlist_release(&errs);
}

int main(void)
{
	RUN(test_columns_and_lookups);
	RUN(test_apply);
	RUN(test_mistakes_all_reported);
	RUN(test_expression_errors);
	RUN(test_filter_errors);
	RUN(test_check_keeps_what_parsed);
	RUN(test_no_follow_on_errors);
	RUN(test_name_lengths);
	RUN(test_load_order_and_cycles);
	RUN(test_set_mistakes);
	RUN(test_set_lookups);
	RUN(test_names_any_case);
	RUN(test_set_any_case);
	RUN(test_group_by_list);
	return tap_done();
}
