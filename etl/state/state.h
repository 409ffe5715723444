/*
 * state.h - what lasts between runs, in the state directory: runs, their
 * bulk files and Salesforce jobs, and every record's outcome, in SQLite
 * (STATE/billsync.db, write-ahead log, so a killed run loses nothing it
 * committed).  One run at a time per directory: state_open takes a lock
 * (STATE/lock) that a second process is refused with BS_E_LOCKED.
 *
 * Records are keyed by object and key (the external ID).  Each keeps the
 * hash of what was last synced successfully, which is how an incremental
 * run knows a record is unchanged (docs/state.md):
 *
 *     pending   written to a bulk file of the current run, outcome unknown
 *     retried   a record that failed before, sent again, outcome unknown
 *     synced    Salesforce took it (created or updated)
 *     resynced  Salesforce took it again on request (resync, or --full for
 *               an unchanged record)
 *     failed    Salesforce refused it (error code and message kept), or it
 *               was left unprocessed
 *     skipped   a filter of the mapping left it out
 *     deleted   billsync deleted it in Salesforce (or found it gone there)
 *
 * The store's memory is SQLite's page cache (bounded), whatever the number
 * of records.  All functions return 0 or -1 with err set (BS_E_IO for the
 * database).  Not thread-safe: one thread uses a handle (the loader calls
 * its hooks one at a time).
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#include "formats/bs_err.h"

struct state;

enum state_rec_status {
	REC_PENDING, REC_RETRIED, REC_SYNCED, REC_RESYNCED, REC_FAILED,
	REC_SKIPPED, REC_DELETED
};
#define REC_COUNT (REC_DELETED + 1)
const char *state_rec_status_name(enum state_rec_status s);
int state_rec_status_parse(const char *name, enum state_rec_status *s);

/* A 128-bit hash of a mapped record (its encoded CSV row); the records
 * keep its first 64 bits (h[0]). */
struct state_hash {
	uint64_t h[2];
};
void state_hash_row(const char *row, size_t len, struct state_hash *out);
/* The part of it a record keeps: state_hash_row's h[0]. */
uint64_t state_hash_row64(const char *row, size_t len);

/* Opens (creating) the state directory and takes its lock; another process
 * holding it is a BS_E_LOCKED error naming its pid.  dir is copied. */
struct state *state_open(const char *dir, struct bs_err *err);
/* Commits a transaction left open (state_begin), closes the database,
 * releases the lock (when st holds it) and frees st; NULL is harmless. */
void state_close(struct state *st);
/* 1 when a process holds dir's lock now (a run is going on), else 0. */
int state_lock_held(const char *dir);
const char *state_dir(const struct state *st);

/* ---- runs ------------------------------------------------------------- */

enum state_run_phase {
	RUN_EXPORTING,   /* writing bulk files: redone on resume */
	RUN_LOADING,     /* files written: resume loads what is left */
	RUN_DONE,
	RUN_FAILED,      /* ended by an error; resume loads what is left */
	RUN_PAUSED       /* stopped at an allocation checkpoint */
};
const char *state_run_phase_name(enum state_run_phase p);

struct state_run {
	long long id;
	char command[16];        /* run, upload, retry, resync */
	char mode[16];           /* incremental, full, backfill, retry, resync */
	char started_at[32];
	char work_dir[1024];     /* where its bulk files are */
	char options[512];       /* its options as typed ("--since D ..."), or "" */
	enum state_run_phase phase;
};

/* Starts a run (phase RUN_EXPORTING); fills *run. */
int state_run_begin(struct state *st, const char *command, const char *mode,
		    const char *options, struct state_run *run,
		    struct bs_err *err);
int state_run_set_work_dir(struct state *st, long long run,
			   const char *work_dir, struct bs_err *err);
/* exit_code -1: none (a run that never finished, closed by a later one). */
int state_run_set_phase(struct state *st, long long run,
			enum state_run_phase phase, int exit_code,
			const char *message, const char *report_json,
			struct bs_err *err);
/* Records the exit code the process exits with (the phase's may be
 * raised after it: rejected rows, --id that sent nothing). */
int state_run_set_exit(struct state *st, long long run, int exit_code,
		       struct bs_err *err);
