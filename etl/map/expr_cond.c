/* expr_cond.c - parsing the filter conditions of mapping files (see
 * expr.h, "Comparisons"). */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

#include "compare.h"

/* ---- conditions ------------------------------------------------------- */

static struct cnode *new_cnode(struct parser *p, enum cnode_kind kind)
{
	struct cnode *c = arena_alloc(p->a, sizeof(*c));

	if (!c) {
		ex_nomem(p);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

static enum otype node_type(const struct node *n);

/* The type a converter gives its result: the numeric and date converters
 * theirs, default and required their input's, every other one text. */
static enum otype pipe_type(const struct node *n)
{
	static const struct {
		const char *name;
		enum otype type;
	} typed[] = {
		{ "date", OT_TIME }, { "datetime", OT_TIME },
		{ "decimal", OT_NUMBER }, { "integer", OT_NUMBER },
		{ "money", OT_NUMBER },
	};
	const char *name = conv_name(n->conv);
	size_t i;

	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		if (!strcmp(name, typed[i].name))
			return typed[i].type;
	if (!strcmp(name, "default") || !strcmp(name, "required"))
		return node_type(n->in);
	return OT_TEXT;
}

static enum otype node_type(const struct node *n)
{
	enum otype t;
	size_t i;

	switch (n->kind) {
	case N_COLUMN:
		return OT_AUTO;
	case N_CONST:
	case N_CONCAT:
	case N_JOIN:
		return OT_TEXT;
	case N_FIRST:   /* its arguments' type when they agree */
		t = node_type(n->args[0]);
		for (i = 1; i < n->nargs; i++)
			if (node_type(n->args[i]) != t)
				return OT_AUTO;
		return t;
	case N_PIPE:
		return pipe_type(n);
	}
	return OT_AUTO;
}

/* An operand: a value expression, or a bare number/date literal. */
static int parse_operand(struct parser *p, struct operand *o)
{
	enum cmp_type lt;

	memset(o, 0, sizeof(*o));
	if (p->tok == T_LITERAL) {
		if (!compare_literal_type(p->text, p->len, &lt)) {
			char msg[160];

			snprintf(msg, sizeof(msg),
				 "'%s' is neither a number nor a date "
				 "(quote text: \"%s\")", p->text, p->text);
			return ex_syntax(p, p->tok_pos, msg);
		}
		o->literal = 1;
		o->type = lt == CMP_NUMBER ? OT_NUMBER : OT_TIME;
		o->node = ex_new_node(p, N_CONST);
		if (!o->node)
			return -1;
		o->node->constant.s = p->text;
		o->node->constant.len = p->len;
		o->node->constant.kind = BS_V_TEXT;
		return ex_next(p);
	}
	o->node = ex_parse_expr(p);
	if (!o->node)
		return -1;
	o->type = node_type(o->node);
	return 0;
}

static const char *type_name(enum otype t)
{
	return t == OT_NUMBER ? "a number" : t == OT_TIME ? "a date" : "text";
}

/* How a and b compare: a number or date on either side (a literal or a
 * converter's result) decides, a number against a date is a mistake;
 * else text on either side makes it text; two plain columns are compared
 * row by row.  A "quoted" constant compared as a number or date must read
 * as one. */
static int comparison(struct parser *p, const struct operand *a,
		      const struct operand *b, size_t at, struct how *how)
{
	const struct operand *side[2];
	enum otype t;
	char msg[200];
	size_t i;

	side[0] = a;
	side[1] = b;
	if ((a->type == OT_NUMBER || a->type == OT_TIME) &&
	    (b->type == OT_NUMBER || b->type == OT_TIME) && a->type != b->type) {
		snprintf(msg, sizeof(msg), "cannot compare %s with %s",
			 type_name(a->type), type_name(b->type));
		return ex_syntax(p, at, msg);
	}
	if (a->type == OT_NUMBER || a->type == OT_TIME)
		t = a->type;
	else if (b->type == OT_NUMBER || b->type == OT_TIME)
		t = b->type;
	else if (a->type == OT_TEXT || b->type == OT_TEXT)
		t = OT_TEXT;
	else
		t = OT_AUTO;
	how->per_row = t == OT_AUTO;
	how->type = t == OT_NUMBER ? CMP_NUMBER : t == OT_TIME ? CMP_TIME :
		CMP_TEXT;
	if (t != OT_NUMBER && t != OT_TIME)
		return 0;
	for (i = 0; i < 2; i++) {
		const struct bs_value *c = &side[i]->node->constant;
		enum cmp_type ct;

		if (side[i]->literal || side[i]->node->kind != N_CONST)
			continue;
		if (compare_literal_type(c->s, c->len, &ct) &&
		    (ct == CMP_NUMBER) == (t == OT_NUMBER))
			continue;
		snprintf(msg, sizeof(msg), "\"%.60s\" cannot be compared with "
			 "%s", c->s, type_name(t));
		return ex_syntax(p, at, msg);
	}
	return 0;
}

static struct cnode *parse_or(struct parser *p);

static struct cnode *parse_in(struct parser *p, struct cnode *c)
{
	struct operand set[EXPR_MAX_ARGS];
	struct how how[EXPR_MAX_ARGS];
	size_t n = 0, set_pos;

	c->kind = C_IN;
	if (ex_next(p) < 0 || ex_expect(p, T_LPAREN, "'(' after 'in'") < 0)
		return NULL;
	while (p->tok != T_RPAREN) {
		if (n == EXPR_MAX_ARGS) {
			ex_syntax(p, p->tok_pos, "too many values");
			return NULL;
		}
		set_pos = p->tok_pos;
		if (p->tok == T_COMMA) {       /* in (,a) or in (a,,b) */
			ex_syntax(p, p->tok_pos, "empty value in 'in (...)'");
			return NULL;
		}
		if (p->tok != T_STRING && p->tok != T_LITERAL) {
			ex_syntax(p, p->tok_pos,
				  "'in (...)' takes \"quoted\" text, numbers or dates");
			return NULL;
		}
		if (parse_operand(p, &set[n]) < 0 ||
		    comparison(p, &c->a, &set[n], set_pos, &how[n]) < 0)
			return NULL;
		n++;
		if (p->tok == T_COMMA) {
			if (ex_next(p) < 0)
				return NULL;
			if (p->tok == T_RPAREN) {  /* in (a,) */
				ex_syntax(p, p->tok_pos, "empty value in 'in (...)' "
					  "after ','");
				return NULL;
			}
		} else if (p->tok != T_RPAREN) {
			ex_syntax(p, p->tok_pos, "expected ',' or ')' in 'in (...)'");
			return NULL;
		}
	}
	if (!n) {
		ex_syntax(p, p->tok_pos, "'in ()' needs at least one value");
		return NULL;
	}
	if (ex_next(p) < 0)
		return NULL;
	c->set = arena_alloc(p->a, n * sizeof(*c->set));
	c->set_how = arena_alloc(p->a, n * sizeof(*c->set_how));
	if (!c->set || !c->set_how) {
		ex_nomem(p);
		return NULL;
	}
	memcpy(c->set, set, n * sizeof(*set));
	memcpy(c->set_how, how, n * sizeof(*how));
	c->nset = n;
	return c;
}

static struct cnode *parse_predicate(struct parser *p)
{
	struct cnode *c = new_cnode(p, C_CMP);
	size_t op_pos;

	if (!c || parse_operand(p, &c->a) < 0)
		return NULL;
	op_pos = p->tok_pos;
	if (ex_is_word(p, "is")) {
		c->kind = C_EMPTY;
		if (ex_next(p) < 0)
			return NULL;
		if (ex_is_word(p, "not")) {
			c->negate = 1;
			if (ex_next(p) < 0)
				return NULL;
		}
		if (!ex_is_word(p, "empty")) {
			ex_syntax(p, p->tok_pos, "expected 'empty' after 'is'");
			return NULL;
		}
		return ex_next(p) < 0 ? NULL : c;
	}
	if (ex_is_word(p, "not")) {
		c->negate = 1;
		if (ex_next(p) < 0)
			return NULL;
		if (!ex_is_word(p, "in")) {
			ex_syntax(p, p->tok_pos, "expected 'in' after 'not'");
			return NULL;
		}
		return parse_in(p, c);
	}
	if (ex_is_word(p, "in"))
		return parse_in(p, c);
	if (p->tok != T_OP) {
		ex_syntax(p, op_pos, p->tok == T_EOF ?
			  "expected a comparison (==, !=, <, <=, >, >=, is empty, in)" :
			  "expected a comparison operator");
		return NULL;
	}
	c->op = p->op;
	if (ex_next(p) < 0 || parse_operand(p, &c->b) < 0)
		return NULL;
	if (comparison(p, &c->a, &c->b, op_pos, &c->how) < 0)
		return NULL;
	return c;
}

static struct cnode *parse_not(struct parser *p)
{
	struct cnode *c;

	if (ex_is_word(p, "not")) {
		c = new_cnode(p, C_NOT);
		if (!c || ex_next(p) < 0)
			return NULL;
		c->l = parse_not(p);
		return c->l ? c : NULL;
	}
	if (p->tok == T_LPAREN) {
		if (ex_next(p) < 0)
			return NULL;
		c = parse_or(p);
		if (!c || ex_expect(p, T_RPAREN, "')'") < 0)
			return NULL;
		return c;
	}
	return parse_predicate(p);
}

static struct cnode *parse_and(struct parser *p)
{
	struct cnode *l = parse_not(p), *c;

	while (l && ex_is_word(p, "and")) {
		c = new_cnode(p, C_AND);
		if (!c || ex_next(p) < 0)
			return NULL;
		c->l = l;
		c->r = parse_not(p);
		l = c->r ? c : NULL;
	}
	return l;
}

static struct cnode *parse_or(struct parser *p)
{
	struct cnode *l = parse_and(p), *c;

	while (l && ex_is_word(p, "or")) {
		c = new_cnode(p, C_OR);
		if (!c || ex_next(p) < 0)
			return NULL;
		c->l = l;
		c->r = parse_and(p);
		l = c->r ? c : NULL;
	}
	return l;
}

struct cond *cond_parse(const char *text, struct arena *a,
			const struct expr_columns *cols, struct bs_err *err)
{
	struct cond *c = arena_alloc(a, sizeof(*c));
	struct parser p;

	if (!c) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	c->convs = NULL;
	ex_init_parser(&p, text, a, cols, &c->convs, err);
	if (ex_next(&p) < 0)
		goto fail;
	if (p.tok == T_EOF) {
		bs_err_set(err, BS_E_CONFIG, "missing condition");
		goto fail;
	}
	c->root = parse_or(&p);
	if (!c->root)
		goto fail;
	if (p.tok != T_EOF) {
		ex_syntax(&p, p.tok_pos, "unexpected text after the condition "
			  "(missing 'and'/'or'?)");
		goto fail;
	}
	return c;
fail:
	ex_free_convs(c->convs);
	return NULL;
}

void cond_free(struct cond *c)
{
	if (c)
		ex_free_convs(c->convs);
}
