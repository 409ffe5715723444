/*
 * decimal.h - exact decimal numbers: parse, compare, round, print.
 *
 * Money and quantities never go through a double.  A struct dec is
 *
 *     (-1)^neg × digits × 10^exp
 *
 * where digits is a string of at most DEC_MAX_DIGITS decimal digits with
 * no leading zero.  The number keeps the digits it was written with:
 * "1250.00" is digits 125000, exp -2, so printing it in its own scale gives
 * "1250.00" back, while dec_cmp says it equals "1250" and "1.25e3".
 *
 * Accepted text (dec_parse) is JSON number syntax, loosened for the decimal
 * strings found in CSV files:
 *
 *     [+|-] digits [. digits] [(e|E) [+|-] digits]
 *
 * Leading zeros ("007"), a leading '+', ".5" and "5." are accepted.  Not
 * accepted: empty text, white space anywhere (use `trim` first), thousands
 * separators ("1,000"), hexadecimal, "inf", "nan".  Limits: at most
 * DEC_MAX_DIGITS significant digits, and the leading digit's power of ten
 * within ±DEC_MAX_POW (so 1e-400 and 9.9e400 are the extremes); beyond
 * either the number is refused with a reason, never rounded silently.
 *
 * Zero may carry a sign ("-0", "-0.00" after rounding -0.001): it compares
 * equal to 0 and always prints without the sign.
 *
 * Rounding is half away from zero: 0.125 -> 0.13, -2.5 -> -3, 2.5 -> 3.
 *
 * A struct dec is a plain value (no pointers, no allocation): copy it,
 * keep it on the stack, compare it from any thread.
 */
#ifndef DECIMAL_H
#define DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "formats/bs_err.h"

#define DEC_MAX_DIGITS 64     /* significant digits */
#define DEC_MAX_POW 400       /* |power of ten of the leading digit| */
#define DEC_MAX_SCALE 64      /* digits after the point when printing */
#define DEC_MAX_TEXT 2048     /* longest text dec_parse reads */
/* Room dec_format needs: sign, DEC_MAX_POW + 2 integer digits (a carry
 * from rounding), point, fraction digits, NUL. */
#define DEC_TEXT_SIZE (DEC_MAX_POW + DEC_MAX_DIGITS + DEC_MAX_SCALE + 8)
/* dec_format's scale for "as many fraction digits as the number has". */
#define DEC_SCALE_NATURAL (-1)

struct dec {
	unsigned char digit[DEC_MAX_DIGITS]; /* 0..9, most significant first */
	int n;      /* number of digits; 0 means the value is zero */
	int exp;    /* power of ten of the last digit */
	int neg;    /* sign; may be set on zero ("-0") */
};

/* Reads s[0..len).  On failure returns -1 with err set (kind BS_E_ROW) to
 * the reason only, e.g. "unexpected ',' at position 2: the decimal point is
 * '.', with no thousands separators": callers put the value and context
 * in front ("cannot read '1,000' as a number (...)").  */
int dec_parse(struct dec *d, const char *s, size_t len, struct bs_err *err);

/* The integer v. */
void dec_from_i64(struct dec *d, int64_t v);

/* -1, 0 or 1 as a < b, a == b, a > b; exact, whatever the scales, and
 * -0 == 0. */
int dec_cmp(const struct dec *a, const struct dec *b);

int dec_is_zero(const struct dec *d);

/* True when d has no non-zero digit after the point ("12.0" is). */
int dec_is_integer(const struct dec *d);

/* Stores d in *out when it is an integer within int64_t; else -1. */
int dec_to_i64(const struct dec *d, int64_t *out);

/* *out = a + b, exactly, with the larger scale of the two ("1.50" + "2" is
 * "3.50").  Fails (BS_E_ROW) when the sum needs more than DEC_MAX_DIGITS
 * significant digits.  out may be a or b. */
int dec_add(const struct dec *a, const struct dec *b, struct dec *out,
	    struct bs_err *err);

/* Rounds d to scale (0..DEC_MAX_SCALE) digits after the point, half away
 * from zero.  A number with fewer fraction digits is left as it is. */
void dec_round(struct dec *d, int scale);

/* Writes d into buf in plain notation (never an exponent) with exactly
 * scale digits after the point (none and no point for 0), rounding half
 * away from zero first, or with its own digits for DEC_SCALE_NATURAL.
 * Zero never has a minus sign.  Returns the length; buf is NUL-terminated. */
size_t dec_format(const struct dec *d, int scale, char buf[DEC_TEXT_SIZE]);

#endif