/* The latest run of command on work_dir that ended done with every file
 * loaded: 1 with *run, its exit code and finish time, 0 if none. */
int state_run_last_done(struct state *st, const char *command,
			const char *work_dir, struct state_run *run,
			int *exit_code, char finished[32], struct bs_err *err);
/* The latest run that has work left (phase LOADING, FAILED or PAUSED with
 * files not done, or EXPORTING); 1 and *run filled, 0 if none. */
int state_run_unfinished(struct state *st, struct state_run *run,
			 struct bs_err *err);

/* ---- files and jobs (the job ledger) ----------------------------------- */

enum state_file_status {
	FILE_PENDING, FILE_LOADING, FILE_DONE, FILE_FAILED, FILE_UNFINISHED
};

/* Registers a bulk file of a run (path relative to the work dir). */
int state_file_add(struct state *st, long long run, const char *path,
		   const char *object, unsigned long long rows,
		   struct bs_err *err);
int state_file_set(struct state *st, long long run, const char *path,
		   enum state_file_status status, struct bs_err *err);
/* The file's status and the id of the attempt-0 job created for it (""
 * if none); 0 if the file is not registered. */
int state_file_get(struct state *st, long long run, const char *path,
		   enum state_file_status *status, char job_id[32],
		   struct bs_err *err);
/* Records a job the moment Salesforce created it (committed at once). */
int state_job_add(struct state *st, long long run, const char *path,
		  const char *job_id, unsigned attempt,
		  unsigned long long rows, const char *object,
		  struct bs_err *err);
int state_job_update(struct state *st, const char *job_id, const char *state,
		     unsigned long long processed, unsigned long long failed,
		     const char *error_message, struct bs_err *err);

/* ---- records ----------------------------------------------------------- */

/* Batches record changes in one transaction (commit with state_commit):
 * much faster for millions of records.  Job and run changes commit on
 * their own. */
int state_begin(struct state *st, struct bs_err *err);
int state_commit(struct state *st, struct bs_err *err);
/* Undoes what was written since state_begin (an export that failed). */
void state_rollback(struct state *st);

struct state_record {
	enum state_rec_status status;
	int has_hash;
	uint64_t hash;             /* last successful sync: a state_hash's h[0] */
	unsigned attempts;
};

/* 1 and *r filled if the record is known, 0 if not. */
int state_record_get(struct state *st, const char *object, const char *key,
		     size_t key_len, struct state_record *r,
		     struct bs_err *err);
/* The record is in a bulk file of run (status pending, or retried when it
 * failed before; resynced-to-be when forced); remembers the hash sent. */
int state_record_sending(struct state *st, long long run, const char *object,
			 const char *key, size_t key_len,
			 const struct state_hash *hash, int forced,
			 const char *source, unsigned long line,
			 struct bs_err *err);
/* A filter left it out. */
int state_record_skipped(struct state *st, long long run, const char *object,
			 const char *key, size_t key_len, const char *filter,
			 const char *source, unsigned long line,
			 struct bs_err *err);
/* Salesforce's word on it: success (sf_id) or failure (code, message). */
int state_record_outcome(struct state *st, long long run, const char *object,
			 const char *key, int success, const char *sf_id,
			 const char *error_code, const char *error_message,
			 struct bs_err *err);

/* ---- records in key order ---------------------------------------------- */

/* An object's records read in key order, for keys asked in that order:
 * bytes, then a shorter key first (SQLite's order of text).  One pass
 * over the object's part of the records' B-tree instead of a probe per
 * key, which reads a page at random for each once the state outgrows its
 * page cache (docs/performance.md); a key far ahead of the last one is
 * found by a probe.  Nothing may be written to the records while one is
 * open. */
struct state_scan;

/* *out is the scan, or NULL when object has no records (0 either way);
 * -1 with err. */
int state_scan_open(struct state *st, const char *object,
		    struct state_scan **out, struct bs_err *err);
/* key's record: 1 and *r filled, or 0 when it has none; keys come in
 * increasing order (a key asked before a smaller one is an error). */
int state_scan_get(struct state_scan *sc, const char *key, size_t key_len,
		   struct state_record *r, struct bs_err *err);
void state_scan_close(struct state_scan *sc);

