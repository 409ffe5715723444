/*
 * sync.h - runs against the sync state (docs/state.md): the daily
 * incremental run, backfills, retry and resync, and `upload` of an export
 * directory.
 *
 * A run takes the state directory's lock, first finishes what an earlier
 * run left (files not loaded: their jobs are polled, not created again),
 * then exports what is new or changed since it was last synced (a hash of
 * each mapped record against the hash of its last successful sync), loads
 * it, and records every record's outcome.
 *
 * Only mappings with a key can be synced: an insert mapping among the
 * chosen objects is a configuration error (SYNC_REFUSED) before anything is
 * read.
 * A mapping with a watermark is pre-filtered on an incremental run (rows
 * older than the stored watermark less its lookback are not read further);
 * the watermark advances when the object's load succeeded (docs/state.md).
 * retry/resync with ids: each id that sent nothing gets a warning saying
 * what the key is, and the outcome is at least SYNC_DONE_RECORDS.
 *
 * The driver prints nothing itself: notes and warnings go through the
 * struct msg it is given, tables are the caller's (hooks, and the result),
 * and what happened comes back as a struct sync_result, with a bs_err when
 * the run stopped; the command makes the exit code of them.  Parts:
 * sync.c (the run's state machine), sync_change.c (which records a run
 * sends), sync_marks.c (watermarks), sync_prune.c (old runs' files),
 * sync_result.c (the result and its JSON encoder).
 *
 * `run` (not retry or resync) also deletes what the chosen mappings'
 * [delete] sections say is deleted (deletes.h), after the upserts, in
 * delete jobs of their own; an object over its max_deletes deletes
 * nothing, is named in a warning, and the outcome is SYNC_DONE_DELETES
 * unless a worse one applies.
 */
#ifndef SYNC_H
#define SYNC_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "export/manifest.h"
#include "formats/bs_err.h"
#include "loadreport.h"

struct config;
struct export_tick;
struct mapset;
struct msg;
struct delete_allow;
struct delete_plan;

enum sync_mode {
	SYNC_INCREMENTAL,  /* new or changed records, and failed ones */
	SYNC_FULL,         /* every record (--full, --since/--until) */
	SYNC_RETRY,        /* records that failed */
	SYNC_RESYNC        /* records that synced */
};

struct sync_opts {
	enum sync_mode mode;
	const char *since, *until;         /* backfill range, or NULL */
	const char *const *objects;        /* objects or datasets; NULL: all */
	size_t nobjects;
	const char *const *ids;            /* retry/resync: these keys only
					      (borrowed, like objects) */
	size_t nids;
	const struct delete_allow *allow;  /* run: --allow-deletes (deletes.h) */
	size_t nallow;
};

struct sync_result;

/* How a run, an upload or a plan ended.  The driver does not choose exit
 * codes: the command makes one of the outcome and the error's kind
 * (sync_env.exit_code; README "Exit codes"). */
enum sync_outcome {
	SYNC_DONE,           /* everything done */
	SYNC_DONE_RECORDS,   /* done, but records were rejected or failed (or
				an --id sent nothing, or the continued run's
				records failed) */
	SYNC_DONE_DELETES,   /* done, but an object's deletes were held back
				by its cap */
	SYNC_REFUSED,        /* insert mappings refused before anything ran:
				env->errs lists them (err clear) */
	SYNC_STOPPED         /* stopped early: err says why, and its kind how
				(BS_E_LIMIT: at an allocation checkpoint) */
};

/* What the caller shows while a run goes on; any member may be NULL. */
struct sync_hooks {
	void *ctx;
	/* after each object's bulk files are written (export_opts.progress) */
	void (*export_progress)(void *ctx, const struct manifest_object *object);
	/* while an object is read and written (export_opts.tick) */
	void (*export_tick)(void *ctx, const struct export_tick *t);
	/* after the export: res->manifest and res->work_dir are set */
	void (*exported)(void *ctx, const struct sync_result *res);
	/* after a load (the continued run's, then this run's, or upload's) */
	void (*loaded)(void *ctx, const struct load_report *load);
};

