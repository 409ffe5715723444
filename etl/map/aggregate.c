/* aggregate.c - folding a group's values (see aggregate.h). */
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const fn_names[] = {
	"sum", "min", "max", "count", "first", "last", "same"
};

int agg_fn_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fn_names) / sizeof(fn_names[0]); i++)
		if (!strcmp(name, fn_names[i]))
			return (int)i;
	return -1;
}

size_t agg_fn_names(const char *const **names)
{
	*names = fn_names;
	return sizeof(fn_names) / sizeof(fn_names[0]);
}

const char *agg_fn_name(enum agg_fn fn)
{
	return fn == AGG_CURRENCY ? "currency" : fn_names[fn];
}

void agg_init(struct agg *a, enum agg_fn fn)
{
	memset(a, 0, sizeof(*a));
	a->fn = fn;
	a->numeric = 1;
}

void agg_release(struct agg *a)
{
	free(a->text);
	a->text = NULL;
	a->alloc = 0;
}

void agg_reset(struct agg *a)
{
	a->count = 0;
	a->numeric = 1;
	a->len = 0;
	memset(&a->num, 0, sizeof(a->num));
}

/* Keeps a copy of v as the aggregate's text. */
static int keep(struct agg *a, const struct bs_value *v, struct bs_err *err)
{
	if (v->len + 1 > a->alloc) {
		size_t n = v->len + 1 < 64 ? 64 : v->len + 1;
		char *p = realloc(a->text, n);

		if (!p)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		a->text = p;
		a->alloc = n;
	}
	memcpy(a->text, v->s, v->len);
	a->text[v->len] = '\0';
	a->len = v->len;
	return 0;
}

/* min and max: numbers while every value is one, text after that. */
static int fold_extreme(struct agg *a, const struct bs_value *v,
			struct bs_err *err)
{
	struct bs_err ignored;
	struct dec d;
	int num = dec_parse(&d, v->s, v->len, &ignored) == 0, r;

	if (!a->count) {
		a->numeric = num;
		a->num = d;
		return keep(a, v, err);
	}
	if (a->numeric && num) {
		r = dec_cmp(&d, &a->num);
	} else {
		size_t n = v->len < a->len ? v->len : a->len;

		a->numeric = 0;
		r = memcmp(v->s, a->text, n);
		if (!r)
			r = v->len < a->len ? -1 : v->len > a->len;
	}
	if (a->fn == AGG_MIN ? r < 0 : r > 0) {
		a->num = d;
		return keep(a, v, err);
	}
	return 0;
}

/* sum: reads v as an exact number and adds it. */
static int fold_sum(struct agg *a, const struct bs_value *v,
		    struct bs_err *err)
{
	char reason[BS_ERR_MSG_MAX];
	struct dec d;

	if (dec_parse(&d, v->s, v->len, err) < 0) {
		memcpy(reason, err->msg, sizeof(reason));
		return bs_err_set(err, BS_E_ROW, "sum: cannot read '%.*s' as a "
				  "number (%s)", (int)(v->len < 40 ? v->len : 40),
				  v->s, reason);
	}
	if (!a->count) {
		a->num = d;
		return 0;
	}
	return dec_add(&a->num, &d, &a->num, err);
}

/* same and the currency: the first value, which every later one must be
 * (the currency's in any case). */
static int fold_same(struct agg *a, const struct bs_value *v,
		     struct bs_err *err)
{
	int n = (int)(v->len < 40 ? v->len : 40);

	if (!a->count)
		return keep(a, v, err);
	if (v->len == a->len && !(a->fn == AGG_CURRENCY ?
				  strncasecmp(v->s, a->text, v->len) :
				  memcmp(v->s, a->text, v->len)))
		return 0;
	if (a->fn == AGG_CURRENCY)
		return bs_err_set(err, BS_E_ROW, "mixed currencies '%.40s' and "
				  "'%.*s' in one group: amounts in different "
				  "currencies are never summed", a->text, n, v->s);
	return bs_err_set(err, BS_E_ROW, "same: mixed values '%.40s' and "
			  "'%.*s' in one group", a->text, n, v->s);
}

int agg_add(struct agg *a, const struct bs_value *v, struct bs_err *err)
{
	int rc = 0;

	if (v->kind == BS_V_NULL || !v->len)
		return 0;
	switch (a->fn) {
	case AGG_SUM:
		rc = fold_sum(a, v, err);
		break;
	case AGG_MIN:
	case AGG_MAX:
		rc = fold_extreme(a, v, err);
		break;
	case AGG_COUNT:
		break;
	case AGG_FIRST:
		if (!a->count)
			rc = keep(a, v, err);
		break;
	case AGG_LAST:
		rc = keep(a, v, err);
		break;
	case AGG_SAME:
	case AGG_CURRENCY:
		rc = fold_same(a, v, err);
		break;
	}
	if (rc == 0)
		a->count++;
	return rc;
}

int agg_result(const struct agg *a, struct arena *arena, struct bs_value *out,
	       struct bs_err *err)
{
	char buf[DEC_TEXT_SIZE];
	const char *src = buf;
	size_t n;
	char *s;

	out->kind = BS_V_TEXT;
	if (a->fn == AGG_COUNT) {
		n = (size_t)snprintf(buf, sizeof(buf), "%llu", a->count);
	} else if (!a->count) {
		out->s = "";
		out->len = 0;
		out->kind = BS_V_NULL;
		return 0;
	} else if (a->fn == AGG_SUM) {
		n = dec_format(&a->num, DEC_SCALE_NATURAL, buf);
	} else {
		src = a->text;
		n = a->len;
	}
	s = arena_strndup(arena, src, n);
	if (!s)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	out->s = s;
	out->len = n;
	return 0;
}
