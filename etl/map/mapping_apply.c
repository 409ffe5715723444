/* mapping_apply.c - applying a mapping to one row: filters, then fields,
 * nulls and line breaks as Salesforce takes them (see mapping.h). */
#include "mapping_int.h"

#include <string.h>

#include "expr.h"

/* ---- apply ------------------------------------------------------------ */

static const struct bs_value na_value = { "#N/A", 4, BS_V_TEXT };

/* Salesforce fails an LF job whose data holds a CR anywhere, even inside
 * quotes: line breaks in values become LF. */
static int normalise_cr(struct arena *a, struct bs_value *v)
{
	const char *s = v->s;
	char *out, *p;
	size_t i;

	if (!memchr(s, '\r', v->len))
		return 0;
	out = arena_alloc(a, v->len + 1);
	if (!out)
		return -1;
	for (p = out, i = 0; i < v->len; i++) {
		if (s[i] != '\r') {
			*p++ = s[i];
			continue;
		}
		*p++ = '\n';
		if (i + 1 < v->len && s[i + 1] == '\n')
			i++;
	}
	*p = '\0';
	v->s = out;
	v->len = (size_t)(p - out);
	return 0;
}
static const struct bs_value null_value = { "", 0, BS_V_NULL };

int mp_apply_fields(const struct mapping *m, const struct bs_value *vals,
		    struct arena *a, struct map_result *res,
		    struct bs_err *err)
{
	size_t i;

	res->v = arena_alloc(a, m->nfields * sizeof(*res->v));
	if (!res->v)
		return bs_err_set(err, BS_E_NOMEM, "out of memory"), MAP_ERROR;
	for (i = 0; i < m->nfields; i++) {
		const struct map_field *f = &m->fields[i];
		struct bs_value *v = &res->v[i];

		if (expr_eval(f->expr, vals, a, v, err) < 0) {
			if (err->kind != BS_E_ROW)
				return MAP_ERROR;
			bs_err_field(err, f->target);
			return MAP_REJECTED;
		}
		if (v->kind != BS_V_NULL && v->len) {
			if (normalise_cr(a, v) < 0)
				return bs_err_set(err, BS_E_NOMEM,
						  "out of memory"), MAP_ERROR;
			continue;
		}
		if ((long)i == m->key_index) {
			bs_err_set(err, BS_E_ROW, "the key field is empty");
			bs_err_field(err, f->target);
			return MAP_REJECTED;
		}
		*v = f->clear_nulls ? na_value : null_value;
	}
	return MAP_ROW;
}

/* The filters: MAP_ROW when the row passes them all. */
static int apply_filters(const struct mapping *m, const struct bs_value *vals,
			 struct arena *a, struct map_result *res,
			 struct bs_err *err)
{
	size_t i;
	int truth;

	res->filter = NULL;
	res->v = NULL;
	for (i = 0; i < m->nfilters; i++) {
		const struct map_filter *f = &m->filters[i];

		if (cond_eval(f->cond, vals, a, &truth, err) < 0) {
			if (err->kind != BS_E_ROW)
				return MAP_ERROR;
			if (!strcmp(f->name, MAP_DELETE_FILTER))
				bs_err_prefix(err, "%s", f->name);
			else
				bs_err_prefix(err, "filter '%s'", f->name);
			res->filter = f;
			return MAP_REJECTED;
		}
		if (f->skip ? truth : !truth) {
			res->filter = f;
			res->key = null_value;
			/* the key still names the record for the sync state */
			if (m->key_index >= 0 && !m->nkeys &&
			    expr_eval(m->fields[m->key_index].expr, vals, a,
				      &res->key, err) < 0)
				res->key = null_value;
			return MAP_FILTERED;
		}
	}
	return MAP_ROW;
}

int mapping_apply(const struct mapping *m, const struct bs_value *vals,
		  struct arena *a, struct map_result *res, struct bs_err *err)
{
	int rc;

	if (m->nkeys)
		return bs_err_set(err, BS_E_INTERNAL, "%s is a group mapping: "
				  "its rows are grouped first", m->file),
		       MAP_ERROR;
	rc = apply_filters(m, vals, a, res, err);
	return rc != MAP_ROW ? rc : mp_apply_fields(m, vals, a, res, err);
}

int mapping_group_row(const struct mapping *m, const struct bs_value *vals,
		      struct arena *a, struct map_result *res,
		      struct bs_err *err)
{
	static const struct bs_value one = { "1", 1, BS_V_TEXT };
	size_t i, n = m->nkeys + m->naggs;
	int rc = apply_filters(m, vals, a, res, err);

	if (rc != MAP_ROW && rc != MAP_FILTERED)
		return rc;
	res->v = arena_alloc(a, (n ? n : 1) * sizeof(*res->v));
	if (!res->v)
		return bs_err_set(err, BS_E_NOMEM, "out of memory"), MAP_ERROR;
	for (i = 0; i < n; i++) {
		const struct expr *e = i < m->nkeys ? m->keys[i].expr :
				       m->aggs[i - m->nkeys].expr;

		if (rc == MAP_FILTERED && i >= m->nkeys) {
			res->v[i] = null_value;   /* a filtered row's keys
						     only */
			continue;
		}
		if (!e) {
			res->v[i] = one;          /* count() */
			continue;
		}
		if (expr_eval(e, vals, a, &res->v[i], err) < 0) {
			if (err->kind != BS_E_ROW)
				return MAP_ERROR;
			if (rc == MAP_FILTERED) {   /* filtered all the same,
						       in no group */
				bs_err_clear(err);
				res->v = NULL;
				return MAP_FILTERED;
			}
			bs_err_field(err, i < m->nkeys ? m->keys[i].name :
				     m->aggs[i - m->nkeys].name);
			/* with its keys known, the row spoils its group: a
			   total missing it would be wrong */
			return i < m->nkeys ? MAP_REJECTED : MAP_SPOILT;
		}
	}
	return rc;
}

int mapping_apply_group(const struct mapping *m, const struct bs_value *gvals,
			struct arena *a, struct map_result *res,
			struct bs_err *err)
{
	res->filter = NULL;
	res->v = NULL;
	return mp_apply_fields(m, gvals, a, res, err);
}
