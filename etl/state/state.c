/* state.c - the SQLite store of runs, jobs and record outcomes (see
 * state.h and docs/state.md). */
#include "state.h"
#include "state_int.h"
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/clock.h"
#include "formats/hash.h"

/* Statuses are numbers here, enum state_rec_status + 1 (the rows of the
 * history's `statuses`): 1 pending, 2 retried, 3 synced, 4 resynced,
 * 5 failed, 6 skipped, 7 deleted.  Records are keyed by object id and
 * key (state_schema.c). */

/* An ON CONFLICT clause's test: the record is skipped by the same filter. */
#define SAME_SKIP "(recs.status = 6 AND " \
	"recs.error_message IS excluded.error_message)"
/* synced_at NULL means updated_at: kept when updated_at moves on. */
#define KEEP_SYNCED_AT "synced_at = CASE WHEN recs.synced_at IS NULL AND " \
	"recs.status IN (3, 4) THEN recs.updated_at ELSE recs.synced_at END"
/* An outcome (status st) of run ?5 at time now folds in the record's
 * pending state of that run: pending_ms keeps how long before the outcome
 * it was sent, and the history trigger makes no event of it; the same
 * outcome written again keeps when it was sent. */
#define FOLD_PENDING(st, now) "pending_ms = CASE WHEN recs.run IS NOT ?5 " \
	"THEN NULL WHEN recs.status = 1 THEN " now " - recs.updated_at " \
	"WHEN recs.status = " st " THEN " now " - recs.updated_at + " \
	"recs.pending_ms END"

static const char *const stmt_sql[S_COUNT] = {
	[S_REC_GET] =
	"SELECT status, hash, attempts FROM recs WHERE obj = ?1 AND key = ?2",
	[S_REC_SENDING] =
	"INSERT INTO recs (obj, key, status, sending_hash, forced, run, "
	"attempts, source, line, updated_at) VALUES (?1, ?2, 1, ?3, ?4, "
	"?5, 1, ?6, ?7, ?8) ON CONFLICT (obj, key) DO UPDATE SET "
	"status = CASE WHEN recs.status IN (5, 2) THEN 2 ELSE 1 END, "
	"sending_hash = excluded.sending_hash, "
	"forced = excluded.forced, run = excluded.run, "
	"attempts = recs.attempts + 1, source = excluded.source, "
	"line = excluded.line, " KEEP_SYNCED_AT ", pending_ms = NULL, "
	"updated_at = excluded.updated_at",
	/* a record skipped by the same filter as before keeps its run and
	   updated_at (only where its row is may move), so `records --since`
	   lists it once, when it became skipped */
	[S_REC_SKIPPED] =
	"INSERT INTO recs (obj, key, status, error_message, run, source, "
	"line, updated_at) VALUES (?1, ?2, 6, ?3, ?4, ?5, ?6, ?7) "
	"ON CONFLICT (obj, key) DO UPDATE SET "
	"run = CASE WHEN " SAME_SKIP " THEN recs.run ELSE excluded.run END, "
	KEEP_SYNCED_AT ", "
	"updated_at = CASE WHEN " SAME_SKIP " THEN recs.updated_at "
	"ELSE excluded.updated_at END, "
	"error_code = CASE WHEN " SAME_SKIP " THEN recs.error_code "
	"ELSE NULL END, "
	"status = 6, error_message = excluded.error_message, "
	"source = excluded.source, line = excluded.line, pending_ms = NULL "
	"WHERE NOT (" SAME_SKIP ") OR recs.source IS NOT excluded.source "
	"OR recs.line IS NOT excluded.line",
	/* the hash sent becomes the record's (kept when an outcome is
	   written twice: a resumed run reads results again) */
	[S_REC_OK] =
	"UPDATE recs SET status = CASE WHEN forced THEN 4 ELSE 3 END, "
	"hash = coalesce(sending_hash, hash), sending_hash = NULL, sf_id = ?3, "
	"error_code = NULL, error_message = NULL, synced_at = NULL, "
	FOLD_PENDING("CASE WHEN forced THEN 4 ELSE 3 END", "?4") ", "
	"updated_at = ?4, run = ?5 WHERE obj = ?1 AND key = ?2",
	[S_REC_FAIL] =
	"UPDATE recs SET status = 5, error_code = ?3, error_message = ?4, "
	KEEP_SYNCED_AT ", " FOLD_PENDING("5", "?6") ", updated_at = ?6, "
	"run = ?5 WHERE obj = ?1 AND key = ?2",
	[S_FILE_ADD] =
	"INSERT OR IGNORE INTO files (run, path, object, rows, status, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
	[S_FILE_SET] =
	"UPDATE files SET status = ?3, updated_at = ?4 WHERE run = ?1 AND path = ?2",
	[S_FILE_GET] =
	"SELECT f.status, (SELECT id FROM jobs WHERE run = f.run AND "
	"path = f.path AND attempt = 0 ORDER BY created_at DESC LIMIT 1) "
	"FROM files f WHERE f.run = ?1 AND f.path = ?2",
	[S_JOB_ADD] =
	"INSERT OR REPLACE INTO jobs (id, run, path, attempt, object, rows, "
	"state, processed, failed, created_at, updated_at) VALUES (?1, ?2, ?3, "
	"?4, ?5, ?6, 'Open', 0, 0, ?7, ?7)",
	[S_JOB_UPDATE] =
	"UPDATE jobs SET state = ?2, processed = ?3, failed = ?4, "
	"error_message = ?5, updated_at = ?6 WHERE id = ?1",
	[S_DEL_ADD] =
	"INSERT OR REPLACE INTO deletes (run, object, sf_id, key, reason, "
	"source, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* a deleted record forgets its hash: if its row comes back, it is
	   sent (and created) again */
	[S_DEL_OK] =
	"UPDATE recs SET status = 7, hash = NULL, error_code = ?4, "
	"error_message = ?5, " KEEP_SYNCED_AT ", pending_ms = NULL, "
	"updated_at = ?6, run = ?1 "
	"WHERE obj = ?7 AND key = (SELECT key FROM deletes WHERE run = ?1 AND "
	"object = ?2 AND sf_id = ?3)",
	[S_DEL_FAIL] =
	"UPDATE recs SET status = 5, error_code = ?4, error_message = ?5, "
	KEEP_SYNCED_AT ", pending_ms = NULL, updated_at = ?6, run = ?1 WHERE "
	"obj = ?7 AND "
	"key = (SELECT key FROM deletes WHERE run = ?1 AND object = ?2 AND "
	"sf_id = ?3)",
};