/* ---- deletes (docs/state.md, "Deletes") ------------------------------- */

/* A delete of run: object's record key, Salesforce id sf_id, goes in a
 * delete job (reason: "marked" or "missing"; source and line: the marker
 * row, or NULL).  Batched like record changes: commit it before the job
 * can be created. */
int state_delete_planned(struct state *st, long long run, const char *object,
			 const char *sf_id, const char *key, const char *reason,
			 const char *source, unsigned long line,
			 struct bs_err *err);
/* Salesforce's word on a planned delete, by the Id the job sent: deleted
 * (status deleted, its hash forgotten, so a row that comes back is sent
 * again; error_code/message say how when it was already gone) or not
 * (status failed with the error). */
int state_delete_outcome(struct state *st, long long run, const char *object,
			 const char *sf_id, int deleted, const char *error_code,
			 const char *error_message, struct bs_err *err);

/* ---- kept values (docs/state.md, "Field-level diffs") ----------------- */

/* The values a record was last synced with, as Salesforce confirmed them
 * (a job's successful result: what it took), for `billsync plan` to show
 * what changed since.  Kept per record in tables of their own (not in
 * records), compactly: the column names once per object and set of
 * columns, the values deflated when that is smaller. */
struct bs_value;

/* Keeps n columns of a record synced now (names[i] = values[i]; names
 * beginning "sf__" are Salesforce's own and left out), replacing what was
 * kept; n 0: what it took is not known, nothing is kept.  Batched like
 * record outcomes. */
int state_values_keep(struct state *st, const char *object, const char *key,
		      size_t n, const char *const *names,
		      const struct bs_value *values, struct bs_err *err);
/* Forgets every value kept for object (a mapping that keeps none, e.g.
 * keep_values = no: values kept before would go stale); cheap when none
 * are kept, and done once per object per handle. */
int state_values_forget_object(struct state *st, const char *object,
			       struct bs_err *err);

struct state_values {
	size_t n;
	const char *const *names;
	const struct bs_value *values;   /* each NUL-terminated */
};
/* The values kept for a record: 1 and *out (valid until the next call on
 * st), 0 when none are kept (synced before values were kept, by a mapping
 * that keeps none, or a state written before billsync kept values). */
int state_values_get(struct state *st, const char *object, const char *key,
		     size_t key_len, struct state_values *out,
		     struct bs_err *err);
/* Records with values kept, and the bytes their tables take (0 when
 * SQLite has no dbstat table): for make bench. */
int state_values_size(struct state *st, unsigned long long *records,
		      unsigned long long *bytes, struct bs_err *err);

/* ---- watermarks (docs/state.md, "Watermark") -------------------------- */

/* The newest watermark value of an object's last successful incremental or
 * full run, with the hash of the mapping file it was read under (a changed
 * mapping makes it void: every row is read again). */
struct state_watermark {
	char value[40];              /* "YYYY-MM-DDTHH:MM:SS.sssZ" */
	struct state_hash mapping;
	long long run;               /* the run that stored it */
};

/* 1 and *w filled if object has one, 0 if not. */
int state_watermark_get(struct state *st, const char *object,
			struct state_watermark *w, struct bs_err *err);
/* Stores (replaces) it; committed at once. */
int state_watermark_set(struct state *st, const char *object,
			const char *value, const struct state_hash *mapping,
			long long run, struct bs_err *err);
/* Forgets it (the next incremental run reads every row); committed at once. */
int state_watermark_clear(struct state *st, const char *object,
			  struct bs_err *err);

/* How many of object's bulk files of run are not done. */
int state_files_left(struct state *st, long long run, const char *object,
		     unsigned long long *n, struct bs_err *err);

/* Iterates records: object/status/since may be NULL; fn gets each row's
 * columns by name (object, key, status, sf_id, error_code, error_message,
 * run, attempts, source, line, updated_at, synced_at); a non-zero return
 * stops. */
struct state_row {
	const char *object, *key, *status, *sf_id, *error_code,
		*error_message, *source, *updated_at, *synced_at;
	long long run, attempts, line;
};
int state_records_each(struct state *st, const char *object,
		       const char *status, const char *since,
		       int (*fn)(void *ctx, const struct state_row *r),
		       void *ctx, struct bs_err *err);

