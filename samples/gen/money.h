/*
 * money.h - billsync-gen's exact amounts: money is held as an int64_t at
 * scale 6 (v6: millionths), quantities at scale 7 (q7), never as double.
 * Pure functions.
 */
#ifndef GEN_MONEY_H
#define GEN_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define E6 1000000LL
#define E7 10000000LL

/* Writes v / 10^vscale in decimal into b (32 bytes are enough; not
 * terminated), trimming trailing zeros down to mindec decimals; returns the
 * length (at most 24). */
size_t fmt_dec(char *b, int64_t v, int vscale, int mindec);

/* v6 rounded half away from zero to the smallest unit of a currency of
 * that scale (0 to 3). */
int64_t to_unit(int64_t v6, int scale);
/* A USD price at scale 6 in currency cur (refdata.h), not rounded. */
int64_t local_price(int64_t usd6, int cur);
/* qty7 x unit6 at scale 6, half up, without overflow. */
int64_t amount_of(int64_t q7, int64_t unit);

#endif
