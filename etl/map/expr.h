/*
 * expr.h - the expression language inside mapping files.
 *
 * Value expressions (the right side of a [fields] line):
 *
 *     invoice_number | truncate(80)
 *     "billing export"
 *     concat(tax_id_type, ":", tax_id_value) | upper
 *     first(external_customer_id, id)
 *     billing_address.country             (a dotted path into JSON)
 *
 * A term is a source column (a name of letters, digits, `_` and `.`; use
 * col("odd name") for anything else), a "quoted constant" (\" and \\ escape),
 * or a function: concat(...) joins its non-null arguments (null if all
 * are), join(SEP, ...) joins the non-empty ones with SEP between (null if
 * none), first(...) is the first argument that is neither null nor empty.  `| name(args)` applies a
 * converter (convert.h); arguments are bare text or "quoted", optionally
 * key=value.
 *
 * Conditions (the right side of a [filter] line, after `skip if`/`keep if`):
 *
 *     total == 0
 *     issued_at >= 2024-01-01 and status in ("issued", "paid")
 *     not (voided_at is empty) or total | money(currency) < 0.5
 *
 * Operators == != < <= > >=, `is empty`, `is not empty`, `in (...)`,
 * `not in (...)`, and, or, not, parentheses.  Bare literals starting with a
 * digit (or `-` and a digit) are numbers or dates; text literals are
 * quoted.  A comparison with a null side is false; `is empty` is true for
 * null and "".
 *
 * Comparisons (docs/mappings.md): the parser gives each side a type.  A
 * number literal and the converters decimal, integer and money make a
 * number; a date literal, date and datetime a date (an instant; a date
 * alone is midnight UTC); default and required keep their input's type,
 * first() its arguments' when they agree; a "quoted" constant, concat,
 * join and every other converter make text; a source column as it is has
 * no type.  A number or date on either side decides (a number against a
 * date is a parse error, and so is a quoted constant that does not read as
 * the type); else text on either side makes it text; two untyped sides are
 * compared row by row: as exact numbers when both values read as numbers,
 * as instants when both read as dates or datetimes, else as text.  A value
 * that cannot be read as the decided type is a row error.
 *
 * A JSON number that an expression hands out without a converter (or puts
 * into concat/join) is written in plain notation, exactly: 9.1E8 becomes
 * 910000000; one written without an exponent keeps its text.
 *
 * Parsing resolves every column through a callback (so the mapping learns
 * which columns to read) and creates converters once; evaluation is a pure
 * function of the row's column values and allocates only from the arena.
 * Parse errors are BS_E_CONFIG with a message that names the problem and
 * its column ("empty argument in concat(...) after ',' (column 10 of
 * 'concat(a,)')"); evaluation errors are BS_E_ROW.
 */
#ifndef EXPR_H
#define EXPR_H

#include <stddef.h>

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/rowsrc.h"

struct expr;
struct conv;
struct cond;
struct conv;

/* How the parser turns a column name into an index into the value array
 * that evaluation receives. */
struct expr_columns {
	int (*resolve)(void *ctx, const char *name, size_t *index,
		       struct bs_err *err);
	void *ctx;
};

/* An expression or condition owns its converters; the nodes live in the
 * arena given to the parser, which must outlive them. */
struct expr *expr_parse(const char *text, struct arena *a,
			const struct expr_columns *cols, struct bs_err *err);
struct cond *cond_parse(const char *text, struct arena *a,
			const struct expr_columns *cols, struct bs_err *err);

/* Frees the converters; the nodes go with the arena.  NULL is fine. */
void expr_free(struct expr *e);
void cond_free(struct cond *c);

/* The expression text col("COLUMN") that reads column, whatever its name
 * (quotes and backslashes escaped), into buf: its length, or -1 when it
 * does not fit. */
int expr_column_text(const char *column, char *buf, size_t size);

/* 1 if the expression is a plain column reference, setting *index. */
int expr_is_column(const struct expr *e, size_t *index);
/* 1 if the expression is a constant, setting *value. */
int expr_is_constant(const struct expr *e, const char **value);
/* 1 when e reads a column of index lo or above (a group mapping's
 * external id reads its keys, below its aggregates). */
int expr_reads_from(const struct expr *e, size_t lo);
/* The converter when e is a column through one converter alone
 * ("timeframe_start | month(tz=UTC)"), with the column's index; else
 * NULL. */
const struct conv *expr_pipe_conv(const struct expr *e, size_t *index);

/* What the converters of an expression apply to. */
enum expr_base { EXPR_COLUMN, EXPR_CONSTANT, EXPR_FUNCTION };
/* The converters at the top of e in the order they apply (`a | trim |
 * truncate(80)`: trim, then truncate), at most max of them in convs;
 * returns how many there are.  *base says what the first applies to (or
 * what e is, without converters); *index is the column's when it is one. */
size_t expr_converters(const struct expr *e, const struct conv **convs,
		       size_t max, enum expr_base *base, size_t *index);

/* Evaluates with the row's column values; *out lives in vals or the arena. */
int expr_eval(const struct expr *e, const struct bs_value *vals,
	      struct arena *a, struct bs_value *out, struct bs_err *err);
/* Sets *truth to 0 or 1. */
int cond_eval(const struct cond *c, const struct bs_value *vals,
	      struct arena *a, int *truth, struct bs_err *err);

#endif
