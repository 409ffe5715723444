/*
 * datavals.h - the distinct values a few columns of a source dataset hold,
 * read once through all its files (for `check --org`: the currencies the
 * data uses, the values an unmapped picklist will get).
 *
 * At most max distinct values are kept per column; more are counted as
 * "more".  A column read as numbers keeps no values but how they read as
 * decimal numbers: the most digits one has before the point, and the first
 * value that is not a number.  A bad row is skipped (reading the data for
 * a run reports it).
 */
#ifndef DATAVALS_H
#define DATAVALS_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;
struct datavals;

#define DATAVALS_UPPER 1      /* keep values in upper case (currency codes) */
#define DATAVALS_NUMBERS 2    /* read the values as numbers (datavals_numbers) */

/* Reads dataset's columns cols[0..n), each with flags[i] (DATAVALS_*).
 * NULL with err when the data cannot be read (err kind BS_E_INPUT when the
 * dataset has no files). */
struct datavals *datavals_scan(const struct config *cfg, const char *dataset,
			       const char *const *cols, size_t n,
			       const int *flags, size_t max,
			       struct bs_err *err);
void datavals_free(struct datavals *d);

/* The values of column i, sorted; *more is 1 when there were more than
 * max of them. */
size_t datavals_get(const struct datavals *d, size_t i,
		    const char *const **vals, int *more);

/* Column i read as numbers: returns how many values it had (empty ones
 * left out); *intdigits the most digits one has before the point (0 for
 * 0.5), *widest that value; *notnum the first value that is not a decimal
 * number (docs/mappings.md's syntax), or NULL.  The strings live as long
 * as d. */
size_t datavals_numbers(const struct datavals *d, size_t i, int *intdigits,
			const char **widest, const char **notnum);

#endif
