/* expr_parse.c - parsing the value expressions of mapping files: columns,
 * "constants", col/concat/first/join and converter pipes (see expr.h). */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

#include "formats/strsim.h"

/* ---- value expressions ------------------------------------------------ */

struct node *ex_new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = arena_alloc(p->a, sizeof(*n));

	if (!n) {
		ex_nomem(p);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

struct node *ex_parse_expr(struct parser *p);

static struct node *column_node(struct parser *p, const char *name)
{
	struct node *n = ex_new_node(p, N_COLUMN);

	if (!n)
		return NULL;
	if (p->cols->resolve(p->cols->ctx, name, &n->index, p->err) < 0)
		return NULL;
	return n;
}

static const char *const functions[] = { "col", "concat", "first", "join" };

/* col("name") with p->tok at '(' */
static struct node *parse_col(struct parser *p)
{
	const char *col;

	if (ex_next(p) < 0)
		return NULL;
	if (p->tok != T_STRING) {
		ex_syntax(p, p->tok_pos, "col() takes a \"quoted\" column name");
		return NULL;
	}
	col = p->text;
	if (ex_next(p) < 0 ||
	    ex_expect(p, T_RPAREN, "')' after col(\"...\")") < 0)
		return NULL;
	return column_node(p, col);
}

/* The arguments of name(...) into args[*nargs], with p->tok at '(';
 * leaves p->tok at ')'. */
static int parse_call_args(struct parser *p, const char *name,
			   struct node **args, size_t *nargs)
{
	char msg[160];

	if (ex_next(p) < 0)
		return -1;
	while (p->tok != T_RPAREN) {
		if (*nargs == EXPR_MAX_ARGS) {
			ex_syntax(p, p->tok_pos, "too many arguments");
			return -1;
		}
		if (p->tok == T_COMMA) {       /* f(,a) or f(a,,b) */
			snprintf(msg, sizeof(msg), "empty argument in %s(...)",
				 name);
			ex_syntax(p, p->tok_pos, msg);
			return -1;
		}
		args[*nargs] = ex_parse_expr(p);
		if (!args[(*nargs)++])
			return -1;
		if (p->tok == T_COMMA) {
			if (ex_next(p) < 0)
				return -1;
			if (p->tok == T_RPAREN) {  /* f(a,) */
				snprintf(msg, sizeof(msg), "empty argument in "
					 "%s(...) after ','", name);
				ex_syntax(p, p->tok_pos, msg);
				return -1;
			}
		} else if (p->tok != T_RPAREN) {
			snprintf(msg, sizeof(msg), "expected ',' or ')' in %s(...)",
				 name);
			ex_syntax(p, p->tok_pos, msg);
			return -1;
		}
	}
	return 0;
}

/* name(arg, arg, ...) with p->tok at '(' */
static struct node *parse_function(struct parser *p, const char *name,
				   size_t name_pos)
{
	struct node *args[EXPR_MAX_ARGS], *n;
	size_t nargs = 0;
	const char *hint;
	char msg[160];

	if (!strcmp(name, "col"))
		return parse_col(p);
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
		ex_syntax(p, name_pos, msg);
		return NULL;
	}
	if (parse_call_args(p, name, args, &nargs) < 0)
		return NULL;
	if (nargs < (name[0] == 'j' ? 2u : 1u)) {
		snprintf(msg, sizeof(msg), "%s() needs at least %s", name,
			 name[0] == 'j' ? "a separator and one value" :
			 "one argument");
		ex_syntax(p, name_pos, msg);
		return NULL;
	}
	if (ex_next(p) < 0)
		return NULL;
	n = ex_new_node(p, name[0] == 'c' ? N_CONCAT :
			name[0] == 'f' ? N_FIRST : N_JOIN);
	if (!n)
		return NULL;
	n->args = arena_alloc(p->a, nargs * sizeof(*n->args));
	if (!n->args) {
		ex_nomem(p);
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
		n = ex_new_node(p, N_CONST);
		if (!n)
			return NULL;
		n->constant.s = p->text;
		n->constant.len = p->len;
		n->constant.kind = BS_V_TEXT;
		return ex_next(p) < 0 ? NULL : n;
	}
	if (p->tok == T_IDENT) {
		name = p->text;
		name_pos = p->tok_pos;
		if (ex_next(p) < 0)
			return NULL;
		if (p->tok == T_LPAREN)
			return parse_function(p, name, name_pos);
		return column_node(p, name);
	}
	if (p->tok == T_LITERAL)
		ex_syntax(p, p->tok_pos, "a constant must be \"quoted\"");
	else if (p->tok == T_EOF)
		ex_syntax(p, p->tok_pos, "expected a column, \"constant\" or function");
	else
		ex_syntax(p, p->tok_pos, "expected a column, \"constant\" or function");
	return NULL;
}

