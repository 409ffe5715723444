/* test_aggregate.c - roll-ups in the mapping layer: exact decimal sums,
 * the aggregates, and a group mapping's keys, inputs, fields and watermark
 * floor. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "map/aggregate.h"
#include "map/decimal.h"
#include "map/mapping.h"

/* a + b printed in its natural scale, or "error: ..." */
static const char *add(const char *a, const char *b, char *buf)
{
	struct dec x, y, z;
	struct bs_err e;

	if (dec_parse(&x, a, strlen(a), &e) < 0 ||
	    dec_parse(&y, b, strlen(b), &e) < 0 ||
	    dec_add(&x, &y, &z, &e) < 0) {
		snprintf(buf, DEC_TEXT_SIZE, "error: %.400s", e.msg);
		return buf;
	}
	dec_format(&z, DEC_SCALE_NATURAL, buf);
	return buf;
}

static void test_dec_add(void)
{
	char b[DEC_TEXT_SIZE];

	CHECK_STR(add("0.1", "0.2", b), "0.3");
	CHECK_STR(add("1.50", "2", b), "3.50");
	CHECK_STR(add("1.005", "2.115", b), "3.120");
	CHECK_STR(add("-1.25", "1.25", b), "0.00");
	CHECK_STR(add("-5", "3", b), "-2");
	CHECK_STR(add("3", "-5", b), "-2");
	CHECK_STR(add("-0.5", "-0.75", b), "-1.25");
	CHECK_STR(add("999.99", "0.01", b), "1000.00");
	CHECK_STR(add("1e3", "1", b), "1001");
	CHECK_STR(add("0", "0.000", b), "0.000");
	CHECK_STR(add("1000.00", "-999.99", b), "0.01");
	CHECK_STR(add("99999999999999999999999999999999999999999999999999999999999999.9",
		      "0.1", b),
		  "100000000000000000000000000000000000000000000000000000000000000.0");
	CHECK_CONTAINS(add("1e300", "1e-300", b),
		       "more than 64 significant digits");
}

/* Folds vals (NULL for a null) into a new aggregate of fn; its result. */
static const char *fold(enum agg_fn fn, const char *const *vals, size_t n,
			struct arena *a, char *err)
{
	struct agg g;
	struct bs_value v, out;
	struct bs_err e;
	size_t i;

	agg_init(&g, fn);
	err[0] = '\0';
	for (i = 0; i < n; i++) {
		v.s = vals[i] ? vals[i] : "";
		v.len = strlen(v.s);
		v.kind = vals[i] ? BS_V_TEXT : BS_V_NULL;
		if (agg_add(&g, &v, &e) < 0) {
			snprintf(err, 200, "%.190s", e.msg);
			agg_release(&g);
			return "error";
		}
	}
	agg_result(&g, a, &out, &e);
	agg_release(&g);
	return out.kind == BS_V_NULL ? "null" : out.s;
}

static void test_aggregates(void)
{
	static const char *const money[] = { "0.10", "0.20", NULL, "1.005" };
	static const char *const mixed[] = { "10", "9", "abc" };
	static const char *const days[] = { "2024-01-31", "2024-01-02", NULL,
					    "2024-01-10" };
	static const char *const cur[] = { "USD", NULL, "USD", "EUR" };
	static const char *const lower[] = { "usd", "USD", "Usd" };
	static const char *const nums[] = { "10", "9.5", "-2" };
	struct arena a;
	char err[200];

	arena_init(&a, 4096);
	CHECK_STR(fold(AGG_SUM, money, 4, &a, err), "1.305");
	CHECK_STR(fold(AGG_SUM, money + 2, 1, &a, err), "null");
	CHECK_STR(fold(AGG_SUM, mixed, 3, &a, err), "error");
	CHECK_CONTAINS(err, "sum: cannot read 'abc' as a number");
	CHECK_STR(fold(AGG_MIN, nums, 3, &a, err), "-2");
	CHECK_STR(fold(AGG_MAX, nums, 3, &a, err), "10");      /* not "9.5" */
	CHECK_STR(fold(AGG_MAX, mixed, 3, &a, err), "abc");    /* as text */
	CHECK_STR(fold(AGG_MIN, days, 4, &a, err), "2024-01-02");
	CHECK_STR(fold(AGG_MAX, days, 4, &a, err), "2024-01-31");
	CHECK_STR(fold(AGG_COUNT, days, 4, &a, err), "3");
	CHECK_STR(fold(AGG_COUNT, days + 2, 1, &a, err), "0");
	CHECK_STR(fold(AGG_FIRST, cur + 1, 3, &a, err), "USD");
	CHECK_STR(fold(AGG_LAST, cur, 4, &a, err), "EUR");
	CHECK_STR(fold(AGG_SAME, cur, 3, &a, err), "USD");
	CHECK_STR(fold(AGG_SAME, cur, 4, &a, err), "error");
	CHECK_CONTAINS(err, "mixed values 'USD' and 'EUR'");
	/* the currency a mapping checks itself: case aside */
	CHECK_STR(fold(AGG_CURRENCY, lower, 3, &a, err), "usd");
	CHECK_STR(fold(AGG_CURRENCY, cur, 4, &a, err), "error");
	CHECK_CONTAINS(err, "mixed currencies 'USD' and 'EUR' in one group");
	CHECK_INT(agg_fn_of("currency"), -1);   /* not a name users write */
	CHECK_INT(agg_fn_of("same"), AGG_SAME);
	CHECK_INT(agg_fn_of("avg"), -1);
	arena_release(&a);
}