/* Counts by status (indexed by enum state_rec_status) for an object (or
 * all objects when object is NULL). */
int state_record_counts(struct state *st, const char *object,
			unsigned long long counts[REC_COUNT],
			struct bs_err *err);

/* ---- reading while a run may be writing (status, records) ------------- */

/* 1 if dir holds a state database (some run has started there). */
int state_exists(const char *dir);

/* Opens an existing state database for reading only: no lock (a run may
 * hold it: SQLite's write-ahead log lets readers see its last commit), no
 * directory or schema created (SQLite may add its -wal and -shm files, as
 * for any reader, so the directory must be writable: it is its owner's).
 * No database is a BS_E_INPUT error "no runs yet: DIR has no billsync.db";
 * another schema version is BS_E_INPUT too.  Only the reading functions
 * work on it (writing ones fail with a read-only error).  Close with
 * state_close. */
struct state *state_open_readonly(const char *dir, struct bs_err *err);

/* A read transaction: what is read until state_read_end is one snapshot
 * of the state (a run committing meanwhile is not seen). */
int state_read_begin(struct state *st, struct bs_err *err);
void state_read_end(struct state *st);

/* The names of the objects that have records, in order; fn as above. */
int state_objects_each(struct state *st,
		       int (*fn)(void *ctx, const char *object), void *ctx,
		       struct bs_err *err);

/* Which records state_records_find picks; a NULL member matches all. */
struct state_filter {
	const char *object;   /* exact name (state_objects_each spells them) */
	const char *key;
	const char *status;   /* a state_rec_status_name */
	const char *since;    /* updated_at at or after: "YYYY-MM-DD" or
				 "YYYY-MM-DDTHH:MM:SS.sssZ" (UTC) */
};

/* Records matching f, by object and key, one at a time (memory does not
 * grow with their number); fn as for state_records_each. */
int state_records_find(struct state *st, const struct state_filter *f,
		       int (*fn)(void *ctx, const struct state_row *r),
		       void *ctx, struct bs_err *err);
/* The database's size in bytes, as its file will be once the
 * write-ahead log is folded in (page count times page size): for make
 * bench. */
int state_size(struct state *st, unsigned long long *bytes,
	       struct bs_err *err);
/* How many records match f. */
int state_records_count(struct state *st, const struct state_filter *f,
			unsigned long long *n, struct bs_err *err);

/* The exit code of the latest run before run (of any run when run is 0)
 * that has one: 1 and *code set, 0 if there is none. */
int state_previous_exit_code(struct state *st, long long run, int *code,
			     struct bs_err *err);

/* ---- runs with their files and jobs (`billsync status`) --------------- */

/* A Salesforce job of a bulk file (the job ledger's row). */
struct state_job_info {
	char *id;
	long long attempt, rows, processed, failed;
	char *state;
	char *error_message;          /* or NULL */
};

/* A bulk file of a run, with its jobs in the order they were created. */
struct state_file_info {
	char *path;                   /* relative to the run's work_dir */
	char *object;
	long long rows;
	char *status;                 /* pending, loading, done, ... */
	struct state_job_info *jobs;
	size_t njobs;
};

/* A run as the runs table has it; a NULL string was never set. */
struct state_run_info {
	long long id;
	char *command, *mode, *options, *started_at, *finished_at, *phase;
	int has_exit_code;            /* 0: no exit code (going on, or killed) */
	int exit_code;
	char *message, *work_dir;
	char *report;                 /* its load report as stored: JSON text
					 (loadreport.h decodes it), or NULL */
	struct state_file_info *files;   /* by path */
	size_t nfiles;
};

/* Runs read with their files and jobs; every string is owned here. */
struct state_runs {
	struct state_run_info *runs;
	size_t n;
};

/* The last limit runs (-1: all), newest first, into *out (initialised
 * here; release it, also after a failure). */
int state_runs_read(struct state *st, int limit, struct state_runs *out,
		    struct bs_err *err);
/* Run id into *out: 1 if it exists, 0 if not (out->n 0), -1 with err. */
int state_run_read(struct state *st, long long id, struct state_runs *out,
		   struct bs_err *err);
void state_runs_release(struct state_runs *runs);

#endif
