/* expr.c - parsing and evaluating the value expressions and filter
 * conditions of mapping files (see expr.h). */
#include "expr.h"

#include <stdio.h>
#include <string.h>

#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "compare.h"
#include "convert.h"
#include "decimal.h"

#define EXPR_MAX_ARGS 64

enum node_kind { N_COLUMN, N_CONST, N_CONCAT, N_FIRST, N_JOIN, N_PIPE };

struct node {
	enum node_kind kind;
	size_t index;               /* N_COLUMN */
	struct bs_value constant;   /* N_CONST */
	struct node **args;         /* N_CONCAT, N_FIRST, N_JOIN (sep first) */
	size_t nargs;
	struct node *in;            /* N_PIPE */
	struct conv *conv;          /* N_PIPE */
};

/* Converters to free with the tree (nodes live in the arena). */
struct conv_ref {
	struct conv *conv;
	struct conv_ref *next;
};

struct expr {
	struct node *root;
	struct conv_ref *convs;
};

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum cnode_kind { C_AND, C_OR, C_NOT, C_CMP, C_EMPTY, C_IN };

/* What an operand's values are, as far as the parser can tell (see
 * "Comparisons" in expr.h). */
enum otype {
	OT_AUTO,     /* a source column as it is: decided row by row */
	OT_TEXT,     /* "quoted" text, concat, join, a text converter */
	OT_NUMBER,   /* a number literal; decimal, integer, money */
	OT_TIME      /* a date/datetime literal; date, datetime */
};

struct operand {
	struct node *node;
	int literal;                /* a bare number or date literal */
	enum otype type;
};

/* How one comparison is made: auto (row by row) or a fixed type. */
struct how {
	int per_row;
	enum cmp_type type;         /* when !per_row */
};

struct cnode {
	enum cnode_kind kind;
	struct cnode *l, *r;        /* C_AND, C_OR, C_NOT (l) */
	enum cmp_op op;             /* C_CMP */
	struct how how;             /* C_CMP */
	struct operand a, b;        /* C_CMP; a for C_EMPTY, C_IN */
	int negate;                 /* C_EMPTY, C_IN */
	struct operand *set;        /* C_IN */
	struct how *set_how;        /* C_IN: per value of the set */
	size_t nset;
};

struct cond {
	struct cnode *root;
	struct conv_ref *convs;
};

/* ---- lexer ------------------------------------------------------------ */

enum tok {
	T_EOF, T_IDENT, T_STRING, T_LITERAL, T_PIPE, T_LPAREN, T_RPAREN,
	T_COMMA, T_OP, T_ERROR
};

struct parser {
	const char *s;
	size_t pos;           /* next unread byte */
	size_t tok_pos;       /* start of the current token */
	enum tok tok;
	const char *text;     /* token text (arena), NUL-terminated */
	size_t len;
	enum cmp_op op;       /* for T_OP */
	struct arena *a;
	const struct expr_columns *cols;
	struct conv_ref **convs;
	struct bs_err *err;
};

static int is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int nomem(struct parser *p)
{
	return bs_err_set(p->err, BS_E_NOMEM, "out of memory");
}

static int syntax(struct parser *p, size_t at, const char *what)
{
	return bs_err_set(p->err, BS_E_CONFIG, "%s (column %zu of '%s')",
			  what, at + 1, p->s);
}

/* Reads a "quoted" string at p->pos into the arena. */
static int lex_string(struct parser *p)
{
	struct sbuf sb;
	size_t i = p->pos + 1;

	sbuf_init(&sb, 1 << 20);
	for (;;) {
		char c = p->s[i];

		if (!c) {
			sbuf_release(&sb);
			return syntax(p, p->pos, "unterminated string");
		}
		if (c == '"')
			break;
		if (c == '\\' && p->s[i + 1]) {
			i++;
			c = p->s[i] == 'n' ? '\n' : p->s[i] == 't' ? '\t' :
				p->s[i];
		}
		if (sbuf_addc(&sb, c) < 0) {
			sbuf_release(&sb);
			return nomem(p);
		}
		i++;
	}
	p->text = arena_strndup(p->a, sb.buf, sb.len);
	p->len = sb.len;
	sbuf_release(&sb);
	if (!p->text)
		return nomem(p);
	p->pos = i + 1;
	p->tok = T_STRING;
	return 0;
}

