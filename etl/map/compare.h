/*
 * compare.h - how filter conditions order two values.
 *
 * Which of the three ways a condition uses is decided by expr.c from the
 * literals and converters on its sides ("Comparisons" in expr.h): as
 * numbers (`total == 0`), as instants (`issued_at >= 2024-01-01`; a date
 * is midnight UTC) or as text.  Numbers compare exactly (decimal.h), never
 * through a double.
 */
#ifndef COMPARE_H
#define COMPARE_H

#include <stddef.h>

#include "formats/bs_err.h"

enum cmp_type {
	CMP_TEXT,
	CMP_NUMBER,
	CMP_TIME
};

/* 1 with *type set when text reads as a number or a date/datetime literal,
 * 0 otherwise (how the parser types a bare literal). */
int compare_literal_type(const char *s, size_t len, enum cmp_type *type);

/* Sets *result to <0, 0, >0.  A side that cannot be read as the type is a
 * BS_E_ROW error quoting it ("cannot read 'abc' as a number"). */
int compare_values(enum cmp_type type, const char *a, size_t alen,
		   const char *b, size_t blen, int *result, struct bs_err *err);

#endif
