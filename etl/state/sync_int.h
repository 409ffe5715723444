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

struct config;
struct export_unchanged;
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

/* Why a record is sent, or not. */
enum sync_why {
	SYNC_WHY_NEW,        /* no record of it */
	SYNC_WHY_CHANGED,    /* synced before with other values */
	SYNC_WHY_RETRY,      /* failed, or left pending by a run that stopped */
	SYNC_WHY_RESEND,     /* unchanged, sent anyway (--full, resync) */
	SYNC_WHY_UNCHANGED   /* not sent */
};

struct sync_verdict {
	int send;            /* the command sends it */
	int forced;          /* as state_record_sending takes it */
	long id;             /* the --id it is (0 without --id) */
	enum sync_why why;
};

/* The change store's word on a mapped record whose row hashes to h (c->st
 * NULL: no state, every record is new): 1 send, 0 not, -1 with err.  Used
 * by runs and plans alike, so that a plan counts what a run sends. */
int sync_verdict(struct change *c, const struct mapping *m, const char *key,
		 size_t key_len, const struct state_hash *h,
		 struct sync_verdict *v, struct bs_err *err);

/* 1 when the mapping is one the command works on. */
int sync_selected_map(const struct sync_opts *o, const struct mapping *m);
/* Refuses each insert mapping among the chosen objects: each is added to
 * errs (err untouched), or the first is err when errs is NULL; 0 when
 * there is none, -1 (a configuration mistake, exit 3) when there are. */
int sync_refuse_inserts(const struct mapset *maps, const struct sync_opts *o,
			struct bs_errlist *errs, struct bs_err *err);
/* export_opts.keep, .unchanged and .skipped (ctx: struct change);
 * sync_unchanged tells an incremental run's export, in one pass over the
 * change store in key order, which rows are as last synced (keep would
 * not send them either), so that keep is asked only of the others. */
int sync_keep_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *row, size_t row_len,
		  const char *source, unsigned long line, struct bs_err *err);
extern const struct export_unchanged sync_unchanged;
int sync_skip_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *filter, const char *source,
		  unsigned long line, struct bs_err *err);
/* export_opts.held (ctx: struct change): 1 when the state holds key as a
 * record Salesforce has (any status but skipped and deleted). */
int sync_held_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, struct bs_err *err);
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
/* After loading (load NULL: nothing loaded; outcome: the run's so far):
 * stores the newest watermark of each object whose load succeeded and
 * lists every watermarked object in res. */
int sync_marks_after_load(struct change *c, const struct manifest *manifest,
			  const struct load_report *load,
			  enum sync_outcome outcome, struct sync_result *res,
			  struct bs_err *err);

/* ---- sync.c: shared with plan.c ----------------------------------- */

struct export_opts;

/* The exit code env->exit_code makes of outcome (err's kind when
 * SYNC_STOPPED), to record with a run. */
int sync_code(const struct sync_env *env, enum sync_outcome outcome,
	      const struct bs_err *err);
/* Checks what can be checked before the state is touched: the chosen
 * objects, insert mappings, and (check_sf) the [salesforce] and [load]
 * settings.  SYNC_DONE, or SYNC_REFUSED (env->errs) or SYNC_STOPPED (err). */
enum sync_outcome sync_precheck(const struct config *cfg,
				const struct mapset *maps,
				const struct sync_opts *o,
				const struct sync_env *env, int check_sf,
				struct bs_err *err);
/* The export options of a run of c into out_dir; cap: the newest
 * watermark value kept (the run's start). */
int sync_export_opts(const struct config *cfg, const struct sync_env *env,
		     struct change *c, const char *out_dir, const char *cap,
		     struct export_opts *eo, struct bs_err *err);
/* "incremental", "full", "backfill", "retry", "resync". */
const char *sync_mode_name(const struct sync_opts *o);

/* ---- sync_prune.c: housekeeping ------------------------------------ */

/* Removes path and everything under it (errors ignored). */
void sync_remove_tree(const char *path);

/* Removes the bulk files of finished runs before current, but the last
 * SYNC_KEEP_RUN_DIRS, and the record history of runs before the last
 * HISTORY_KEEP_RUNS (history.h).  Housekeeping: a failure is no error. */
#define SYNC_KEEP_RUN_DIRS 3
void sync_prune_runs(struct state *st, long long current);

#endif
