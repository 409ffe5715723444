/* state_read.c - the read side of the sync state: records by filter,
 * counts, runs with their files and jobs, and opening a database for reading while a run
 * may be writing (see state.h). */
#include "state.h"
#include "state_int.h"
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

/* Prepares select with f's conditions and then tail; numbered parameters
 * in member order, only the members set are bound. */
static sqlite3_stmt *filter_prepare(struct state *st, const char *select,
				    const struct state_filter *f,
				    const char *tail, struct bs_err *err)
{
	static const char *const cond[] = {
		"object = ?1", "key = ?2", "status = ?3", "updated_at >= ?4"
	};
	const char *val[] = { f->object, f->key, f->status, f->since };
	sqlite3_stmt *s;
	char sql[1024];
	size_t n;
	int i, first = 1;

	n = (size_t)snprintf(sql, sizeof(sql), "%s", select);
	for (i = 0; i < 4 && n < sizeof(sql); i++) {
		if (!val[i])
			continue;
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " %s %s",
				      first ? "WHERE" : "AND", cond[i]);
		first = 0;
	}
	if (n < sizeof(sql))
		snprintf(sql + n, sizeof(sql) - n, "%s", tail);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		state_db_error(st, err, "prepare");
		return NULL;
	}
	for (i = 0; i < 4; i++)
		if (val[i])
			sqlite3_bind_text(s, i + 1, val[i], -1, SQLITE_STATIC);
	return s;
}

int state_records_find(struct state *st, const struct state_filter *f,
		       int (*fn)(void *ctx, const struct state_row *r),
		       void *ctx, struct bs_err *err)
{
	sqlite3_stmt *s;
	int r, stop = 0;

	s = filter_prepare(st, "SELECT object, key, status, coalesce(sf_id, ''), "
			   "coalesce(error_code, ''), coalesce(error_message, ''), "
			   "coalesce(source, ''), coalesce(updated_at, ''), "
			   "coalesce(synced_at, ''), coalesce(run, 0), attempts, "
			   "coalesce(line, 0) FROM records", f,
			   " ORDER BY object, key", err);
	if (!s)
		return -1;
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_row row;

		row.object = (const char *)sqlite3_column_text(s, 0);
		row.key = (const char *)sqlite3_column_text(s, 1);
		row.status = (const char *)sqlite3_column_text(s, 2);
		row.sf_id = (const char *)sqlite3_column_text(s, 3);
		row.error_code = (const char *)sqlite3_column_text(s, 4);
		row.error_message = (const char *)sqlite3_column_text(s, 5);
		row.source = (const char *)sqlite3_column_text(s, 6);
		row.updated_at = (const char *)sqlite3_column_text(s, 7);
		row.synced_at = (const char *)sqlite3_column_text(s, 8);
		row.run = sqlite3_column_int64(s, 9);
		row.attempts = sqlite3_column_int64(s, 10);
		row.line = sqlite3_column_int64(s, 11);
		stop = fn(ctx, &row);
	}
	if (!stop && r != SQLITE_DONE) {
		sqlite3_finalize(s);
		return state_db_error(st, err, "read records");
	}
	sqlite3_finalize(s);
	return 0;
}

int state_records_each(struct state *st, const char *object,
		       const char *status, const char *since,
		       int (*fn)(void *ctx, const struct state_row *r),
		       void *ctx, struct bs_err *err)
{
	struct state_filter f = { object, NULL, status, since };

	return state_records_find(st, &f, fn, ctx, err);
}

int state_size(struct state *st, unsigned long long *bytes,
	       struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db, "SELECT page_count * page_size FROM "
			       "pragma_page_count(), pragma_page_size()", -1,
			       &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	r = sqlite3_step(s);
	*bytes = r == SQLITE_ROW ? (unsigned long long)sqlite3_column_int64(s, 0)
				 : 0;
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 0 : state_db_error(st, err, "read its size");
}

int state_records_count(struct state *st, const struct state_filter *f,
			unsigned long long *n, struct bs_err *err)
{
	sqlite3_stmt *s = filter_prepare(st, "SELECT count(*) FROM records", f,
					 "", err);
	int r;

	if (!s)
		return -1;
	r = sqlite3_step(s);
	*n = r == SQLITE_ROW ? (unsigned long long)sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 0 : state_db_error(st, err, "count records");
}

int state_record_counts(struct state *st, const char *object,
			unsigned long long counts[REC_COUNT],
			struct bs_err *err)
{
	long long obj = object ? state_object_id(st, object, 0, err) : 0;
	sqlite3_stmt *s;
	int r, k;

