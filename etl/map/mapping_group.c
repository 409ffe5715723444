/* mapping_group.c - group mappings: the [group] and [aggregate] sections,
 * the names their [fields] read, and their checks (see mapping.h, "Group
 * mappings", and docs/mappings.md, "Roll-ups"). */
#include "mapping_int.h"

#include <stdio.h>
#include <string.h>

#include "formats/strsim.h"
#include "aggregate.h"
#include "convert.h"
#include "datetime.h"
#include "expr.h"

static int is_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* The line of the key or aggregate called name, or 0. */
static unsigned long defined_at(const struct mapping *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nkeys; i++)
		if (!strcmp(m->keys[i].name, name))
			return m->keys[i].line;
	for (i = 0; i < m->naggs; i++)
		if (!strcmp(m->aggs[i].name, name))
			return m->aggs[i].line;
	return 0;
}

/* "fn(inner)": the aggregate function and the text inside the brackets
 * (into buf); -1 with the mistake reported. */
static int split_aggregate(struct mapping *m, const struct ini_item *it,
			   int *fn, char *buf, size_t size)
{
	const char *const *names;
	const char *v = it->value, *open = strchr(v, '('), *hint;
	size_t n = strlen(v), nn = agg_fn_names(&names), w, in;
	char word[32];

	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	w = open ? (size_t)(open - v) : 0;
	in = open ? n - w - 2 : 0;      /* between the brackets */
	if (!open || v[n - 1] != ')' || w >= sizeof(word) || in >= size) {
		mp_errorf(m, it->line, "[aggregate] '%s': write FUNCTION(VALUE), "
			  "e.g. sum(amount) (functions: sum, min, max, count, "
			  "first, last, same)", it->key);
		return -1;
	}
	while (w && (v[w - 1] == ' ' || v[w - 1] == '\t'))
		w--;
	memcpy(word, v, w);
	word[w] = '\0';
	*fn = agg_fn_of(word);
	if (*fn < 0) {
		hint = strsim_closest(word, names, nn);
		mp_errorf(m, it->line, "[aggregate] '%s': unknown aggregate "
			  "'%s'%s%s%s", it->key, word, hint ? "; did you mean '"
			  : " (sum, min, max, count, first, last, same)",
			  hint ? hint : "", hint ? "'?" : "");
		return -1;
	}
	memcpy(buf, open + 1, in);
	buf[in] = '\0';
	return 0;
}

/* What a [group] or [aggregate] line may not be, reported; 0 if fine. */
static int misplaced(struct mapping *m, const struct ini_item *it,
		     const char *what)
{
	if (m->first_field_line)
		mp_errorf(m, it->line, "%s comes before [fields] (line %lu): "
			  "the fields of a group mapping read its names", what,
			  m->first_field_line);
	else if (!is_name(it->key))
		mp_errorf(m, it->line, "'%s' is not a name for %s (letters, "
			  "digits and '_')", it->key, what);
	else if (defined_at(m, it->key))
		mp_errorf(m, it->line, "'%s' is defined twice in [group] and "
			  "[aggregate] (first on line %lu)", it->key,
			  defined_at(m, it->key));
	else if ((!strcmp(what, "[group]") ? m->nkeys : m->naggs) ==
		 MAPPING_MAX_GROUP)
		mp_errorf(m, it->line, "more than %d entries in %s",
			  MAPPING_MAX_GROUP, what);
	else
		return 0;
	return -1;
}

