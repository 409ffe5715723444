/*
 * aggregate.h - the aggregates of a group mapping (mapping.h, [aggregate]):
 * each folds the values of one group's rows, in input order, into one
 * value, exactly (numbers are struct dec, never double).
 *
 *     sum(x)    the sum of the numbers x, at the largest scale among them;
 *               null when every x is null
 *     min(x)    the least x; max(x) the greatest: as exact numbers while
 *               every value reads as one, else as text (ISO dates and the
 *               output of `datetime` and `date` sort as text)
 *     count(x)  the rows where x is not null (count() has no x: the caller
 *               folds in a non-null value per row)
 *     first(x)  the first x that is not null, in input order; last(x) the
 *               last one
 *     same(x)   the value every row has (nulls aside); rows that disagree
 *               reject the group ("mixed values 'USD' and 'EUR'"): for the
 *               currency of a sum that is not a group key
 *     AGG_CURRENCY  same, for the currency a group mapping adds itself
 *               (mapping.h): case aside ('usd' is 'USD'), and its error
 *               says the group mixes currencies; not a name users write
 *
 * An aggregate keeps a copy of the one value it needs (min, max, first,
 * last, same), so memory is per group, never per row.  A value it cannot
 * take (a sum over text) leaves err set; the caller rejects the group.
 */
#ifndef AGGREGATE_H
#define AGGREGATE_H

#include <stddef.h>

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "decimal.h"

enum agg_fn { AGG_SUM, AGG_MIN, AGG_MAX, AGG_COUNT, AGG_FIRST, AGG_LAST,
	      AGG_SAME, AGG_CURRENCY };

/* The aggregate called name ("sum"), or -1; *names lists those a mapping
 * may name (all but AGG_CURRENCY, whose name is "currency"). */
int agg_fn_of(const char *name);
size_t agg_fn_names(const char *const **names);
const char *agg_fn_name(enum agg_fn fn);

struct agg {
	enum agg_fn fn;
	unsigned long long count;    /* values folded */
	int numeric;                 /* min, max: every value so far a number */
	struct dec num;              /* sum; min, max while numeric */
	char *text;                  /* min, max, first, last, same (malloc) */
	size_t len, alloc;
};

/* An empty aggregate of fn; agg_release frees what it kept. */
void agg_init(struct agg *a, enum agg_fn fn);
void agg_release(struct agg *a);
/* Back to empty, for the next group (keeps its buffer). */
void agg_reset(struct agg *a);
/* Folds in one row's value; null and empty text are left out. */
int agg_add(struct agg *a, const struct bs_value *v, struct bs_err *err);
/* The result, copied into arena; null for an aggregate of no value (but
 * count, which is 0). */
int agg_result(const struct agg *a, struct arena *arena, struct bs_value *out,
	       struct bs_err *err);

#endif