/* ---- helpers ---------------------------------------------------------- */

void state_stamp(struct state *st)
{
	struct timespec ts;

	clock_iso_now(st->now);
	clock_gettime(CLOCK_REALTIME, &ts);   /* the records' times */
	st->now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int state_db_error(struct state *st, struct bs_err *err, const char *what)
{
	return bs_err_at(err, BS_E_IO, st->dir, 0, "state database: %s: %s",
			 what, st->db ? sqlite3_errmsg(st->db) : "not open");
}

int state_exec(struct state *st, const char *sql, struct bs_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		bs_err_at(err, BS_E_IO, st->dir, 0, "state database: %s",
			  msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Resets and binds a cached statement: fmt letters t (text, NULL ok),
 * n (text with length: const char *, size_t), i (long long), h (the 64
 * bits of a struct state_hash the records keep, NULL ok). */
static sqlite3_stmt *bind(struct state *st, enum stmt_id id, const char *fmt,
			  ...)
{
	sqlite3_stmt *s = st->stmt[id];
	va_list ap;
	int i = 1;

	if (!s && sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
				     SQLITE_PREPARE_PERSISTENT, &st->stmt[id],
				     NULL) != SQLITE_OK)
		return NULL;   /* step_done says why */
	s = st->stmt[id];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	va_start(ap, fmt);
	for (; *fmt; fmt++, i++) {
		if (*fmt == 't') {
			const char *v = va_arg(ap, const char *);

			if (v)
				sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
		} else if (*fmt == 'n') {
			const char *v = va_arg(ap, const char *);
			size_t len = va_arg(ap, size_t);

			sqlite3_bind_text(s, i, v, (int)len, SQLITE_STATIC);
		} else if (*fmt == 'i') {
			sqlite3_bind_int64(s, i, va_arg(ap, long long));
		} else if (*fmt == 'h') {
			const struct state_hash *h = va_arg(ap,
							    const struct state_hash *);

			if (h)
				sqlite3_bind_int64(s, i, (sqlite3_int64)h->h[0]);
		}
	}
	va_end(ap);
	return s;
}

static int step_done(struct state *st, sqlite3_stmt *s, struct bs_err *err,
		     const char *what)
{
	int r;

	if (!s)
		return state_db_error(st, err, what);
	r = sqlite3_step(s);
	sqlite3_reset(s);
	if (r != SQLITE_DONE)
		return state_db_error(st, err, what);
	return 0;
}

/* ---- hashing ---------------------------------------------------------- */

void state_hash_row(const char *row, size_t len, struct state_hash *out)
{
	out->h[0] = state_hash_row64(row, len);
	out->h[1] = hash64(row, len, HASH_SEED_B);
}

uint64_t state_hash_row64(const char *row, size_t len)
{
	return hash64(row, len, HASH_SEED_A);
}

/* ---- names ------------------------------------------------------------ */

static const char *const rec_names[] = {
	"pending", "retried", "synced", "resynced", "failed", "skipped",
	"deleted"
};

const char *state_rec_status_name(enum state_rec_status s)
{
	return rec_names[s];
}

int state_rec_status_parse(const char *name, enum state_rec_status *s)
{
	size_t i;

	for (i = 0; i < sizeof(rec_names) / sizeof(rec_names[0]); i++) {
		if (!strcmp(name, rec_names[i])) {
			*s = (enum state_rec_status)i;
			return 0;
		}
	}
	return -1;
}

static const char *const phase_names[] = {
	"exporting", "loading", "done", "failed", "paused"
};

const char *state_run_phase_name(enum state_run_phase p)
{
	return phase_names[p];
}

static const char *const file_names[] = {
	"pending", "loading", "done", "failed", "unfinished"
};

/* ---- open and close --------------------------------------------------- */

static int take_lock(struct state *st, struct bs_err *err)
{
	char path[4096], pid[32] = "";
	ssize_t n;

	snprintf(path, sizeof(path), "%s/lock", st->dir);
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot open: %s",
				 strerror(errno));
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(st->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(st->lock_fd);
		st->lock_fd = -1;
		return bs_err_at(err, BS_E_LOCKED, st->dir, 0, "another billsync "
				 "run%s%s%s is using this state directory; wait "
				 "for it to finish", pid[0] ? " (pid " : "", pid,
				 pid[0] ? ")" : "");
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(st->lock_fd, 0) != 0 ||
	    pwrite(st->lock_fd, pid, strlen(pid), 0) < 0)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot write");
	return 0;
}

int state_lock_held(const char *dir)
{
	char path[4096];
	int fd, held;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0;
	close(fd);   /* lets go of the shared lock it took, if any */
	return held;
}

struct state *state_alloc(const char *dir, struct bs_err *err)
{
	struct state *st = calloc(1, sizeof(*st));

	if (!st || !(st->dir = strdup(dir))) {
		free(st);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	st->lock_fd = -1;
	return st;
}

int state_prepare_all(struct state *st, struct bs_err *err)
{
	size_t i;

	for (i = 0; i < S_LAZY; i++)
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK)
			return state_db_error(st, err, "prepare");
	return 0;
}

struct state *state_open(const char *dir, struct bs_err *err)
{
	struct state *st = state_alloc(dir, err);
	char path[4096], pragmas[256];

	if (!st)
		return NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		bs_err_at(err, BS_E_IO, dir, 0, "cannot create the state "
			  "directory: %s", strerror(errno));
		goto fail;
	}
	if (take_lock(st, err) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/billsync.db", dir);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		state_db_error(st, err, "open");
		goto fail;
	}
	/* synchronous = FULL: a commit is on disk when it returns, so a job
	   id committed before the job is used survives a power loss too
	   (NORMAL could roll the last commits back); outcomes are committed
	   in batches, so the syncs cost little */
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
		 "PRAGMA cache_size = -%d; PRAGMA busy_timeout = 5000;",
		 STATE_CACHE_KIB);
	if (state_exec(st, pragmas, err) < 0 ||
	    state_schema_setup(st, err) < 0 || state_prepare_all(st, err) < 0)
		goto fail;
	state_stamp(st);
	return st;
