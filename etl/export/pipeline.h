/*
 * pipeline.h - one mapping applied to its dataset, row by row.
 *
 * Reads the dataset's files, applies the mapping's filters and fields, and
 * hands back every row with what became of it: mapped (the values to
 * write), filtered (by which filter) or rejected (why, naming the field).
 * It keeps the counts that must add up: read = mapped + filtered + rejected
 * + below_watermark (+ rolled_up + replaced for a group mapping, whose
 * items are its groups, once every row is read: see rollup.h).
 * Memory is flat: each item is valid only until the next call.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "map/mapping.h"

struct config;
struct heads;

#define PIPE_MAX_REASONS 64
#define PIPE_REASON_KEY_MAX 200

/* Rejected rows grouped by reason: the field (or "filter NAME" for a
 * filter whose condition could not be read) and the message with the
 * quoted value and details left out ("InvoiceDate__c: cannot read as a
 * date", "filter paid_down: cannot read as a number"). */
struct pipe_reason {
	char key[PIPE_REASON_KEY_MAX];
	unsigned long long count;
	char first[BS_ERR_FILE_MAX + 32];   /* "file:line" of the first one */
};

struct pipe_counts {
	unsigned long long read;      /* records read, good or bad */
	unsigned long long mapped;
	unsigned long long filtered;
	unsigned long long rejected;
	unsigned long long below_watermark; /* older than the watermark floor:
					      not mapped */
	unsigned long long *by_filter;   /* parallel to mapping_filters(),
					    then one for the date range */
	size_t nfilters;
	struct pipe_reason reasons[PIPE_MAX_REASONS];
	size_t nreasons;
	unsigned long long other_reasons; /* rejects past PIPE_MAX_REASONS kinds */
	/* a group mapping: mapped and rejected count its groups; the rows
	 * folded into a group besides its first are rolled_up, and replaced
	 * ones were read again later (row_key) */
	unsigned long long rolled_up;
	unsigned long long replaced;
};

enum pipe_status { PIPE_ROW, PIPE_FILTERED, PIPE_REJECTED,
		   PIPE_BELOW_WATERMARK };

struct pipe_item {
	enum pipe_status status;
	struct bs_value key;               /* PIPE_FILTERED: the key, or null */
	unsigned long long seq;            /* 0-based record number in the dataset */
	const struct rowsrc_row *src;      /* source file, line, raw text */
	const struct bs_value *out;        /* PIPE_ROW: one value per field */
	const struct map_filter *filter;   /* PIPE_FILTERED (the date range
					      has name PIPE_RANGE_FILTER);
					      PIPE_REJECTED: the filter whose
					      condition could not be read, or
					      NULL */
	const struct bs_err *reason;       /* PIPE_REJECTED: field and message */
	const char *reason_key;            /* PIPE_REJECTED: its group in
					      pipe_counts' reasons */
};

/* A backfill's date range on the mapping's `since` column: rows outside
 * [since, until) are filtered (counted under PIPE_RANGE_FILTER).
 *
 * The watermark (a mapping with [object] watermark): rows whose watermark
 * column is an instant before watermark_floor are PIPE_BELOW_WATERMARK,
 * neither mapped nor filtered (an empty value or one that is not a date
 * is never below it: the row goes on as usual).  Whatever the floor, the
 * pipe keeps the latest watermark value it read that is not after
 * watermark_cap (pipe_watermark_max), so that a typo far in the future
 * cannot hide every later row. */
struct pipe_opts {
	const char *since;   /* date or datetime, or NULL */
	const char *until;
	const char *watermark_floor;   /* date or datetime, or NULL: none */
	const char *watermark_cap;     /* date or datetime, or NULL: none */
	const volatile sig_atomic_t *stop;  /* SIGINT/SIGTERM flag, or NULL:
					       reading fails soon after it is
					       set (dataset_watch) */
	/* a group mapping's group whose every row a filter left out is
	   handed back (count() 0, sum() 0, other aggregates null) only when
	   held says Salesforce holds a record of its key (1; 0 not, -1 on
	   error), so that its stale totals are replaced; NULL: never */
	int (*held)(void *ctx, const struct mapping *m, const char *key,
		    size_t key_len, struct bs_err *err);
	void *held_ctx;
	/* a group mapping's mapped rows go into their groups inside one
	   pipe_next call, which returns no item for them: this is called
	   with reading_ctx and the rows read so far after each, so that a
	   progress display moves while they are read; NULL: not called */
	void (*reading)(void *ctx, unsigned long long read);
	void *reading_ctx;
	/* the files that can be read once, held by the check before reading
	   (precheck.h, heads.h): read from there; NULL: none */
	struct heads *heads;
};

#define PIPE_RANGE_FILTER "--since/--until"

struct pipe;

/* opts may be NULL.  A range on a mapping without `since` is a
 * BS_E_USAGE error; a watermark floor or cap that is not a date is a
 * BS_E_INTERNAL one. */
struct pipe *pipe_open(const struct config *cfg, const struct mapping *m,
		       const struct pipe_opts *opts, struct bs_err *err);
/* 1 with *it filled, 0 at the end, -1 on an error that stops the run. */
int pipe_next(struct pipe *p, struct pipe_item *it, struct bs_err *err);
const struct pipe_counts *pipe_counts(const struct pipe *p);
/* Bytes read of the dataset's files so far, and their total (0: not
 * known); see dataset_progress. */
void pipe_progress(const struct pipe *p, unsigned long long *done,
		   unsigned long long *total);
const struct mapping *pipe_mapping(const struct pipe *p);
/* The latest watermark value read (see struct pipe_opts) as
 * "YYYY-MM-DDTHH:MM:SS.sssZ" (milliseconds truncated), or NULL when the
 * mapping has no watermark or no row had a date in it. */
const char *pipe_watermark_max(struct pipe *p);
void pipe_free(struct pipe *p);

/* Writes the grouping key of a rejection (see struct pipe_reason); filter
 * names the filter that rejected the row, NULL when a field did. */
void pipe_reason_key(const struct bs_err *e, const char *filter, char *buf,
		     size_t size);

#endif