void mp_group_line(struct mapping *m, const struct ini_item *it, int agg)
{
	struct expr_columns cols = { mp_resolve_column, m };
	const char *what = agg ? "[aggregate]" : "[group]", *text = it->value;
	size_t ncolumns = m->ncolumns;
	struct expr *e = NULL;
	struct bs_err err;
	char inner[1024];
	int fn = -1;

	if (!m->group_section_line)
		m->group_section_line = it->line;
	if (misplaced(m, it, what) < 0)
		return;
	if (agg) {
		if (split_aggregate(m, it, &fn, inner, sizeof(inner)) < 0)
			return;
		text = inner + strspn(inner, " \t");
		if (!*text && fn != AGG_COUNT) {
			mp_errorf(m, it->line, "[aggregate] '%s': %s() needs a "
				  "value, e.g. %s(amount)", it->key,
				  agg_fn_name((enum agg_fn)fn),
				  agg_fn_name((enum agg_fn)fn));
			return;
		}
	}
	if (*text) {
		bs_err_clear(&err);
		e = expr_parse(text, &m->arena, &cols, &err);
		if (!e) {
			bs_err_prefix(&err, "%s '%s'", what, it->key);
			mp_add_error(m, it->line, &err);
			m->ncolumns = ncolumns;    /* not checked against data */
			return;
		}
	}
	if (agg) {
		m->aggs[m->naggs].name = mp_dup(m, it->key);
		m->aggs[m->naggs].line = it->line;
		m->aggs[m->naggs].fn = fn;
		m->aggs[m->naggs++].expr = e;
	} else {
		m->keys[m->nkeys].name = mp_dup(m, it->key);
		m->keys[m->nkeys].line = it->line;
		m->keys[m->nkeys++].expr = e;
	}
}

int mp_resolve_group(void *ctx, const char *name, size_t *index,
		     struct bs_err *err)
{
	const struct mapping *m = ctx;
	const char *names[2 * MAPPING_MAX_GROUP], *hint;
	size_t i;

	for (i = 0; i < m->nkeys; i++)
		names[i] = m->keys[i].name;
	for (i = 0; i < m->naggs; i++)
		names[m->nkeys + i] = m->aggs[i].name;
	for (i = 0; i < m->nkeys + m->naggs; i++) {
		if (!strcmp(names[i], name)) {
			*index = i;
			return 0;
		}
	}
	hint = strsim_closest(name, names, m->nkeys + m->naggs);
	return bs_err_set(err, BS_E_CONFIG, "'%s' is neither a [group] key "
			  "nor an [aggregate]: the fields of a group mapping "
			  "read those only%s%s%s", name, hint ? "; did you mean '"
			  : "", hint ? hint : "", hint ? "'?" : "");
}

int mp_aggregate_misplaced(struct mapping *m, const struct ini_item *it)
{
	/* not first(): first(a, b) is the first non-empty of its values */
	static const char *const aggs[] = { "sum", "min", "max", "count",
					    "last", "same" };
	const char *v = it->value + strspn(it->value, " \t");
	size_t i, n;

	for (i = 0; i < NELEM(aggs); i++) {
		n = strlen(aggs[i]);
		if (!strncmp(v, aggs[i], n) && v[n + strspn(v + n, " \t")] == '(')
			break;
	}
	if (i == NELEM(aggs))
		return 0;
	mp_errorf(m, it->line, "field '%s': %s() is an aggregate: it goes in "
		  "[aggregate] of a group mapping (with a [group]), and the "
		  "field reads it by name", it->key, aggs[i]);
	return 1;
}

/* The [group] key's converter that buckets column by month or week, or
 * NULL. */
static const struct conv *bucket_of(const struct mapping *m,
				    const char *column)
{
	const struct conv *c;
	size_t i, col;

	for (i = 0; column && i < m->nkeys; i++) {
		c = m->keys[i].expr ? expr_pipe_conv(m->keys[i].expr, &col) :
		    NULL;
		if (c && (!strcmp(conv_name(c), "month") ||
			  !strcmp(conv_name(c), "week")) &&
		    !strcmp(m->columns[col], column))
			return c;
	}
	return NULL;
}

/* A column that bounds the rows read (watermark, since) must be bucketed,
 * so that a run reads whole groups. */
static void check_bucketed(struct mapping *m, const char *column,
			   enum object_key key)
{
	if (column && !bucket_of(m, column))
		mp_errorf(m, m->key_lines[key], "a group mapping's %s needs a "
			  "[group] key '%s | month(tz=ZONE)' or '| week(tz=ZONE)', "
			  "so that a run reads whole groups", mp_object_keys[key],
			  column);
}

/* ---- currencies: money of different currencies never in one sum ---- */

#define MAX_CONVS 16

/* The converters on top of e (none when e is NULL); n <= MAX_CONVS. */
static size_t convs_of(const struct expr *e, const struct conv **cv,
		       enum expr_base *base, size_t *index)
{
	size_t n;