fail:
	state_close(st);
	return NULL;
}

void state_close(struct state *st)
{
	size_t i;

	if (!st)
		return;
	if (st->in_tx && st->db)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	state_values_release(st);
	sqlite3_close(st->db);
	state_ids_forget(st);
	if (st->lock_fd >= 0)
		close(st->lock_fd);   /* releases the lock */
	free(st->dir);
	free(st);
}

const char *state_dir(const struct state *st)
{
	return st->dir;
}

int state_begin(struct state *st, struct bs_err *err)
{
	state_stamp(st);
	if (st->in_tx)
		return 0;
	if (state_exec(st, "BEGIN", err) < 0)
		return -1;
	st->in_tx = 1;
	return 0;
}

int state_commit(struct state *st, struct bs_err *err)
{
	if (!st->in_tx)
		return 0;
	st->in_tx = 0;
	return state_exec(st, "COMMIT", err);
}

void state_rollback(struct state *st)
{
	if (!st->in_tx)
		return;
	st->in_tx = 0;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	state_ids_forget(st);   /* the ids made since may be gone */
}

/* Job and run changes must be on disk at once: commit any batch first. */
static int commit_now(struct state *st, struct bs_err *err)
{
	int was = st->in_tx;

	if (state_commit(st, err) < 0)
		return -1;
	state_stamp(st);
	return was;
}