static int next(struct parser *p)
{
	const char *s = p->s;
	size_t start;

	while (s[p->pos] == ' ' || s[p->pos] == '\t')
		p->pos++;
	p->tok_pos = start = p->pos;
	p->text = NULL;
	p->len = 0;
	switch (s[p->pos]) {
	case '\0': p->tok = T_EOF; return 0;
	case '|': p->pos++; p->tok = T_PIPE; return 0;
	case '(': p->pos++; p->tok = T_LPAREN; return 0;
	case ')': p->pos++; p->tok = T_RPAREN; return 0;
	case ',': p->pos++; p->tok = T_COMMA; return 0;
	case '"': return lex_string(p);
	case '=': case '!': case '<': case '>':
		p->tok = T_OP;
		if (s[p->pos + 1] == '=') {
			p->op = s[p->pos] == '=' ? OP_EQ : s[p->pos] == '!' ? OP_NE :
				s[p->pos] == '<' ? OP_LE : OP_GE;
			p->pos += 2;
			return 0;
		}
		if (s[p->pos] == '<' || s[p->pos] == '>') {
			p->op = s[p->pos] == '<' ? OP_LT : OP_GT;
			p->pos++;
			return 0;
		}
		return syntax(p, start, s[p->pos] == '=' ?
			      "'=' is not an operator (use '==')" :
			      "unexpected '!' (use '!=' or 'not')");
	}
	if (is_digit(s[p->pos]) ||
	    ((s[p->pos] == '-' || s[p->pos] == '+') && is_digit(s[p->pos + 1]))) {
		p->pos++;
		while (s[p->pos] && !strchr(" \t,()|=<>!", s[p->pos]))
			p->pos++;
		p->tok = T_LITERAL;
	} else if (is_ident_start(s[p->pos])) {
		while (is_ident_char(s[p->pos]))
			p->pos++;
		p->tok = T_IDENT;
	} else {
		char what[64];

		snprintf(what, sizeof(what), "unexpected '%c'", s[p->pos]);
		return syntax(p, start, what);
	}
	p->len = p->pos - start;
	p->text = arena_strndup(p->a, s + start, p->len);
	return p->text ? 0 : nomem(p);
}

static int is_word(const struct parser *p, const char *w)
{
	return p->tok == T_IDENT && !strcmp(p->text, w);
}

static int expect(struct parser *p, enum tok t, const char *what)
{
	char msg[128];

	if (p->tok == t)
		return next(p);
	snprintf(msg, sizeof(msg), "expected %s", what);
	return syntax(p, p->tok_pos, msg);
}

/* ---- value expressions ------------------------------------------------ */