	*base = EXPR_CONSTANT;
	if (!e)
		return 0;
	n = expr_converters(e, cv, MAX_CONVS, base, index);
	return n < MAX_CONVS ? n : MAX_CONVS;
}

/* 1 when a folds amounts: sum(), or min, max, first or last of a value
 * that decimal or money makes a number. */
static int folds_money(const struct map_aggregate *a)
{
	const struct conv *cv[MAX_CONVS];
	enum expr_base base;
	size_t n, index;

	if (a->fn == AGG_SUM)
		return 1;
	if (a->fn == AGG_COUNT || a->fn == AGG_SAME)
		return 0;
	n = convs_of(a->expr, cv, &base, &index);
	return n && (!strcmp(conv_name(cv[n - 1]), "decimal") ||
		     !strcmp(conv_name(cv[n - 1]), "money"));
}

/* The column of a money(COLUMN) in e, or NULL. */
static const char *money_column(const struct expr *e)
{
	const struct conv *cv[MAX_CONVS];
	struct conv_info ci;
	enum expr_base base;
	size_t index, n = convs_of(e, cv, &base, &index), i;

	for (i = 0; i < n; i++) {
		conv_describe(cv[i], &ci);
		if (!strcmp(ci.name, "money") && ci.column)
			return ci.column;
	}
	return NULL;
}

/* The source column e reads as it is or through trim, upper or lower
 * (one currency, written one way or another), or NULL. */
static const char *plain_column(const struct mapping *m, const struct expr *e)
{
	const struct conv *cv[MAX_CONVS];
	enum expr_base base;
	size_t index, n = convs_of(e, cv, &base, &index), i;

	for (i = 0; i < n; i++)
		if (strcmp(conv_name(cv[i]), "trim") &&
		    strcmp(conv_name(cv[i]), "upper") &&
		    strcmp(conv_name(cv[i]), "lower"))
			return NULL;
	return base == EXPR_COLUMN ? m->columns[index] : NULL;
}

/* Where a group mapping's currency comes from: *column is its source
 * column ([object] currency, else a money(COLUMN) of a key or aggregate,
 * else the column of an aggregate a field's money(NAME) reads) or NULL;
 * returns 1 when a [group] key or a same() aggregate holds it, one value
 * per group. */
static int currency_held(const struct mapping *m, const char **column)
{
	const char *c, *col;
	size_t i, k;

	*column = m->currency;
	for (i = 0; !*column && i < m->nkeys + m->naggs; i++)
		*column = money_column(i < m->nkeys ? m->keys[i].expr :
				       m->aggs[i - m->nkeys].expr);
	for (i = 0; i < m->nfields; i++) {   /* they read names */
		if (!(c = money_column(m->fields[i].expr)))
			continue;
		for (k = 0; k < m->nkeys; k++)
			if (!strcmp(m->keys[k].name, c))
				return 1;
		for (k = 0; k < m->naggs && strcmp(m->aggs[k].name, c); k++)
			;
		if (k < m->naggs && m->aggs[k].fn == AGG_SAME)
			return 1;
		if (k < m->naggs && !*column)
			*column = plain_column(m, m->aggs[k].expr);
	}
	for (i = 0; *column && i < m->nkeys + m->naggs; i++) {
		col = plain_column(m, i < m->nkeys ? m->keys[i].expr :
				   m->aggs[i - m->nkeys].expr);
		if (col && !strcmp(col, *column) &&
		    (i < m->nkeys || m->aggs[i - m->nkeys].fn == AGG_SAME))
			return 1;
	}
	return 0;
}

/* Money of different currencies never lands in one sum: a group mapping
 * that folds amounts has its currency as a key or same(), or says its
 * column, and then every group is checked to have one currency (an
 * aggregate added after the file's own, which no field reads), or says
 * currency = none. */