static int reopen_batch(struct state *st, int was, struct bs_err *err)
{
	return was ? state_begin(st, err) : 0;
}

/* ---- runs ------------------------------------------------------------- */

int state_run_begin(struct state *st, const char *command, const char *mode,
		    const char *options, struct state_run *run,
		    struct bs_err *err)
{
	sqlite3_stmt *s;
	int was = commit_now(st, err);

	if (was < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO runs (command, mode, "
			       "options, started_at, phase) VALUES (?1, ?2, ?3, "
			       "?4, 'exporting')", -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, options, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, st->now, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return state_db_error(st, err, "new run");
	}
	sqlite3_finalize(s);
	memset(run, 0, sizeof(*run));
	run->id = sqlite3_last_insert_rowid(st->db);
	snprintf(run->command, sizeof(run->command), "%s", command);
	snprintf(run->mode, sizeof(run->mode), "%s", mode);
	snprintf(run->started_at, sizeof(run->started_at), "%s", st->now);
	snprintf(run->options, sizeof(run->options), "%s", options);
	run->phase = RUN_EXPORTING;
	return reopen_batch(st, was, err);
}

/* Runs one statement on the runs table, committed at once. */
static int run_exec(struct state *st, const char *sql, long long run,
		    const char *const *text, size_t ntext, long long number,
		    struct bs_err *err)
{
	sqlite3_stmt *s;
	int was = commit_now(st, err), r;
	size_t i;

	if (was < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, run);
	for (i = 0; i < ntext; i++)
		if (text[i])
			sqlite3_bind_text(s, (int)i + 2, text[i], -1,
					  SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) == (int)ntext + 2)
		sqlite3_bind_int64(s, (int)ntext + 2, number);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return state_db_error(st, err, "update run");
	return reopen_batch(st, was, err);
}

int state_run_set_work_dir(struct state *st, long long run,
			   const char *work_dir, struct bs_err *err)
{
	const char *text[] = { work_dir };

	return run_exec(st, "UPDATE runs SET work_dir = ?2 WHERE id = ?1",
			run, text, 1, 0, err);
}

int state_run_set_phase(struct state *st, long long run,
			enum state_run_phase phase, int exit_code,
			const char *message, const char *report_json,
			struct bs_err *err)
{
	const char *text[] = { state_run_phase_name(phase), message,
			       report_json, st->now };
	int final = phase != RUN_EXPORTING && phase != RUN_LOADING;

