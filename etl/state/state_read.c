/* state_read.c - the read side of the sync state: records by filter,
 * counts, runs as JSON, and opening a database for reading while a run
 * may be writing (see state.h). */
#include "state.h"
#include "state_int.h"
#include "history.h"

#include <stdio.h>
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
	sqlite3_stmt *s;
	enum state_rec_status k;
	int r;

	memset(counts, 0, sizeof(counts[0]) * REC_COUNT);
	if (sqlite3_prepare_v2(st->db, "SELECT status, count(*) FROM records "
			       "WHERE ?1 IS NULL OR object = ?1 GROUP BY status",
			       -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	if (object)
		sqlite3_bind_text(s, 1, object, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		if (state_rec_status_parse((const char *)sqlite3_column_text(s, 0),
					   &k) == 0)
			counts[k] = (unsigned long long)sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : state_db_error(st, err, "count records");
}

/* A run with its files and jobs as one JSON object; the caller adds the
 * WHERE or ORDER clause. */
#define RUN_JSON_SELECT                                                      \
	"SELECT json_object('id', r.id, 'command', r.command, "              \
	"'mode', r.mode, 'options', r.options, 'started_at', r.started_at, " \
	"'finished_at', r.finished_at, 'phase', r.phase, "                   \
	"'exit_code', r.exit_code, 'message', r.message, "                   \
	"'work_dir', r.work_dir, 'report', json(r.report), "                 \
	"'files', (SELECT json_group_array(json_object('path', f.path, "     \
	"'object', f.object, 'rows', f.rows, 'status', f.status, "           \
	"'jobs', (SELECT json_group_array(json_object('id', j.id, "          \
	"'attempt', j.attempt, 'rows', j.rows, 'state', j.state, "           \
	"'processed', j.processed, 'failed', j.failed, "                     \
	"'error_message', j.error_message)) FROM jobs j "                    \
	"WHERE j.run = f.run AND j.path = f.path ORDER BY j.created_at))) "  \
	"FROM files f WHERE f.run = r.id)) FROM runs r "

/* Calls fn with each row of a RUN_JSON_SELECT query bound to ?1 = arg;
 * returns the number of rows, or -1. */
static int runs_json(struct state *st, const char *sql, long long arg,
		     int (*fn)(void *ctx, const char *json), void *ctx,
		     struct bs_err *err)
{
	sqlite3_stmt *s;
	int r, stop = 0, n = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, arg);
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		stop = fn(ctx, (const char *)sqlite3_column_text(s, 0));
	}
	if (!stop && r != SQLITE_DONE) {
		sqlite3_finalize(s);
		return state_db_error(st, err, "read runs");
	}
	sqlite3_finalize(s);
	return n;
}

int state_runs_each(struct state *st, int limit,
		    int (*fn)(void *ctx, const char *json), void *ctx,
		    struct bs_err *err)
{
	return runs_json(st, RUN_JSON_SELECT "ORDER BY r.id DESC LIMIT ?1",
			 limit, fn, ctx, err) < 0 ? -1 : 0;
}

int state_run_json(struct state *st, long long id,
		   int (*fn)(void *ctx, const char *json), void *ctx,
		   struct bs_err *err)
{
	int n = runs_json(st, RUN_JSON_SELECT "WHERE r.id = ?1", id, fn, ctx,
			  err);

	return n < 0 ? -1 : n > 0;
}

/* ---- reading while a run may be writing -------------------------------- */

int state_exists(const char *dir)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/billsync.db", dir);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The schema version of the open database, or -1. */
static int schema_version(struct state *st, struct bs_err *err)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return state_db_error(st, err, "prepare");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v < 0 ? state_db_error(st, err, "read the schema version") : v;
}

struct state *state_open_readonly(const char *dir, struct bs_err *err)
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
	if (state_exec(st, pragmas, err) < 0 || (v = schema_version(st, err)) < 0)
		goto fail;
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

int state_objects_each(struct state *st,
		       int (*fn)(void *ctx, const char *object), void *ctx,
		       struct bs_err *err)
{
	/* one index probe per object, not a scan of every record */
	static const char sql[] =
		"WITH RECURSIVE o(name) AS (SELECT min(object) FROM records "
		"UNION ALL SELECT (SELECT min(object) FROM records WHERE "
		"object > o.name) FROM o WHERE o.name IS NOT NULL) "
		"SELECT name FROM o WHERE name IS NOT NULL";
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
