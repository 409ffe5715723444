/* expr_eval.c - evaluating value expressions and filter conditions on a
 * row (see expr.h). */
#include "expr_int.h"

#include <string.h>

#include "compare.h"
#include "decimal.h"

/* ---- evaluation ------------------------------------------------------- */

static const struct bs_value null_value = { "", 0, BS_V_NULL };

static const struct bs_value *column_of(void *ctx, size_t index)
{
	const struct bs_value *vals = ctx;

	return &vals[index];
}

/* A JSON number that reaches the output without a converter is written in
 * plain notation, exactly (decimal.h): 9.1E8 -> 910000000, 1.5e-7 ->
 * 0.00000015.  One written without an exponent is plain already and keeps
 * its text (1.50 stays 1.50). */
static int plain_number(struct bs_value *v, struct arena *a,
			struct bs_err *err)
{
	char text[DEC_TEXT_SIZE], *s;
	struct bs_err why;
	struct dec d;
	size_t len;

	if (v->kind != BS_V_NUMBER || (!memchr(v->s, 'e', v->len) &&
				       !memchr(v->s, 'E', v->len)))
		return 0;
	if (dec_parse(&d, v->s, v->len, &why) < 0)
		return bs_err_set(err, BS_E_ROW, "cannot write the JSON number "
				  "'%.60s' in plain notation (%s)", v->s,
				  why.msg);
	len = dec_format(&d, DEC_SCALE_NATURAL, text);
	s = arena_strndup(a, text, len);
	if (!s)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	v->s = s;
	v->len = len;
	return 0;
}

static int eval(const struct node *n, const struct bs_value *vals,
		struct arena *a, struct bs_value *out, struct bs_err *err);

/* concat(...): every non-null argument, null if all are null;
 * join(sep, ...): the non-empty values with sep between. */
static int eval_concat(const struct node *n, const struct bs_value *vals,
		       struct arena *a, struct bs_value *out,
		       struct bs_err *err)
{
	struct bs_value parts[EXPR_MAX_ARGS], sep = null_value;
	size_t first = 0, count = 0, total = 0, i;
	char *buf;

	if (n->kind == N_JOIN) {
		if (eval(n->args[0], vals, a, &sep, err) < 0)
			return -1;
		first = 1;
	}
	for (i = first; i < n->nargs; i++) {
		if (eval(n->args[i], vals, a, &parts[i], err) < 0)
			return -1;
		if (parts[i].kind == BS_V_NULL ||
		    (n->kind == N_JOIN && !parts[i].len)) {
			parts[i].kind = BS_V_NULL;
			continue;
		}
		if (plain_number(&parts[i], a, err) < 0)
			return -1;
		total += parts[i].len + (count ? sep.len : 0);
		count++;
	}
	if (!count) {
		*out = null_value;
		return 0;
	}
	buf = arena_alloc(a, total + 1);
	if (!buf)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	out->s = buf;
	count = 0;
	for (i = first; i < n->nargs; i++) {
		if (parts[i].kind == BS_V_NULL)
			continue;
		if (count++ && sep.len) {
			memcpy(buf, sep.s, sep.len);
			buf += sep.len;
		}
		memcpy(buf, parts[i].s, parts[i].len);
		buf += parts[i].len;
	}
	*buf = '\0';
	out->len = total;
	out->kind = BS_V_TEXT;
	return 0;
}

static int eval(const struct node *n, const struct bs_value *vals,
		struct arena *a, struct bs_value *out, struct bs_err *err)
{
	struct bs_value v;
	size_t i;

	switch (n->kind) {
	case N_COLUMN:
		*out = vals[n->index];
		return 0;
	case N_CONST:
		*out = n->constant;
		return 0;
	case N_FIRST:
		for (i = 0; i < n->nargs; i++) {
			if (eval(n->args[i], vals, a, &v, err) < 0)
				return -1;
			if (v.kind != BS_V_NULL && v.len) {
				*out = v;
				return 0;
			}
		}
		*out = null_value;
		return 0;
	case N_CONCAT:
	case N_JOIN:
		return eval_concat(n, vals, a, out, err);
	case N_PIPE: {
		struct conv_env env;

		if (eval(n->in, vals, a, &v, err) < 0)
			return -1;
		env.arena = a;
		env.column = column_of;
		env.ctx = (void *)vals;
		return conv_apply(n->conv, &v, out, &env, err);
	}
	}
	return bs_err_set(err, BS_E_INTERNAL, "bad expression node");
}

