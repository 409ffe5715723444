/*
 * expr_int.h - what the parts of the expression language share, private
 * to etl/map (expr.h is the interface): the trees the parser builds and
 * the evaluator walks, and the lexer.
 *
 *   expr_lex.c    tokens of value expressions and conditions
 *   expr_parse.c  value expressions (columns, constants, functions, pipes)
 *   expr_cond.c   filter conditions (comparisons, is empty, in, and/or/not)
 *   expr_eval.c   both, on a row
 *
 * Nodes live in the arena the caller gives expr_parse/cond_parse; the
 * converters they hold are freed with the expression (conv_ref list).
 */
#ifndef EXPR_INT_H
#define EXPR_INT_H

#include <stddef.h>

#include "compare.h"
#include "convert.h"
#include "expr.h"

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

/* Sets p->err to "out of memory"; returns -1. */
int ex_nomem(struct parser *p);
/* Sets p->err to "WHAT (column AT+1 of 'TEXT')"; returns -1. */
int ex_syntax(struct parser *p, size_t at, const char *what);
/* Reads a "quoted" string at p->pos into the arena (T_STRING). */
int ex_lex_string(struct parser *p);
/* Reads the next token into p->tok (and p->text, p->len, p->op). */
int ex_next(struct parser *p);
/* The current token is the word w. */
int ex_is_word(const struct parser *p, const char *w);
/* Skips a token of kind t, or fails with "expected WHAT". */
int ex_expect(struct parser *p, enum tok t, const char *what);
/* A parser of text whose converters go on *convs. */
void ex_init_parser(struct parser *p, const char *text, struct arena *a,
		    const struct expr_columns *cols, struct conv_ref **convs,
		    struct bs_err *err);
/* Frees the converters of a tree. */
void ex_free_convs(struct conv_ref *r);

/* A zeroed node of kind, in the parser's arena. */
struct node *ex_new_node(struct parser *p, enum node_kind kind);
/* A value expression: a term and its converter pipes. */
struct node *ex_parse_expr(struct parser *p);

#endif