static const char rollup[] =
	"[object]\n"
	"name = M__c\n"
	"source = daily\n"
	"external_id = K__c\n"
	"row_key = id\n"
	"watermark = day\n"
	"lookback = 2d\n"
	"[filter]\n"
	"reverted = skip if reverted_at is not empty\n"
	"[group]\n"
	"line = line_id\n"
	"month = day | month(tz=America/New_York)\n"
	"[aggregate]\n"
	"total = sum(amount)\n"
	"rows = count()\n"
	"currency = same(currency)\n"
	"[fields]\n"
	"K__c = join(\"-\", line, month)\n"
	"Total__c = total | money(currency)\n"
	"Rows__c = rows\n";

static void set(struct bs_value *v, const char *s)
{
	v->s = s ? s : "";
	v->len = s ? strlen(s) : 0;
	v->kind = s ? BS_V_TEXT : BS_V_NULL;
}

/* The source value of column c in the row test_group_mapping applies. */
static const char *source(const char *c)
{
	static const char *const row[][2] = {
		{ "id", "d1" }, { "line_id", "ili_1" },
		{ "day", "2024-02-01T04:00:00Z" }, { "amount", "12.5" },
		{ "currency", "USD" },
	};
	size_t i;

	for (i = 0; i < sizeof(row) / sizeof(row[0]); i++)
		if (!strcmp(c, row[i][0]))
			return row[i][1];
	return NULL;
}

static void test_group_mapping(void)
{
	const struct map_group_key *k;
	const struct map_aggregate *ag;
	const char *const *cols;
	struct bs_value row[8], g[5];
	struct map_result res;
	struct bs_errlist errs;
	struct bs_err e;
	struct arena a;
	struct mapping *m;
	char floor[32];
	size_t n, i;

	bs_errlist_init(&errs);
	m = mapping_load_text("r.map", rollup, &errs);
	CHECK(m != NULL);
	CHECK_INT(errs.n, 0);
	if (!m)
		return;
	arena_init(&a, 4096);
	CHECK_INT(mapping_group_keys(m, &k), 2);
	CHECK_STR(k[1].name, "month");
	CHECK_INT(mapping_aggregates(m, &ag), 3);
	CHECK_INT(ag[1].fn, AGG_COUNT);
	CHECK(ag[1].expr == NULL);
	n = mapping_columns(m, &cols);
	CHECK(n <= 8);
	CHECK_STR(cols[mapping_row_key(m)], "id");
	for (i = 0; i < n && i < 8; i++)
		set(&row[i], source(cols[i]));
	CHECK_INT(mapping_group_row(m, row, &a, &res, &e), MAP_ROW);
	CHECK_STR(res.v[0].s, "ili_1");
	CHECK_STR(res.v[1].s, "2024-01");       /* still January in New York */
	CHECK_STR(res.v[2].s, "12.5");
	CHECK_STR(res.v[3].s, "1");             /* count() */
	CHECK_INT(mapping_apply(m, row, &a, &res, &e), MAP_ERROR);
	/* a group: keys, then the aggregates' results */
	set(&g[0], "ili_1");
	set(&g[1], "2024-01");
	set(&g[2], "1234.5");
	set(&g[3], "31");
	set(&g[4], "JPY");
	CHECK_INT(mapping_apply_group(m, g, &a, &res, &e), MAP_ROW);
	CHECK_STR(res.v[0].s, "ili_1-2024-01");
	CHECK_STR(res.v[1].s, "1235");          /* JPY has no minor unit */
	CHECK_STR(res.v[2].s, "31");
	/* a watermark floor reads whole months (of New York) again */
	CHECK_INT(mapping_group_bound(m, "day", "2024-03-17T12:00:00Z", 0, floor), 0);
	CHECK_STR(floor, "2024-03-01T05:00:00.000Z");
	/* March 31, 23:59:59 EDT, and April 1, 00:00 EDT */
	CHECK_INT(mapping_group_bound(m, "day", "2024-04-01T03:59:59Z", 0, floor), 0);
	CHECK_STR(floor, "2024-03-01T05:00:00.000Z");
	CHECK_INT(mapping_group_bound(m, "day", "2024-04-01T04:00:00Z", 0, floor), 0);
	CHECK_STR(floor, "2024-04-01T04:00:00.000Z");
	CHECK_INT(mapping_group_bound(m, "day", "soon", 0, floor), -1);
	CHECK_INT(mapping_group_bound(m, "id", "2024-03-17", 0, floor), -1);
	/* an upper bound moves to the next month unless it starts one */
	CHECK_INT(mapping_group_bound(m, "day", "2024-03-17", 1, floor), 0);
	CHECK_STR(floor, "2024-04-01T04:00:00.000Z");
	CHECK_INT(mapping_group_bound(m, "day", "2024-12-02T00:00:00Z", 1,
				      floor), 0);
	CHECK_STR(floor, "2025-01-01T05:00:00.000Z");
	CHECK_INT(mapping_group_bound(m, "day", "2024-04-01T04:00:00Z", 1,
				      floor), 0);
	CHECK_STR(floor, "2024-04-01T04:00:00.000Z");
	arena_release(&a);
	mapping_free(m);
	bs_errlist_release(&errs);
}