	return run_exec(st, final ?
			"UPDATE runs SET phase = ?2, message = ?3, "
			"report = coalesce(?4, report), finished_at = ?5, "
			"exit_code = nullif(?6, -1) WHERE id = ?1" :
			"UPDATE runs SET phase = ?2, message = ?3, "
			"report = coalesce(?4, report), finished_at = NULL, "
			"exit_code = NULL WHERE id = ?1",
			run, text, 4, exit_code, err);
}

int state_run_set_exit(struct state *st, long long run, int exit_code,
		       struct bs_err *err)
{
	return run_exec(st, "UPDATE runs SET exit_code = ?2 WHERE id = ?1",
			run, NULL, 0, exit_code, err);
}

int state_run_last_done(struct state *st, const char *command,
			const char *work_dir, struct state_run *run,
			int *exit_code, char finished[32], struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, started_at, coalesce(exit_code, 0), "
			       "coalesce(finished_at, '') FROM runs r WHERE "
			       "command = ?1 AND work_dir = ?2 AND phase = 'done' "
			       "AND NOT EXISTS (SELECT 1 FROM files f WHERE "
			       "f.run = r.id AND f.status <> 'done') "
			       "ORDER BY id DESC LIMIT 1", -1, &s, NULL) !=
	    SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, work_dir, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		memset(run, 0, sizeof(*run));
		run->id = sqlite3_column_int64(s, 0);
		snprintf(run->started_at, sizeof(run->started_at), "%s",
			 (const char *)sqlite3_column_text(s, 1));
		*exit_code = sqlite3_column_int(s, 2);
		snprintf(finished, 32, "%s",
			 (const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return state_db_error(st, err, "read runs");
	return r == SQLITE_ROW;
}

int state_run_unfinished(struct state *st, struct state_run *run,
			 struct bs_err *err)
{
	sqlite3_stmt *s;
	int r, found = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, command, mode, started_at, "
			       "coalesce(work_dir, ''), phase, "
			       "coalesce(options, '') FROM runs r "
			       "WHERE id = (SELECT max(id) FROM runs) AND "
			       "(phase = 'exporting' OR (phase IN ('loading', "
			       "'failed', 'paused') AND EXISTS (SELECT 1 FROM "
			       "files f WHERE f.run = r.id AND f.status <> "
			       "'done')))", -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		const char *phase = (const char *)sqlite3_column_text(s, 5);
		size_t i;

		memset(run, 0, sizeof(*run));
		run->id = sqlite3_column_int64(s, 0);
		snprintf(run->command, sizeof(run->command), "%s",
			 (const char *)sqlite3_column_text(s, 1));
		snprintf(run->mode, sizeof(run->mode), "%s",
			 (const char *)sqlite3_column_text(s, 2));
		snprintf(run->started_at, sizeof(run->started_at), "%s",
			 (const char *)sqlite3_column_text(s, 3));
		snprintf(run->work_dir, sizeof(run->work_dir), "%s",
			 (const char *)sqlite3_column_text(s, 4));
		snprintf(run->options, sizeof(run->options), "%s",
			 (const char *)sqlite3_column_text(s, 6));
		for (i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
			if (phase && !strcmp(phase, phase_names[i]))
				run->phase = (enum state_run_phase)i;
		found = 1;
	} else if (r != SQLITE_DONE) {
		sqlite3_finalize(s);
		return state_db_error(st, err, "read runs");
	}
	sqlite3_finalize(s);
	return found;
}

/* ---- files and jobs --------------------------------------------------- */

int state_file_add(struct state *st, long long run, const char *path,
		   const char *object, unsigned long long rows,
		   struct bs_err *err)
{
	return step_done(st, bind(st, S_FILE_ADD, "ittit", run, path, object,
				  (long long)rows, st->now), err, "add file");
}

int state_file_set(struct state *st, long long run, const char *path,
		   enum state_file_status status, struct bs_err *err)
{
	int was = commit_now(st, err);

	if (was < 0 ||
	    step_done(st, bind(st, S_FILE_SET, "ittt", run, path,
			       file_names[status], st->now), err,
		      "update file") < 0)
		return -1;
	return reopen_batch(st, was, err);
}

int state_file_get(struct state *st, long long run, const char *path,
		   enum state_file_status *status, char job_id[32],
		   struct bs_err *err)
{
	sqlite3_stmt *s = bind(st, S_FILE_GET, "it", run, path);
	int r = sqlite3_step(s);
	size_t i;

	job_id[0] = '\0';
	if (r == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (r != SQLITE_ROW) {
		sqlite3_reset(s);
		return state_db_error(st, err, "read file");
	}
	*status = FILE_PENDING;
	for (i = 0; i < sizeof(file_names) / sizeof(file_names[0]); i++)
		if (!strcmp((const char *)sqlite3_column_text(s, 0),
			    file_names[i]))
			*status = (enum state_file_status)i;
	if (sqlite3_column_text(s, 1))
		snprintf(job_id, 32, "%s", (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	return 1;
}

int state_job_add(struct state *st, long long run, const char *path,
		  const char *job_id, unsigned attempt,
		  unsigned long long rows, const char *object,
		  struct bs_err *err)
{
	int was = commit_now(st, err);

	if (was < 0 ||
	    step_done(st, bind(st, S_JOB_ADD, "tititit", job_id, run, path,
			       (long long)attempt, object, (long long)rows,
			       st->now), err, "add job") < 0)
		return -1;
	/* the job id is on disk before the job is used */
	return reopen_batch(st, was, err);
}

int state_job_update(struct state *st, const char *job_id, const char *state,
		     unsigned long long processed, unsigned long long failed,
		     const char *error_message, struct bs_err *err)
{
	int was = commit_now(st, err);

	if (was < 0 ||
	    step_done(st, bind(st, S_JOB_UPDATE, "ttiitt", job_id, state,
			       (long long)processed, (long long)failed,
			       error_message, st->now), err, "update job") < 0)
		return -1;
	return reopen_batch(st, was, err);
}

/* ---- records ---------------------------------------------------------- */

int state_record_get(struct state *st, const char *object, const char *key,
		     size_t key_len, struct state_record *r,
		     struct bs_err *err)
{
	long long obj = state_object_id(st, object, 0, err);
	sqlite3_stmt *s;
	int rc;

	if (obj <= 0)
		return obj < 0 ? -1 : 0;
	s = bind(st, S_REC_GET, "in", obj, key, key_len);
	rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		if (s)
			sqlite3_reset(s);
		return state_db_error(st, err, "read record");
	}
	state_record_read(s, 0, r);
	sqlite3_reset(s);
	return 1;
}

void state_record_read(sqlite3_stmt *s, int col, struct state_record *r)
{
	memset(r, 0, sizeof(*r));
	r->status = (enum state_rec_status)(sqlite3_column_int(s, col) - 1);
	if (sqlite3_column_type(s, col + 1) == SQLITE_INTEGER) {
		r->hash = (uint64_t)sqlite3_column_int64(s, col + 1);
		r->has_hash = 1;
	}
	r->attempts = (unsigned)sqlite3_column_int(s, col + 2);
}

int state_record_sending(struct state *st, long long run, const char *object,
			 const char *key, size_t key_len,
			 const struct state_hash *hash, int forced,
			 const char *source, unsigned long line,
			 struct bs_err *err)
{
	long long obj = state_object_id(st, object, 1, err);
	long long src = source ? state_source_id(st, source, err) : 0;

	if (obj < 0 || src < 0)
		return -1;
	return step_done(st, bind(st, S_REC_SENDING, "inhiiiii", obj, key,
				  key_len, hash, (long long)forced, run, src,
				  (long long)line,
				  st->now_ms), err, "record sending");
}

int state_record_skipped(struct state *st, long long run, const char *object,
			 const char *key, size_t key_len, const char *filter,
			 const char *source, unsigned long line,
			 struct bs_err *err)
{
	long long obj = state_object_id(st, object, 1, err);
	long long src = source ? state_source_id(st, source, err) : 0;

	if (obj < 0 || src < 0)
		return -1;
	return step_done(st, bind(st, S_REC_SKIPPED, "intiiii", obj, key,
				  key_len, filter, run, src, (long long)line,
				  st->now_ms), err, "record skipped");
}

int state_record_outcome(struct state *st, long long run, const char *object,
			 const char *key, int success, const char *sf_id,
			 const char *error_code, const char *error_message,
			 struct bs_err *err)
{
	long long obj = state_object_id(st, object, 0, err);

	if (obj < 0)
		return -1;
	if (success)
		return step_done(st, bind(st, S_REC_OK, "ittii", obj, key,
					  sf_id, st->now_ms, run), err,
				 "record outcome");
	return step_done(st, bind(st, S_REC_FAIL, "itttii", obj, key,
				  error_code, error_message, run, st->now_ms),
			 err, "record outcome");
}

/* ---- deletes ----------------------------------------------------------- */

int state_delete_planned(struct state *st, long long run, const char *object,
			 const char *sf_id, const char *key, const char *reason,
			 const char *source, unsigned long line,
			 struct bs_err *err)
{
	return step_done(st, bind(st, S_DEL_ADD, "ittttti", run, object, sf_id,
				  key, reason, source, (long long)line), err,
			 "record a planned delete");
}

int state_delete_outcome(struct state *st, long long run, const char *object,
			 const char *sf_id, int deleted, const char *error_code,
			 const char *error_message, struct bs_err *err)
{
	long long obj = state_object_id(st, object, 0, err);

	if (obj < 0)
		return -1;
	if (deleted &&   /* before the record forgets its key */
	    state_values_forget_deleted(st, run, object, sf_id, err) < 0)
		return -1;
	return step_done(st, bind(st, deleted ? S_DEL_OK : S_DEL_FAIL,
				  "ittttii", run, object, sf_id, error_code,
				  error_message, st->now_ms, obj), err,
			 "delete outcome");
}

/* ---- watermarks -------------------------------------------------------- */

int state_watermark_get(struct state *st, const char *object,
			struct state_watermark *w, struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	memset(w, 0, sizeof(*w));
	if (sqlite3_prepare_v2(st->db, "SELECT value, mapping_hash, run FROM "
			       "watermarks WHERE object = ?1", -1, &s,
			       NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, object, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		snprintf(w->value, sizeof(w->value), "%s",
			 (const char *)sqlite3_column_text(s, 0));
		if (sqlite3_column_bytes(s, 1) == (int)sizeof(w->mapping.h))
			memcpy(w->mapping.h, sqlite3_column_blob(s, 1),
			       sizeof(w->mapping.h));
		w->run = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return state_db_error(st, err, "read watermark");
	return r == SQLITE_ROW;
}

/* Runs sql (?1 object, ?2 value, ?3 mapping hash, ?4 run, ?5 now),
 * committed at once. */
static int watermark_exec(struct state *st, const char *sql,
			  const char *object, const char *value,
			  const struct state_hash *mapping, long long run,
			  struct bs_err *err)
{
	sqlite3_stmt *s;
	int was = commit_now(st, err), r;

	if (was < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, object, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) > 1) {
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, mapping->h, sizeof(mapping->h),
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, run);
		sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
	}
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return state_db_error(st, err, "write watermark");
	return reopen_batch(st, was, err);
}

int state_watermark_set(struct state *st, const char *object,
			const char *value, const struct state_hash *mapping,
			long long run, struct bs_err *err)
{
	return watermark_exec(st, "INSERT OR REPLACE INTO watermarks (object, "
			      "value, mapping_hash, run, updated_at) VALUES "
			      "(?1, ?2, ?3, ?4, ?5)", object, value, mapping,
			      run, err);
}

int state_watermark_clear(struct state *st, const char *object,
			  struct bs_err *err)
{
	return watermark_exec(st, "DELETE FROM watermarks WHERE object = ?1",
			      object, NULL, NULL, 0, err);
}

int state_files_left(struct state *st, long long run, const char *object,
		     unsigned long long *n, struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM files WHERE "
			       "run = ?1 AND object = ?2 AND status <> 'done'",
			       -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_text(s, 2, object, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	*n = r == SQLITE_ROW ? (unsigned long long)sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 0 : state_db_error(st, err, "count files");
}