static void check_currency(struct mapping *m)
{
	struct expr_columns cols = { mp_resolve_column, m };
	const struct map_aggregate *money = NULL;
	struct map_aggregate *a;
	const char *column;
	struct bs_err err;
	char text[1024];
	size_t i;
	int held = currency_held(m, &column);

	for (i = 0; i < m->naggs && !money; i++)
		if (folds_money(&m->aggs[i]))
			money = &m->aggs[i];
	if (m->no_currency) {
		if (held || column)
			mp_errorf(m, m->key_lines[K_CURRENCY], "currency = none, "
				  "but the mapping reads a currency with "
				  "money(...): name its column instead");
		return;
	}
	if (!money || held)
		return;
	if (!column) {
		mp_errorf(m, money->line, "[aggregate] '%s': %s() of rows whose "
			  "currency the mapping does not name, so amounts in "
			  "different currencies could land in one sum: name "
			  "the currency column ([object] currency = COLUMN; a "
			  "[group] key of it keeps the currencies apart, else a "
			  "group that mixes them is rejected), or write "
			  "currency = none if the rows are not money",
			  money->name,
			  agg_fn_name((enum agg_fn)money->fn));
		return;
	}
	if (m->naggs == MAPPING_MAX_GROUP) {
		mp_errorf(m, money->line, "more than %d entries in [aggregate] "
			  "with the currency's check", MAPPING_MAX_GROUP - 1);
		return;
	}
	a = &m->aggs[m->naggs];
	bs_err_clear(&err);
	if (!(a->name = mp_dup(m, column)) ||
	    expr_column_text(column, text, sizeof(text)) < 0 ||
	    !(a->expr = expr_parse(text, &m->arena, &cols, &err))) {
		mp_errorf(m, money->line, "the currency column '%.40s' cannot "
			  "be read (%s)", column, !a->name ? "out of memory" :
			  err.msg[0] ? err.msg : "too long a name");
		return;
	}
	a->line = m->key_lines[K_CURRENCY] ? m->key_lines[K_CURRENCY] :
		  money->line;
	a->fn = AGG_CURRENCY;
	m->naggs++;
}

void mp_check_group(struct mapping *m)
{
	unsigned long at = m->group_section_line;

	if (!m->nkeys) {
		if (m->naggs)
			mp_errorf(m, at, "an [aggregate] needs a [group]: the keys "
				  "rows are rolled up by");
		if (m->row_key >= 0)
			mp_errorf(m, m->key_lines[K_ROW_KEY], "row_key is for a "
				  "group mapping (one with a [group])");
		if (m->no_currency)
			mp_errorf(m, m->key_lines[K_CURRENCY], "currency = none "
				  "is for a group mapping (one with a [group]): "
				  "leave the key out");
		return;
	}
	if (m->op != MAP_UPSERT)
		mp_errorf(m, m->key_lines[K_OPERATION], "a group mapping is "
			  "upserted (one record per group, its external_id "
			  "built from the [group] keys), not %s",
			  mapping_op_name(m->op));
	if (m->key_index >= 0 &&
	    expr_reads_from(m->fields[m->key_index].expr, m->nkeys))
		mp_errorf(m, m->fields[m->key_index].line, "the external_id "
			  "field '%s' of a group mapping is built from [group] "
			  "keys only, never from an [aggregate]",
			  m->fields[m->key_index].target);
	check_bucketed(m, m->watermark, K_WATERMARK);
	check_bucketed(m, m->since, K_SINCE);
	check_currency(m);
}

size_t mapping_group_keys(const struct mapping *m,
			  const struct map_group_key **k)
{
	*k = m->keys;
	return m->nkeys;
}

size_t mapping_aggregates(const struct mapping *m,
			  const struct map_aggregate **a)
{
	*a = m->aggs;
	return m->naggs;
}

long mapping_row_key(const struct mapping *m)
{
	return m->row_key;
}

int mapping_group_bound(const struct mapping *m, const char *column,
			const char *text, int upper, char out[32])
{
	const struct conv *c = bucket_of(m, column);
	struct dt_instant t, start, next;
	struct bs_err ignored;

	if (!c || dt_parse_instant(text, strlen(text), NULL, &t,
				   &ignored) < 0 ||
	    conv_bucket_start(c, &t, &start) < 0)
		return -1;
	if (upper && dt_instant_cmp(&start, &t) != 0) {
		/* the next bucket's start: 32 days on is in the next month,
		   8 days on in the next week, whatever the clocks do */
		next = start;
		next.sec += (strcmp(conv_name(c), "month") ? 8 : 32) * 86400LL;
		if (conv_bucket_start(c, &next, &start) < 0)
			return -1;
	}
	dt_format_iso(&start, out);
	return 0;
}