/* A group mapping of M__c from daily: more [object] keys, then the rest;
 * its aggregates' count (-1 when it does not load), the last one's
 * function and name. */
static long aggs_of(const char *object, const char *rest,
		    struct bs_errlist *errs, int *fn, char *name)
{
	const struct map_aggregate *ag;
	struct mapping *m;
	char text[600];
	long n = -1;

	snprintf(text, sizeof(text), "[object]\nname = M__c\nsource = daily\n"
		 "external_id = K__c\n%s[group]\nline = line_id\n%s", object,
		 rest);
	m = mapping_load_text("c.map", text, errs);
	if (m) {
		n = (long)mapping_aggregates(m, &ag);
		*fn = ag[n - 1].fn;
		snprintf(name, 32, "%s", ag[n - 1].name);
	}
	mapping_free(m);
	return n;
}

/* Money of different currencies never in one sum: a group mapping that
 * names its currency column without a key of it checks each group. */
static void test_currency_check(void)
{
	struct bs_errlist errs;
	char name[32];
	int fn;

	bs_errlist_init(&errs);
	CHECK_INT(aggs_of("currency = cur\n", "[aggregate]\ntotal = sum(amount)"
			  "\n[fields]\nK__c = line\nT__c = total\n", &errs, &fn,
			  name), 2);                     /* one added */
	CHECK_INT(fn, AGG_CURRENCY);
	CHECK_STR(name, "cur");
	/* a key of it: nothing to check per group */
	CHECK_INT(aggs_of("currency = cur\n", "cur = cur | upper\n[aggregate]\n"
			  "total = sum(amount)\n[fields]\nK__c = join(\"-\", line, "
			  "cur)\nT__c = total\n", &errs, &fn, name), 1);
	/* money(c) in a field names the column of c */
	CHECK_INT(aggs_of("", "[aggregate]\ntotal = max(amount | decimal)\n"
			  "c = last(cur)\n[fields]\nK__c = line\nT__c = total | "
			  "money(c)\n", &errs, &fn, name), 3);
	CHECK_STR(name, "cur");
	CHECK_INT(errs.n, 0);
	/* nothing names it: a mistake */
	CHECK_INT(aggs_of("", "[aggregate]\ntotal = sum(amount)\n[fields]\n"
			  "K__c = line\n", &errs, &fn, name), -1);
	CHECK_INT(errs.n, 1);
	bs_errlist_release(&errs);
}

/* A row whose key cannot be computed is rejected alone; one whose
 * aggregate input a converter refuses spoils its group (MAP_SPOILT), its
 * keys known. */
static void test_spoilt_row(void)
{
	static const char text[] =
		"[object]\nname = M__c\nsource = daily\nexternal_id = K__c\n"
		"currency = none\n[group]\nline = line_id\n"
		"month = day | month(tz=UTC)\n[aggregate]\n"
		"qty = sum(quantity | decimal(2))\n[fields]\n"
		"K__c = join(\"-\", line, month)\nQ__c = qty\n";
	struct bs_value row[3];
	struct map_result res;
	struct bs_errlist errs;
	struct bs_err e;
	struct arena a;
	struct mapping *m;
	const char *const *cols;
	size_t i, n;

	bs_errlist_init(&errs);
	m = mapping_load_text("s.map", text, &errs);
	CHECK(m != NULL);
	bs_errlist_release(&errs);
	if (!m)
		return;
	arena_init(&a, 4096);
	n = mapping_columns(m, &cols);
	CHECK_INT(n, 3);
	for (i = 0; i < n && i < 3; i++)
		set(&row[i], !strcmp(cols[i], "line_id") ? "ili_1" :
			     !strcmp(cols[i], "day") ? "2024-01-05" : "x");
	bs_err_clear(&e);
	CHECK_INT(mapping_group_row(m, row, &a, &res, &e), MAP_SPOILT);
	CHECK_STR(e.field, "qty");
	CHECK_STR(res.v[0].s, "ili_1");
	CHECK_STR(res.v[1].s, "2024-01");
	for (i = 0; i < n && i < 3; i++)
		if (!strcmp(cols[i], "day"))
			set(&row[i], "soon");
	bs_err_clear(&e);
	CHECK_INT(mapping_group_row(m, row, &a, &res, &e), MAP_REJECTED);
	CHECK_STR(e.field, "month");
	arena_release(&a);
	mapping_free(m);
}

int main(void)
{
	RUN(test_dec_add);
	RUN(test_aggregates);
	RUN(test_group_mapping);
	RUN(test_currency_check);
	RUN(test_spoilt_row);
	return tap_done();
}