/* One converter argument, s[start..end) of the text, with its '=' at eq
 * when has_eq: each side trimmed, a "quoted" side unescaped. */
static int one_arg(struct parser *p, size_t start, size_t eq, size_t end,
		   int has_eq, struct conv_arg *arg)
{
	const char *s = p->s;
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
				return ex_nomem(p);
			sub.s = txt;
			if (ex_lex_string(&sub) < 0)
				return -1;
			parts[k] = sub.text;
			pq[k] = 1;
		} else {
			if (memchr(q, '"', l))
				return ex_syntax(p, (size_t)(q - s),
						 "stray '\"' in argument");
			parts[k] = arena_strndup(p->a, q, l);
			if (!parts[k])
				return ex_nomem(p);
		}
	}
	if (!has_eq && !*parts[0] && !pq[0])
		return ex_syntax(p, start, "empty argument");
	arg->key = has_eq ? parts[0] : NULL;
	arg->value = has_eq ? parts[1] : parts[0];
	arg->quoted = has_eq ? pq[1] : pq[0];
	return 0;
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
			return ex_syntax(p, start, quoted ? "unterminated string" :
					 "expected ')' after converter arguments");
		if (n == EXPR_MAX_ARGS)
			return ex_syntax(p, start, "too many arguments");
		end = i;
		if (one_arg(p, start, eq, end, has_eq, &args[n++]) < 0)
			return -1;
		if (s[i] == ')') {
			i++;
			break;
		}
		i++; /* ',' */
	}
	p->pos = i;
	*nargs = n;
	return ex_next(p);
}

static struct node *parse_pipe(struct parser *p, struct node *in)
{
	struct conv_arg args[EXPR_MAX_ARGS];
	struct conv_ref *ref;
	struct node *n;
	const char *name;
	size_t nargs = 0;

	if (p->tok != T_IDENT) {
		ex_syntax(p, p->tok_pos, "expected a converter name after '|'");
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
	} else if (ex_next(p) < 0) {
		return NULL;
	}
	n = ex_new_node(p, N_PIPE);
	ref = arena_alloc(p->a, sizeof(*ref));
	if (!n || !ref) {
		ex_nomem(p);
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

struct node *ex_parse_expr(struct parser *p)
{
	struct node *n = parse_term(p);

	while (n && p->tok == T_PIPE) {
		if (ex_next(p) < 0)
			return NULL;
		n = parse_pipe(p, n);
	}
	return n;
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
	ex_init_parser(&p, text, a, cols, &e->convs, err);
	if (ex_next(&p) < 0)
		goto fail;
	if (p.tok == T_EOF) {
		bs_err_set(err, BS_E_CONFIG, "missing value after '='");
		goto fail;
	}
	e->root = ex_parse_expr(&p);
	if (!e->root)
		goto fail;
	if (p.tok != T_EOF) {
		ex_syntax(&p, p.tok_pos, p.tok == T_OP ?
			  "a comparison is not a value (filters go in [filter])" :
			  "unexpected text after the expression (missing '|'?)");
		goto fail;
	}
	return e;
fail:
	ex_free_convs(e->convs);
	return NULL;
}

void expr_free(struct expr *e)
{
	if (e)
		ex_free_convs(e->convs);
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

static int node_reads_from(const struct node *n, size_t lo)
{
	size_t i;

	switch (n->kind) {
	case N_COLUMN:
		return n->index >= lo;
	case N_CONST:
		return 0;
	case N_PIPE:
		return node_reads_from(n->in, lo) || conv_reads_from(n->conv, lo);
	default:
		for (i = 0; i < n->nargs; i++)
			if (node_reads_from(n->args[i], lo))
				return 1;
		return 0;
	}
}

int expr_reads_from(const struct expr *e, size_t lo)
{
	return node_reads_from(e->root, lo);
}

const struct conv *expr_pipe_conv(const struct expr *e, size_t *index)
{
	if (e->root->kind != N_PIPE || e->root->in->kind != N_COLUMN)
		return NULL;
	*index = e->root->in->index;
	return e->root->conv;
}
