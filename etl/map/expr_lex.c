/* expr_lex.c - the lexer shared by value expressions and filter
 * conditions (see expr_int.h). */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

#include "formats/sbuf.h"

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

int expr_column_text(const char *column, char *buf, size_t size)
{
	size_t o = 5;
	const char *c;

	if (size < 8)
		return -1;
	memcpy(buf, "col(\"", 5);
	for (c = column; *c; c++) {
		if (o + 4 > size)
			return -1;
		if (*c == '"' || *c == '\\')
			buf[o++] = '\\';
		buf[o++] = *c;
	}
	if (o + 3 > size)
		return -1;
	memcpy(buf + o, "\")", 3);
	return (int)o + 2;
}

int ex_nomem(struct parser *p)
{
	return bs_err_set(p->err, BS_E_NOMEM, "out of memory");
}

int ex_syntax(struct parser *p, size_t at, const char *what)
{
	return bs_err_set(p->err, BS_E_CONFIG, "%s (column %zu of '%s')",
			  what, at + 1, p->s);
}

/* Reads a "quoted" string at p->pos into the arena. */
int ex_lex_string(struct parser *p)
{
	struct sbuf sb;
	size_t i = p->pos + 1;

	sbuf_init(&sb, 1 << 20);
	for (;;) {
		char c = p->s[i];

		if (!c) {
			sbuf_release(&sb);
			return ex_syntax(p, p->pos, "unterminated string");
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
			return ex_nomem(p);
		}
		i++;
	}
	p->text = arena_strndup(p->a, sb.buf, sb.len);
	p->len = sb.len;
	sbuf_release(&sb);
	if (!p->text)
		return ex_nomem(p);
	p->pos = i + 1;
	p->tok = T_STRING;
	return 0;
}

int ex_next(struct parser *p)
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
	case '"': return ex_lex_string(p);
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
		return ex_syntax(p, start, s[p->pos] == '=' ?
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
		return ex_syntax(p, start, what);
	}
	p->len = p->pos - start;
	p->text = arena_strndup(p->a, s + start, p->len);
	return p->text ? 0 : ex_nomem(p);
}

int ex_is_word(const struct parser *p, const char *w)
{
	return p->tok == T_IDENT && !strcmp(p->text, w);
}

int ex_expect(struct parser *p, enum tok t, const char *what)
{
	char msg[128];

	if (p->tok == t)
		return ex_next(p);
	snprintf(msg, sizeof(msg), "expected %s", what);
	return ex_syntax(p, p->tok_pos, msg);
}

void ex_free_convs(struct conv_ref *r)
{
	for (; r; r = r->next)
		conv_free(r->conv);
}

void ex_init_parser(struct parser *p, const char *text, struct arena *a,
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