/* Where a run writes what it does not return. */
struct sync_env {
	struct msg *msg;                 /* notes and warnings (NULL: none) */
	volatile sig_atomic_t *stop;     /* set on SIGINT/SIGTERM, or NULL */
	struct bs_errlist *errs;         /* every insert mapping refused; NULL:
					    the first in err */
	struct sync_hooks hooks;
	/* the exit code of an outcome (kind: err's when SYNC_STOPPED, else
	   BS_E_NONE); the state records it with the run, so that it holds
	   the code the process exits with.  Required. */
	int (*exit_code)(enum sync_outcome outcome, enum bs_errkind kind);
};

/* An --id that sent nothing. */
struct sync_id {
	const char *id;                  /* borrowed from sync_opts */
	const char *object;              /* its record's object, or NULL */
	const char *status;              /* its record's status, or NULL */
};

/* A watermarked object after the run. */
struct sync_mark {
	const char *object;              /* borrowed from the mapset */
	char value[40];                  /* the stored watermark, or "" */
	int advanced;                    /* this run moved it */
};

/* What a run did (docs/state.md): the typed run report.  sync_result_json
 * is its one encoder (`run --json`); the load reports in it are kept in the
 * state with their runs (loadreport.h). */
struct sync_result {
	enum sync_outcome outcome;       /* how it ended */
	int code;                        /* env->exit_code of it, as recorded
					    with the run in the state */
	long long run;                   /* the run (0: none was started) */
	char mode[16];                   /* incremental, full, backfill, ... */
	int continued;                   /* an earlier run was continued ... */
	struct load_report continued_load; /* ... and this was its load */
	int continued_only;              /* it stopped again: no new run; run
					    and mode are the earlier one's */
	struct manifest *manifest;       /* the export's manifest, or NULL */
	char *work_dir;                  /* where the bulk files are, or NULL */
	int loaded;                      /* files were loaded ... */
	struct load_report load;         /* ... and this is the report */
	struct sync_id *ids;             /* --id keys that sent nothing */
	size_t nids;
	struct sync_mark *marks;         /* watermarked objects */
	size_t nmarks;
	struct delete_plan *deletes;     /* the deletes planned, one per
					    object a chosen mapping deletes
					    (deletes.h; its mapping and object
					    borrowed from the mapset), or NULL
					    when none were planned */
	size_t ndeletes;
	int deletes_held;                /* an object's deletes were held
					    back by its cap (exit 9) */
	int already_loaded;              /* upload: the folder was loaded
					    by run (nothing sent), which
					    finished then with this code */
	char loaded_finished[32];
	int loaded_code;
};

void sync_result_init(struct sync_result *res);
void sync_result_release(struct sync_result *res);
/* The run's report for machines (NULL: out of memory): run, mode,
 * exit_code, resumed (the continued run's load), export (the manifest),
 * load, ids_not_sent, watermarks, deletes; null for what the run did not
 * do (a continued run that stopped again has no ids_not_sent, watermarks
 * or deletes). */
json_t *sync_result_json(const struct sync_result *res);
/* One object's planned deletes as the report has them (also a plan's):
 * {object, operation, marked, missing, missing_checked,
 * missing_not_checked_because, never_synced, already_deleted,
 * held_as_synced, max_deletes, allowed_by_option, over_cap}; NULL when out
 * of memory. */
json_t *sync_delete_plan_json(const struct delete_plan *p);

/* `billsync run`, `retry`, `resync` with cfg and maps loaded.  Fills *res
 * (initialised here; release it).  Returns 0 when the run finished (res
 * ->outcome one of the SYNC_DONE*), -1 when it stopped early (res->outcome
 * SYNC_REFUSED or SYNC_STOPPED, err why); res->code is env->exit_code's
 * for the outcome. */
int sync_run(const struct config *cfg, const struct mapset *maps,
	     const struct sync_opts *o, const struct sync_env *env,
	     struct sync_result *res, struct bs_err *err);

/* `billsync upload DIR`: loads an export directory, resuming an earlier
 * upload of the same directory unless restart is set; failures NULL:
 * DIR/failures.csv.  res->load is the report (res->loaded set), and
 * res->run the upload's run; returns as sync_run. */
int sync_upload(const struct config *cfg, const char *dir,
		const char *failures, int restart, const struct sync_env *env,
		struct sync_result *res, struct bs_err *err);

/* Records code as run's exit code when the process ends with another code
 * than the driver returned (its report could not be written to standard
 * output): the state holds the exit code the process exits with. */
int sync_record_exit(const struct config *cfg, long long run, int code,
		     struct bs_err *err);

#endif