static struct node *new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = arena_alloc(p->a, sizeof(*n));

	if (!n) {
		nomem(p);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

static struct node *parse_expr(struct parser *p);

static struct node *column_node(struct parser *p, const char *name)
{
	struct node *n = new_node(p, N_COLUMN);

	if (!n)
		return NULL;
	if (p->cols->resolve(p->cols->ctx, name, &n->index, p->err) < 0)
		return NULL;
	return n;
}

static const char *const functions[] = { "col", "concat", "first", "join" };

/* name(arg, arg, ...) with p->tok at '(' */
static struct node *parse_function(struct parser *p, const char *name,
				   size_t name_pos)
{
	struct node *args[EXPR_MAX_ARGS], *n;
	size_t nargs = 0;
	const char *hint;
	char msg[160];

	if (!strcmp(name, "col")) {
		const char *col;

		if (next(p) < 0)
			return NULL;
		if (p->tok != T_STRING) {
			syntax(p, p->tok_pos, "col() takes a \"quoted\" column name");
			return NULL;
		}
		col = p->text;
		if (next(p) < 0 || expect(p, T_RPAREN, "')' after col(\"...\")") < 0)
			return NULL;
		return column_node(p, col);
	}
	if (strcmp(name, "concat") && strcmp(name, "first") &&
	    strcmp(name, "join")) {
		hint = strsim_closest(name, functions, 4);
		if (hint)
			snprintf(msg, sizeof(msg),
				 "unknown function '%s'; did you mean '%s'?", name,
				 hint);
		else
			snprintf(msg, sizeof(msg),
				 "unknown function '%s' (functions: col, concat, first, join)",
				 name);
		syntax(p, name_pos, msg);
		return NULL;
	}
	if (next(p) < 0)
		return NULL;
	while (p->tok != T_RPAREN) {
		if (nargs == EXPR_MAX_ARGS) {
			syntax(p, p->tok_pos, "too many arguments");
			return NULL;
		}
		if (p->tok == T_COMMA) {       /* f(,a) or f(a,,b) */
			snprintf(msg, sizeof(msg), "empty argument in %s(...)",
				 name);
			syntax(p, p->tok_pos, msg);
			return NULL;
		}
		args[nargs] = parse_expr(p);
		if (!args[nargs++])
			return NULL;
		if (p->tok == T_COMMA) {
			if (next(p) < 0)
				return NULL;
			if (p->tok == T_RPAREN) {  /* f(a,) */
				snprintf(msg, sizeof(msg), "empty argument in "
					 "%s(...) after ','", name);
				syntax(p, p->tok_pos, msg);
				return NULL;
			}
		} else if (p->tok != T_RPAREN) {
			snprintf(msg, sizeof(msg), "expected ',' or ')' in %s(...)",
				 name);
			syntax(p, p->tok_pos, msg);
			return NULL;
		}
	}
	if (nargs < (name[0] == 'j' ? 2u : 1u)) {
		snprintf(msg, sizeof(msg), "%s() needs at least %s", name,
			 name[0] == 'j' ? "a separator and one value" :
			 "one argument");
		syntax(p, name_pos, msg);
		return NULL;
	}
	if (next(p) < 0)
		return NULL;
	n = new_node(p, name[0] == 'c' ? N_CONCAT :
		     name[0] == 'f' ? N_FIRST : N_JOIN);
	if (!n)
		return NULL;
	n->args = arena_alloc(p->a, nargs * sizeof(*n->args));
	if (!n->args) {
		nomem(p);
		return NULL;
	}
	memcpy(n->args, args, nargs * sizeof(*args));
	n->nargs = nargs;
	return n;
}

static struct node *parse_term(struct parser *p)
{
	struct node *n;
	const char *name;
	size_t name_pos;

	if (p->tok == T_STRING) {
		n = new_node(p, N_CONST);
		if (!n)
			return NULL;
		n->constant.s = p->text;
		n->constant.len = p->len;
		n->constant.kind = BS_V_TEXT;
		return next(p) < 0 ? NULL : n;
	}
	if (p->tok == T_IDENT) {
		name = p->text;
		name_pos = p->tok_pos;
		if (next(p) < 0)
			return NULL;
		if (p->tok == T_LPAREN)
			return parse_function(p, name, name_pos);
		return column_node(p, name);
	}
	if (p->tok == T_LITERAL)
		syntax(p, p->tok_pos, "a constant must be \"quoted\"");
	else if (p->tok == T_EOF)
		syntax(p, p->tok_pos, "expected a column, \"constant\" or function");
	else
		syntax(p, p->tok_pos, "expected a column, \"constant\" or function");
	return NULL;
}

/* Splits the text inside name( ... ) into arguments: top-level commas
 * separate them, `key=value` names one, "quotes" protect both. */
static int split_args(struct parser *p, struct conv_arg *args, size_t *nargs)
{
	const char *s = p->s;
	size_t i = p->pos, n = 0;

	for (;;) {
		size_t start, end, eq = 0;
		int quoted = 0, has_eq = 0;

		while (s[i] == ' ' || s[i] == '\t')
			i++;
		if (s[i] == ')' && n == 0) {
			i++;
			break;
		}
		start = i;
		while (s[i] && (quoted || (s[i] != ',' && s[i] != ')'))) {
			if (s[i] == '\\' && quoted && s[i + 1])
				i++;
			else if (s[i] == '"')
				quoted = !quoted;
			else if (s[i] == '=' && !quoted && !has_eq) {
				has_eq = 1;
				eq = i;
			}
			i++;
		}
		if (!s[i])
			return syntax(p, start, quoted ? "unterminated string" :
				      "expected ')' after converter arguments");
		if (n == EXPR_MAX_ARGS)
			return syntax(p, start, "too many arguments");
		end = i;
		{
			struct parser sub = *p;
			const char *parts[2];
			size_t plen[2], k, np = has_eq ? 2 : 1;
			int pq[2] = { 0, 0 };

			parts[0] = s + start;
			plen[0] = (has_eq ? eq : end) - start;
			parts[1] = has_eq ? s + eq + 1 : NULL;
			plen[1] = has_eq ? end - eq - 1 : 0;
			for (k = 0; k < np; k++) {
				const char *q = parts[k];
				size_t l = plen[k];
				char *txt;

				while (l && (*q == ' ' || *q == '\t'))
					q++, l--;
				while (l && (q[l - 1] == ' ' || q[l - 1] == '\t'))
					l--;
				if (l >= 2 && q[0] == '"' && q[l - 1] == '"') {
					sub.s = q;
					sub.pos = 0;
					txt = arena_strndup(p->a, q, l);
					if (!txt)
						return nomem(p);
					sub.s = txt;
					if (lex_string(&sub) < 0)
						return -1;
					parts[k] = sub.text;
					pq[k] = 1;
				} else {
					if (memchr(q, '"', l))
						return syntax(p, (size_t)(q - s),
							      "stray '\"' in argument");
					parts[k] = arena_strndup(p->a, q, l);
					if (!parts[k])
						return nomem(p);
				}
			}
			if (!has_eq && !*parts[0] && !pq[0])
				return syntax(p, start, "empty argument");
			args[n].key = has_eq ? parts[0] : NULL;
			args[n].value = has_eq ? parts[1] : parts[0];
			args[n].quoted = has_eq ? pq[1] : pq[0];
			n++;
		}
		if (s[i] == ')') {
			i++;
			break;
		}
		i++; /* ',' */
	}
	p->pos = i;
	*nargs = n;
	return next(p);
}

static struct node *parse_pipe(struct parser *p, struct node *in)
{
	struct conv_arg args[EXPR_MAX_ARGS];
	struct conv_ref *ref;
	struct node *n;
	const char *name;
	size_t nargs = 0;

	if (p->tok != T_IDENT) {
		syntax(p, p->tok_pos, "expected a converter name after '|'");
		return NULL;
	}
	name = p->text;
	/* look at the raw text: '(' right after the name opens arguments */
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
	if (p->s[p->pos] == '(') {
		p->pos++;
		if (split_args(p, args, &nargs) < 0)
			return NULL;
	} else if (next(p) < 0) {
		return NULL;
	}
	n = new_node(p, N_PIPE);
	ref = arena_alloc(p->a, sizeof(*ref));
	if (!n || !ref) {
		nomem(p);
		return NULL;
	}
	n->in = in;
	n->conv = conv_new(name, args, nargs, p->cols->resolve, p->cols->ctx,
			   p->err);
	if (!n->conv)
		return NULL;
	ref->conv = n->conv;
	ref->next = *p->convs;
	*p->convs = ref;
	return n;
}

static struct node *parse_expr(struct parser *p)
{
	struct node *n = parse_term(p);

	while (n && p->tok == T_PIPE) {
		if (next(p) < 0)
			return NULL;
		n = parse_pipe(p, n);
	}
	return n;
}

static void free_convs(struct conv_ref *r)
{
	for (; r; r = r->next)
		conv_free(r->conv);
}

static void init_parser(struct parser *p, const char *text, struct arena *a,
			const struct expr_columns *cols, struct conv_ref **convs,
			struct bs_err *err)
{
	memset(p, 0, sizeof(*p));
	p->s = text;
	p->a = a;
	p->cols = cols;
	p->convs = convs;
	p->err = err;
}

struct expr *expr_parse(const char *text, struct arena *a,
			const struct expr_columns *cols, struct bs_err *err)
{
	struct expr *e = arena_alloc(a, sizeof(*e));
	struct parser p;

	if (!e) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	e->convs = NULL;
	init_parser(&p, text, a, cols, &e->convs, err);
	if (next(&p) < 0)
		goto fail;
	if (p.tok == T_EOF) {
		bs_err_set(err, BS_E_CONFIG, "missing value after '='");
		goto fail;
	}
	e->root = parse_expr(&p);
	if (!e->root)
		goto fail;
	if (p.tok != T_EOF) {
		syntax(&p, p.tok_pos, p.tok == T_OP ?
		       "a comparison is not a value (filters go in [filter])" :
		       "unexpected text after the expression (missing '|'?)");
		goto fail;
	}
	return e;
fail:
	free_convs(e->convs);
	return NULL;
}

void expr_free(struct expr *e)
{
	if (e)
		free_convs(e->convs);
}

int expr_is_column(const struct expr *e, size_t *index)
{
	if (e->root->kind != N_COLUMN)
		return 0;
	*index = e->root->index;
	return 1;
}

int expr_is_constant(const struct expr *e, const char **value)
{
	if (e->root->kind != N_CONST)
		return 0;
	*value = e->root->constant.s;
	return 1;
}

/* ---- conditions ------------------------------------------------------- */

static struct cnode *new_cnode(struct parser *p, enum cnode_kind kind)
{
	struct cnode *c = arena_alloc(p->a, sizeof(*c));

	if (!c) {
		nomem(p);
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
			return syntax(p, p->tok_pos, msg);
		}
		o->literal = 1;
		o->type = lt == CMP_NUMBER ? OT_NUMBER : OT_TIME;
		o->node = new_node(p, N_CONST);
		if (!o->node)
			return -1;
		o->node->constant.s = p->text;
		o->node->constant.len = p->len;
		o->node->constant.kind = BS_V_TEXT;
		return next(p);
	}
	o->node = parse_expr(p);
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
		return syntax(p, at, msg);
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
		return syntax(p, at, msg);
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
	if (next(p) < 0 || expect(p, T_LPAREN, "'(' after 'in'") < 0)
		return NULL;
	while (p->tok != T_RPAREN) {
		if (n == EXPR_MAX_ARGS) {
			syntax(p, p->tok_pos, "too many values");
			return NULL;
		}
		set_pos = p->tok_pos;
		if (p->tok == T_COMMA) {       /* in (,a) or in (a,,b) */
			syntax(p, p->tok_pos, "empty value in 'in (...)'");
			return NULL;
		}
		if (p->tok != T_STRING && p->tok != T_LITERAL) {
			syntax(p, p->tok_pos,
			       "'in (...)' takes \"quoted\" text, numbers or dates");
			return NULL;
		}
		if (parse_operand(p, &set[n]) < 0 ||
		    comparison(p, &c->a, &set[n], set_pos, &how[n]) < 0)
			return NULL;
		n++;
		if (p->tok == T_COMMA) {
			if (next(p) < 0)
				return NULL;
			if (p->tok == T_RPAREN) {  /* in (a,) */
				syntax(p, p->tok_pos, "empty value in 'in (...)' "
				       "after ','");
				return NULL;
			}
		} else if (p->tok != T_RPAREN) {
			syntax(p, p->tok_pos, "expected ',' or ')' in 'in (...)'");
			return NULL;
		}
	}
	if (!n) {
		syntax(p, p->tok_pos, "'in ()' needs at least one value");
		return NULL;
	}
	if (next(p) < 0)
		return NULL;
	c->set = arena_alloc(p->a, n * sizeof(*c->set));
	c->set_how = arena_alloc(p->a, n * sizeof(*c->set_how));
	if (!c->set || !c->set_how) {
		nomem(p);
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
	if (is_word(p, "is")) {
		c->kind = C_EMPTY;
		if (next(p) < 0)
			return NULL;
		if (is_word(p, "not")) {
			c->negate = 1;
			if (next(p) < 0)
				return NULL;
		}
		if (!is_word(p, "empty")) {
			syntax(p, p->tok_pos, "expected 'empty' after 'is'");
			return NULL;
		}
		return next(p) < 0 ? NULL : c;
	}
	if (is_word(p, "not")) {
		c->negate = 1;
		if (next(p) < 0)
			return NULL;
		if (!is_word(p, "in")) {
			syntax(p, p->tok_pos, "expected 'in' after 'not'");
			return NULL;
		}
		return parse_in(p, c);
	}
	if (is_word(p, "in"))
		return parse_in(p, c);
	if (p->tok != T_OP) {
		syntax(p, op_pos, p->tok == T_EOF ?
		       "expected a comparison (==, !=, <, <=, >, >=, is empty, in)" :
		       "expected a comparison operator");
		return NULL;
	}
	c->op = p->op;
	if (next(p) < 0 || parse_operand(p, &c->b) < 0)
		return NULL;
	if (comparison(p, &c->a, &c->b, op_pos, &c->how) < 0)
		return NULL;
	return c;
}

static struct cnode *parse_not(struct parser *p)
{
	struct cnode *c;

	if (is_word(p, "not")) {
		c = new_cnode(p, C_NOT);
		if (!c || next(p) < 0)
			return NULL;
		c->l = parse_not(p);
		return c->l ? c : NULL;
	}
	if (p->tok == T_LPAREN) {
		if (next(p) < 0)
			return NULL;
		c = parse_or(p);
		if (!c || expect(p, T_RPAREN, "')'") < 0)
			return NULL;
		return c;
	}
	return parse_predicate(p);
}

static struct cnode *parse_and(struct parser *p)
{
	struct cnode *l = parse_not(p), *c;

	while (l && is_word(p, "and")) {
		c = new_cnode(p, C_AND);
		if (!c || next(p) < 0)
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

	while (l && is_word(p, "or")) {
		c = new_cnode(p, C_OR);
		if (!c || next(p) < 0)
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
	init_parser(&p, text, a, cols, &c->convs, err);
	if (next(&p) < 0)
		goto fail;
	if (p.tok == T_EOF) {
		bs_err_set(err, BS_E_CONFIG, "missing condition");
		goto fail;
	}
	c->root = parse_or(&p);
	if (!c->root)
		goto fail;
	if (p.tok != T_EOF) {
		syntax(&p, p.tok_pos, "unexpected text after the condition "
		       "(missing 'and'/'or'?)");
		goto fail;
	}
	return c;
fail:
	free_convs(c->convs);
	return NULL;
}

void cond_free(struct cond *c)
{
	if (c)
		free_convs(c->convs);
}

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
		struct arena *a, struct bs_value *out, struct bs_err *err)
{
	struct bs_value v;
	size_t i, total;
	char *buf;

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
	case N_JOIN: {
		/* concat: every non-null argument, null if all are null;
		 * join(sep, ...): the non-empty values with sep between */
		struct bs_value parts[EXPR_MAX_ARGS], sep = null_value;
		size_t first = 0, count = 0;

		if (n->kind == N_JOIN) {
			if (eval(n->args[0], vals, a, &sep, err) < 0)
				return -1;
			first = 1;
		}
		total = 0;
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