int expr_eval(const struct expr *e, const struct bs_value *vals,
	      struct arena *a, struct bs_value *out, struct bs_err *err)
{
	if (eval(e->root, vals, a, out, err) < 0)
		return -1;
	return plain_number(out, a, err);
}

static int cmp_true(enum cmp_op op, int r)
{
	switch (op) {
	case OP_EQ: return r == 0;
	case OP_NE: return r != 0;
	case OP_LT: return r < 0;
	case OP_LE: return r <= 0;
	case OP_GT: return r > 0;
	case OP_GE: return r >= 0;
	}
	return 0;
}

/* Two values compared as the parser decided, or, for two plain columns,
 * as numbers when both read as numbers, as instants when both read as
 * dates or datetimes, else as text. */
static int compare(const struct how *how, const struct bs_value *x,
		   const struct bs_value *y, int *r, struct bs_err *err)
{
	enum cmp_type tx, ty;
	struct bs_err ignored;

	if (!how->per_row)
		return compare_values(how->type, x->s, x->len, y->s, y->len, r,
				      err);
	if (compare_literal_type(x->s, x->len, &tx) &&
	    compare_literal_type(y->s, y->len, &ty) && tx == ty &&
	    compare_values(tx, x->s, x->len, y->s, y->len, r, &ignored) == 0)
		return 0;
	return compare_values(CMP_TEXT, x->s, x->len, y->s, y->len, r, err);
}

static int ceval(const struct cnode *c, const struct bs_value *vals,
		 struct arena *a, int *truth, struct bs_err *err)
{
	struct bs_value x, y;
	int l, r;
	size_t i;

	switch (c->kind) {
	case C_AND:
	case C_OR:
		if (ceval(c->l, vals, a, &l, err) < 0)
			return -1;
		if (c->kind == C_AND ? !l : l) {
			*truth = l;
			return 0;
		}
		return ceval(c->r, vals, a, truth, err);
	case C_NOT:
		if (ceval(c->l, vals, a, &l, err) < 0)
			return -1;
		*truth = !l;
		return 0;
	case C_EMPTY:
		if (eval(c->a.node, vals, a, &x, err) < 0)
			return -1;
		*truth = (x.kind == BS_V_NULL || x.len == 0) != c->negate;
		return 0;
	case C_CMP:
		if (eval(c->a.node, vals, a, &x, err) < 0 ||
		    eval(c->b.node, vals, a, &y, err) < 0)
			return -1;
		if (x.kind == BS_V_NULL || y.kind == BS_V_NULL) {
			*truth = 0;
			return 0;
		}
		if (compare(&c->how, &x, &y, &r, err) < 0)
			return -1;
		*truth = cmp_true(c->op, r);
		return 0;
	case C_IN:
		if (eval(c->a.node, vals, a, &x, err) < 0)
			return -1;
		*truth = 0;
		if (x.kind != BS_V_NULL) {
			for (i = 0; i < c->nset && !*truth; i++) {
				const struct bs_value *s = &c->set[i].node->constant;

				if (compare(&c->set_how[i], &x, s, &r, err) < 0)
					return -1;
				*truth = r == 0;
			}
		}
		*truth = *truth != c->negate;
		return 0;
	}
	return bs_err_set(err, BS_E_INTERNAL, "bad condition node");
}

int cond_eval(const struct cond *c, const struct bs_value *vals,
	      struct arena *a, int *truth, struct bs_err *err)
{
	return ceval(c->root, vals, a, truth, err);
}

size_t expr_converters(const struct expr *e, const struct conv **convs,
		       size_t max, enum expr_base *base, size_t *index)
{
	const struct node *n;
	size_t count = 0, i;

	for (n = e->root; n->kind == N_PIPE; n = n->in)
		count++;
	*base = n->kind == N_COLUMN ? EXPR_COLUMN :
		n->kind == N_CONST ? EXPR_CONSTANT : EXPR_FUNCTION;
	*index = n->kind == N_COLUMN ? n->index : 0;
	/* the outermost pipe is the last converter */
	for (n = e->root, i = count; n->kind == N_PIPE; n = n->in)
		if (--i < max)
			convs[i] = n->conv;
	return count;
}
