/*
 * datavals.h - the distinct values a few columns of a source dataset hold,
 * read once through all its files (for `check --org`: the currencies the
 * data uses, the values an unmapped picklist will get).
 *
 * At most max distinct values are kept per column; more are counted as
 * "more".  A bad row is skipped (reading the data for a run reports it).
 */
#ifndef DATAVALS_H
#define DATAVALS_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;
struct datavals;

/* Reads dataset's columns cols[0..n); upper: keep values in upper case
 * (currency codes).  NULL with err when the data cannot be read (err kind
 * BS_E_INPUT when the dataset has no files). */
struct datavals *datavals_scan(const struct config *cfg, const char *dataset,
			       const char *const *cols, size_t n,
			       const int *upper, size_t max,
			       struct bs_err *err);
void datavals_free(struct datavals *d);

/* The values of column i, sorted; *more is 1 when there were more than
 * max of them. */
size_t datavals_get(const struct datavals *d, size_t i,
		    const char *const **vals, int *more);

#endif