	memset(counts, 0, sizeof(counts[0]) * REC_COUNT);
	if (obj < 0)
		return -1;
	if (object && !obj)
		return 0;   /* no record of it yet */
	if (sqlite3_prepare_v2(st->db, "SELECT status, count(*) FROM recs "
			       "WHERE ?1 = 0 OR obj = ?1 GROUP BY status",
			       -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, obj);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		k = sqlite3_column_int(s, 0) - 1;
		if (k >= 0 && k < REC_COUNT)
			counts[k] = (unsigned long long)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : state_db_error(st, err, "count records");
}

/* ---- runs with their files and jobs ------------------------------------- */

/* Column i as a string of its own (NULL for NULL); *oom set when out of
 * memory. */
static char *text_col(sqlite3_stmt *s, int i, int *oom)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	char *c;

	if (!t)
		return NULL;
	c = strdup(t);
	if (!c)
		*oom = 1;
	return c;
}

static void run_info_release(struct state_run_info *r)
{
	size_t i, j;

	for (i = 0; i < r->nfiles; i++) {
		struct state_file_info *f = &r->files[i];

		for (j = 0; j < f->njobs; j++) {
			free(f->jobs[j].id);
			free(f->jobs[j].state);
			free(f->jobs[j].error_message);
		}
		free(f->jobs);
		free(f->path);
		free(f->object);
		free(f->status);
	}
	free(r->files);
	free(r->command);
	free(r->mode);
	free(r->options);
	free(r->started_at);
	free(r->finished_at);
	free(r->phase);
	free(r->message);
	free(r->work_dir);
	free(r->report);
}

void state_runs_release(struct state_runs *runs)
{
	size_t i;

	if (!runs)
		return;
	for (i = 0; i < runs->n; i++)
		run_info_release(&runs->runs[i]);
	free(runs->runs);
	runs->runs = NULL;
	runs->n = 0;
}

/* arr (n elements of size) with room for one more, zeroed, at arr[n];
 * NULL when out of memory (arr is left as it was). */
static void *grow(void *arr, size_t n, size_t size)
{
	char *a = realloc(arr, (n + 1) * size);

	if (a)
		memset(a + n * size, 0, size);
	return a;
}

/* The jobs of file f of run (s: the prepared job query). */
static int read_jobs(sqlite3_stmt *s, long long run, struct state_file_info *f,
		     int *oom)
{
	int r;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_text(s, 2, f->path, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_job_info *j, *a = grow(f->jobs, f->njobs,
						    sizeof(*a));

		if (!a) {
			*oom = 1;
			return 0;
		}
		f->jobs = a;
		j = &a[f->njobs++];
		j->id = text_col(s, 0, oom);
		j->attempt = sqlite3_column_int64(s, 1);
		j->rows = sqlite3_column_int64(s, 2);
		j->state = text_col(s, 3, oom);
		j->processed = sqlite3_column_int64(s, 4);
		j->failed = sqlite3_column_int64(s, 5);
		j->error_message = text_col(s, 6, oom);
	}
	return r == SQLITE_DONE ? 0 : -1;
}

