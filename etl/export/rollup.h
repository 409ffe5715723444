/*
 * rollup.h - the groups of a group mapping (map/mapping.h, "Group
 * mappings"), streamed through the external sort (stage.h) so memory stays
 * flat whatever the number of rows or groups.
 *
 * Rows go in with their keys and aggregate inputs (mapping_group_row's
 * values); once all are in, groups come out one at a time, sorted by their
 * keys, each with its aggregates folded over its rows in input order.  A
 * row whose [object] row_key is read again later is replaced by that later
 * row (counted as replaced).  A row an aggregate cannot take (a sum over
 * text, an input a converter refused) rejects its whole group, which comes
 * out marked with that row's file:line and reason: a total missing a row
 * is never sent.
 *
 * A row a [filter] left out goes in too, with its keys only: it folds
 * into nothing, but it replaces an earlier copy of its row_key (a day
 * reverted in a later drop leaves its month) and keeps its group known,
 * so a group whose every row is filtered out comes out emptied (rows 0,
 * filtered counted: count() 0, sum() 0, the other aggregates null).
 * Likewise a group whose every row was replaced by a later row (one moved
 * to another group: re-dated, its currency corrected) comes out emptied,
 * with superseded counted.
 */
#ifndef ROLLUP_H
#define ROLLUP_H

#include <stddef.h>

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "map/mapping.h"

/* One group, valid until the next rollup_next. */
struct rollup_group {
	const struct bs_value *v;  /* the keys, then the aggregates' results */
	unsigned long long rows;   /* rows folded in */
	unsigned long long filtered;   /* rows a filter left out */
	unsigned filter;           /* the first of those: its filter's index
				      in mapping_filters, plus 1 */
	unsigned long long superseded; /* rows replaced by a later row */
	const char *file;          /* its first row's (or the rejecting row's) */
	unsigned long line;
	int rejected;              /* reason says why */
	struct bs_err reason;
};

struct rollup;

/* memory: bytes the sort may hold before spilling (0: a default). */
struct rollup *rollup_new(const struct mapping *m, size_t memory,
			  struct bs_err *err);
/* One row: v holds the mapping_group_keys values then one value per
 * aggregate; row_key names the row (NULL: none); filtered 0, or the
 * index in mapping_filters plus 1 of the filter that left the row out
 * (then only v's keys are read); spoilt NULL, or why an aggregate's input
 * could not be computed for the row (MAP_SPOILT: only v's keys are read),
 * which rejects its group with that reason and the row's file:line. */
int rollup_add(struct rollup *r, const struct rowsrc_row *src,
	       const struct bs_value *v, const struct bs_value *row_key,
	       unsigned filtered, const struct bs_err *spoilt,
	       struct bs_err *err);
/* Ends input. */
int rollup_finish(struct rollup *r, struct bs_err *err);
/* 1 with the next group in *g (values in arena), 0 at the end, -1 on an
 * error that stops the run. */
int rollup_next(struct rollup *r, struct arena *a, struct rollup_group *g,
		struct bs_err *err);
/* Rows replaced by a later row of the same row_key (at the end). */
unsigned long long rollup_replaced(const struct rollup *r);
void rollup_free(struct rollup *r);

#endif
