/*
 * recon.h - ties the per-record results of a bulk file's jobs back to its
 * rows and to the source lines they came from, so that every row ends with
 * exactly one outcome.
 *
 *     r = recon_open(origin, "OrbId__c", rows, err);
 *     recon_read(r, SF_RESULTS_SUCCESSFUL, "success.csv", RECON_HOLD_LOCKED,
 *                NULL, emit, ctx, err);
 *     recon_read(r, SF_RESULTS_FAILED, ...); recon_read(r, ..UNPROCESSED..);
 *     recon_end_attempt(r, "bulk.csv.gz", 0, "", emit, ctx, &held, err);
 *     if (held) { bulkfile_copy_rows(..., recon_held, r, ...);
 *                 recon_retry(r); ... next job ... }
 *
 * The origin file (docs/bulk-files.md: key,source,line per row) gives each
 * key its source file and line.  A result row is matched by the value of
 * its key column (the external ID for upsert, Id for update and delete),
 * because Salesforce does not keep the upload's row order.  A row that
 * failed with UNABLE_TO_LOCK_ROW can be held back instead of reported, to
 * be sent again in a new job; so can the rows a job did not process
 * (the daily allocation ran out under it).  recon_held tells
 * bulkfile_copy_rows which rows those are.  When an attempt ends, rows
 * that appeared in no result set are reported as unprocessed, with the
 * record as the attempt's bulk file has it, so nothing goes missing
 * silently.
 *
 * Without keys (insert, or no origin file) rows cannot be matched: results
 * are reported without source lines, no row is held (re-sending an insert
 * could duplicate it), and rows missing from the results are reported as
 * that many unprocessed rows without a key (with their records only when
 * no result mentioned any row of the attempt: then they are all of it).
 *
 * Memory: the keys of one bulk file (about the key's length plus 40 bytes
 * a row), in an arena; result files are streamed.
 */
#ifndef RECON_H
#define RECON_H

#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "sf/sf_bulk.h"

enum recon_outcome {
	RECON_CREATED,
	RECON_UPDATED,      /* also: deleted */
	RECON_FAILED,
	RECON_UNPROCESSED
};

struct recon_row {
	enum recon_outcome outcome;
	const char *key;           /* key column value; "" when unknown */
	const char *source;        /* source file from the origin; NULL: unknown */
	unsigned long line;        /* source line; 0 when unknown */
	const char *sf_id;         /* Salesforce id; "" when none */
	struct sf_row_error error; /* FAILED: the parsed sf__Error;
				      UNPROCESSED: code "", message the reason */
	size_t ncols;              /* the record as Salesforce echoed it, or
				      as the bulk file has it for a row no
				      result mentioned (0: unknown) */
	const char *const *names;
	const struct bs_value *values;
};

/* Called for every outcome; a non-zero return stops the reading with the
 * error it sets. */
typedef int (*recon_fn)(void *ctx, const struct recon_row *row,
			struct bs_err *err);

struct recon;

/* Reads origin (NULL: none) for a bulk file of rows rows whose key column
 * is key_field (NULL: insert, no key). */
struct recon *recon_open(const char *origin, const char *key_field,
			 unsigned long long rows, struct bs_err *err);
void recon_free(struct recon *r);

/* What recon_read and recon_end_attempt hold for a retry instead of
 * reporting (keyed rows only). */
enum recon_hold {
	RECON_HOLD_LOCKED = 1 << 0,      /* failed with UNABLE_TO_LOCK_ROW */
	RECON_HOLD_UNPROCESSED = 1 << 1  /* not processed, or in no result */
};

/* Reads one result file of the current attempt and reports its rows
 * through fn, except those hold (enum recon_hold) keeps for a retry.
 * Unprocessed rows carry reason (NULL: a generic one).  A missing or
 * empty file has no rows. */
int recon_read(struct recon *r, enum sf_result_kind kind, const char *path,
	       unsigned hold, const char *reason, recon_fn fn, void *ctx,
	       struct bs_err *err);

/* Ends the attempt: its rows that no result mentioned are reported as
 * unprocessed, with reason as the message (e.g. the job's errorMessage),
 * or held when hold has RECON_HOLD_UNPROCESSED.  Their records (names,
 * values) are read from sent, the bulk file the attempt sent (NULL:
 * reported without).  *held receives the number of rows held for a
 * retry. */
int recon_end_attempt(struct recon *r, const char *sent, unsigned hold,
		      const char *reason, recon_fn fn, void *ctx,
		      unsigned long long *held, struct bs_err *err);

/* Starts a new attempt made of the held rows; returns their number. */
unsigned long long recon_retry(struct recon *r);

/* A bulkfile_want_fn: 1 when the row with this key is held for a retry
 * (ctx is the struct recon). */
int recon_held(void *ctx, const char *key, size_t len);

/* Rows of the current attempt (all rows at first). */
unsigned long long recon_attempt_rows(const struct recon *r);

#endif