/* The files of run r, each with its jobs. */
static int read_files(struct state *st, struct state_run_info *r, int *oom,
		      struct bs_err *err)
{
	sqlite3_stmt *f = NULL, *j = NULL;
	int rc = -1, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(st->db, "SELECT path, object, rows, status "
			       "FROM files WHERE run = ?1 ORDER BY path", -1, &f,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT id, attempt, rows, state, "
			       "processed, failed, error_message FROM jobs "
			       "WHERE run = ?1 AND path = ?2 ORDER BY "
			       "created_at, rowid", -1, &j, NULL) != SQLITE_OK) {
		state_db_error(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_int64(f, 1, r->id);
	while (!*oom && (step = sqlite3_step(f)) == SQLITE_ROW) {
		struct state_file_info *fi, *a = grow(r->files, r->nfiles,
						      sizeof(*a));

		if (!a) {
			*oom = 1;
			break;
		}
		r->files = a;
		fi = &a[r->nfiles++];
		fi->path = text_col(f, 0, oom);
		fi->object = text_col(f, 1, oom);
		fi->rows = sqlite3_column_int64(f, 2);
		fi->status = text_col(f, 3, oom);
		if (fi->path && read_jobs(j, r->id, fi, oom) < 0) {
			state_db_error(st, err, "read jobs");
			goto out;
		}
	}
	if (!*oom && step != SQLITE_DONE) {
		state_db_error(st, err, "read files");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(f);
	sqlite3_finalize(j);
	return rc;
}

/* The runs of a query of runs' columns bound to ?1 = arg, into *out. */
static int read_runs(struct state *st, const char *where, long long arg,
		     struct state_runs *out, struct bs_err *err)
{
	char sql[512];
	sqlite3_stmt *s;
	int r = SQLITE_DONE, oom = 0;

	out->runs = NULL;
	out->n = 0;
	snprintf(sql, sizeof(sql), "SELECT id, command, mode, options, "
		 "started_at, finished_at, phase, exit_code, message, "
		 "work_dir, report FROM runs %s", where);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, arg);
	while (!oom && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_run_info *ri, *a = grow(out->runs, out->n,
						     sizeof(*a));

		if (!a) {
			oom = 1;
			break;
		}
		out->runs = a;
		ri = &a[out->n++];
		ri->id = sqlite3_column_int64(s, 0);
		ri->command = text_col(s, 1, &oom);
		ri->mode = text_col(s, 2, &oom);
		ri->options = text_col(s, 3, &oom);
		ri->started_at = text_col(s, 4, &oom);
		ri->finished_at = text_col(s, 5, &oom);
		ri->phase = text_col(s, 6, &oom);
		ri->has_exit_code = sqlite3_column_type(s, 7) != SQLITE_NULL;
		ri->exit_code = sqlite3_column_int(s, 7);
		ri->message = text_col(s, 8, &oom);
		ri->work_dir = text_col(s, 9, &oom);
		ri->report = text_col(s, 10, &oom);
		if (read_files(st, ri, &oom, err) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	if (oom)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return r == SQLITE_DONE ? 0 : state_db_error(st, err, "read runs");
}

int state_runs_read(struct state *st, int limit, struct state_runs *out,
		    struct bs_err *err)
{
	return read_runs(st, "ORDER BY id DESC LIMIT ?1", limit, out, err);
}

int state_run_read(struct state *st, long long id, struct state_runs *out,
		   struct bs_err *err)
{
	if (read_runs(st, "WHERE id = ?1", id, out, err) < 0)
		return -1;
	return out->n > 0;
}

/* ---- reading while a run may be writing -------------------------------- */

int state_exists(const char *dir)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/billsync.db", dir);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* tried: an older database (version 1 or 2) was brought up to date
 * already. */
static struct state *open_readonly(const char *dir, int tried,
				   struct bs_err *err)
{
	struct state *st;
	char path[4096], pragmas[128];
	int v;

	if (!state_exists(dir)) {
		bs_err_set(err, BS_E_INPUT, "no runs yet: %s has no billsync.db",
			   dir);
		return NULL;
	}
	st = state_alloc(dir, err);
	if (!st)
		return NULL;
	snprintf(path, sizeof(path), "%s/billsync.db", dir);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		state_db_error(st, err, "open");
		goto fail;
	}
	snprintf(pragmas, sizeof(pragmas), "PRAGMA cache_size = -%d; "
		 "PRAGMA busy_timeout = 5000;", STATE_CACHE_KIB);
	if (state_exec(st, pragmas, err) < 0 ||
	    (v = state_schema_version(st, err)) < 0)
		goto fail;
	if (v > 0 && v < STATE_SCHEMA_VERSION && !tried) {
		/* written by an older billsync: brought up to date once, with
		   the lock (as the next run would), then read */
		struct state *up;

		state_close(st);
		up = state_open(dir, err);
		if (!up)
			return NULL;
		state_close(up);
		return open_readonly(dir, 1, err);
	}
	if (v != STATE_SCHEMA_VERSION) {
		bs_err_at(err, BS_E_INPUT, path, 0, v == 0 ?
			  "not a billsync state database" :
			  "state database version %d; this billsync reads "
			  "version %d", v, STATE_SCHEMA_VERSION);
		goto fail;
	}
	if (history_register(st, err) < 0 || state_prepare_all(st, err) < 0)
		goto fail;
	state_stamp(st);
	return st;
fail:
	state_close(st);
	return NULL;
}

struct state *state_open_readonly(const char *dir, struct bs_err *err)
{
	return open_readonly(dir, 0, err);
}

int state_objects_each(struct state *st,
		       int (*fn)(void *ctx, const char *object), void *ctx,
		       struct bs_err *err)
{
	/* one index probe per object, not a scan of every record */
	static const char sql[] =
		"SELECT name FROM objects o WHERE EXISTS (SELECT 1 FROM recs "
		"WHERE obj = o.id) ORDER BY name";
	sqlite3_stmt *s;
	int r, stop = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW)
		stop = fn(ctx, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return stop || r == SQLITE_DONE ? 0 : state_db_error(st, err, "read objects");
}

int state_previous_exit_code(struct state *st, long long run, int *code,
			     struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db, "SELECT exit_code FROM runs WHERE "
			       "exit_code IS NOT NULL AND (?1 = 0 OR id < ?1) "
			       "ORDER BY id DESC LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, run);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*code = sqlite3_column_int(s, 0);
		r = 1;
	} else if (r == SQLITE_DONE) {
		r = 0;
	} else {
		r = state_db_error(st, err, "read the runs");
	}
	sqlite3_finalize(s);
	return r;
}

int state_read_begin(struct state *st, struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (state_exec(st, "BEGIN", err) < 0)
		return -1;
	/* a deferred transaction takes its snapshot at its first read */
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM runs", -1, &s,
			       NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 0 : state_db_error(st, err, "read runs");
}

void state_read_end(struct state *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
