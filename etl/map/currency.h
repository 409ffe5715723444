/*
 * currency.h - ISO 4217 currency codes and their minor units.
 *
 * The table is ISO 4217 list one as published on 2026-01-01 (SIX Group),
 * every code with a minor unit (JPY 0, USD 2, BHD 3, CLF 4), plus the codes
 * withdrawn since 2022 (ANG, BGN, CUC, HRK, SLL, ZWL) so that a backfill
 * of older invoices still converts.  Codes whose minor unit is "N.A."
 * (XAU, XDR, XXX, ...) are left out: an amount in them has no scale.
 */
#ifndef CURRENCY_H
#define CURRENCY_H

#include <stddef.h>

/* Digits after the point for the code s[0..len), letters in any case
 * ("usd" is USD); -1 when it is not a known code. */
int currency_digits(const char *s, size_t len);

#endif
