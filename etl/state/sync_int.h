/*
 * sync_int.h - what the parts of the sync driver share: the run state
 * machine (sync.c), which records a run sends (sync_change.c), the
 * watermarks (sync_marks.c) and the housekeeping of old runs
 * (sync_prune.c).  Not for use outside etl/state/sync*.c.
 */
#ifndef SYNC_INT_H
#define SYNC_INT_H

#include "export/manifest.h"
#include "map/datetime.h"
#include "state.h"
#include "sync.h"

struct mapping;
struct mapset;
struct msg;

/* A mapping's watermark for this run (docs/state.md, "Watermark"). */
struct mark {
	int has_hash;
	struct state_hash hash;         /* of the mapping file */
	char floor[DT_ISO_LEN + 1];     /* "" when every row is read */
	char stored[40];                /* the stored watermark, or "" */
};

/* One run's view of what it sends, handed to the export's keep/skip
 * hooks (export.h) as their ctx. */
struct change {
	struct state *st;
	long long run;
	const struct sync_opts *o;
	const struct mapset *maps;
	struct msg *msg;
	struct mark *marks;             /* one per mapping of maps */
	unsigned char *id_sent;         /* one per o->ids: something sent */
	struct deletes *del;            /* NULL: no chosen mapping deletes */
};

/* ---- sync_change.c: which records a run sends ---------------------- */

/* 1 when the mapping is one the command works on. */
int sync_selected_map(const struct sync_opts *o, const struct mapping *m);
/* Refuses each insert mapping among the chosen objects: each is added to
 * errs (err untouched), or the first is err when errs is NULL; 0 when
 * there is none, -1 (a configuration mistake, exit 3) when there are. */
int sync_refuse_inserts(const struct mapset *maps, const struct sync_opts *o,
			struct bs_errlist *errs, struct bs_err *err);
/* export_opts.keep and .skipped (ctx: struct change). */
int sync_keep_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *row, size_t row_len,
		  const char *source, unsigned long line, struct bs_err *err);
int sync_skip_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *filter, const char *source,
		  unsigned long line, struct bs_err *err);
/* Warns of each --id that sent nothing, saying what it is, and lists them
 * in res (before loading: the statuses are the export's); 0 or -1. */
int sync_ids_not_sent(struct change *c, struct sync_result *res,
		      struct bs_err *err);

/* ---- sync_marks.c: watermarks -------------------------------------- */

/* Reads the chosen mappings' stored watermarks, and for an incremental
 * run the floor below which rows are not read. */
int sync_marks_prepare(struct change *c, struct bs_err *err);
/* export_opts.watermark_floor (ctx: struct change). */
const char *sync_mark_floor(void *ctx, const struct mapping *m);
/* Before loading: a run other than an incremental one forgets the
 * watermark of each object it sends records of. */
int sync_marks_before_load(struct change *c, const struct manifest *manifest,
			   struct bs_err *err);
/* After loading (load NULL: nothing loaded; code: the run's exit code so
 * far): stores the newest watermark of each object whose load succeeded
 * and lists every watermarked object in res. */
int sync_marks_after_load(struct change *c, const struct manifest *manifest,
			  const struct load_report *load, int code,
			  struct sync_result *res, struct bs_err *err);

/* ---- sync_prune.c: housekeeping ------------------------------------ */

/* Removes the bulk files of finished runs before current, but the last
 * SYNC_KEEP_RUN_DIRS, and the record history of runs before the last
 * HISTORY_KEEP_RUNS (history.h).  Housekeeping: a failure is no error. */
#define SYNC_KEEP_RUN_DIRS 3
void sync_prune_runs(struct state *st, long long current);

#endif
