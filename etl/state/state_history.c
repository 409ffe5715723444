/* state_history.c - the record history: tables, the trigger that fills
 * them, the upgrade of a version 2 history, pruning and reading (see
 * history.h). */
#include "history.h"

#include <stdint.h>
#include <string.h>

#include "formats/hash.h"
#include "state.h"
#include "state_int.h"

/* The event a record's state (OLD, a row of recs) becomes when a later
 * one supersedes it: the record by the number bs_rec() makes of its
 * object's name and key, the status (already a row of statuses) and the
 * error as numbers, and when the state is the outcome of a send of the
 * same run, how long it was pending before (the pending event folded
 * into it).
 * No OR IGNORE: an upsert's conflict clause would override it inside a
 * trigger. */
#define EVENT                                                               \
	"INSERT INTO errors (code, message) SELECT "                        \
	" coalesce(OLD.error_code, ''), coalesce(OLD.error_message, '') "   \
	" WHERE (OLD.error_code IS NOT NULL OR OLD.error_message IS NOT NULL)" \
	" AND NOT EXISTS (SELECT 1 FROM errors WHERE"                       \
	" code = coalesce(OLD.error_code, '') AND"                          \
	" message = coalesce(OLD.error_message, ''));"                      \
	"INSERT INTO history (rec, run, at, status, error, pending_ms)"     \
	" VALUES ("                                                          \
	" bs_rec((SELECT name FROM objects WHERE id = OLD.obj), OLD.key),"  \
	" OLD.run, coalesce(OLD.updated_at, CAST(round((julianday('now') -" \
	" 2440587.5) * 86400000.0) AS INTEGER)), OLD.status,"              \
	" CASE WHEN OLD.error_code IS NULL AND OLD.error_message IS NULL"   \
	" THEN NULL ELSE (SELECT id FROM errors WHERE"                      \
	" code = coalesce(OLD.error_code, '') AND"                          \
	" message = coalesce(OLD.error_message, '')) END, OLD.pending_ms);"

static const char tables[] =
	"CREATE TABLE IF NOT EXISTS statuses ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT OR IGNORE INTO statuses (id, name) VALUES (1, 'pending'),"
	" (2, 'retried'), (3, 'synced'), (4, 'resynced'), (5, 'failed'),"
	" (6, 'skipped'), (7, 'deleted');"
	"CREATE TABLE IF NOT EXISTS errors (id INTEGER PRIMARY KEY,"
	" code TEXT NOT NULL, message TEXT NOT NULL, UNIQUE (code, message));"
	/* no index on rec: kept in key order, it would cost the outcomes of
	   a run (written in another order) a random index write each, many
	   times their own cost (make bench); a timeline reads the table */
	"CREATE TABLE IF NOT EXISTS history (rec INTEGER NOT NULL,"
	" run INTEGER, at INTEGER NOT NULL, status INTEGER, error INTEGER,"
	" pending_ms INTEGER);";

/* A state is an event once superseded: a changed status, or the same
 * status in another run (sent again).  The same status in the same run
 * is none (a skipped record skipped again by the same filter, an outcome
 * written twice), nor is a pending state its run's outcome folds in
 * (the outcome's pending_ms, set by state.c, keeps when it was sent). */
static const char triggers[] =
	"CREATE TRIGGER IF NOT EXISTS history_superseded AFTER UPDATE OF"
	" status, run ON recs WHEN (NEW.status IS NOT OLD.status OR"
	" NEW.run IS NOT OLD.run) AND NOT (OLD.status = 1 AND"
	" NEW.pending_ms IS NOT NULL) BEGIN " EVENT " END;";

/* Version 2 wrote every state as an event when it began, a record's
 * current state included.  Each record's newest event that is its state
 * goes (recs has it), and a pending event followed by its run's outcome
 * is folded into that outcome (the event's or the record's pending_ms).
 * Temporary tables keep it to a few sorts, whatever the size. */
static const char upgrade_v2[] =
	"DROP TRIGGER IF EXISTS history_new;"
	"DROP TRIGGER IF EXISTS history_change;"
	"CREATE TEMP TABLE v3_cur (rec INTEGER PRIMARY KEY, run INTEGER,"
	" status INTEGER);"
	"INSERT OR IGNORE INTO v3_cur SELECT bs_rec(o.name, r.key), r.run,"
	" r.status FROM recs r JOIN objects o ON o.id = r.obj;"
	/* each pending event and each record's newest, with the next one */
	"CREATE TEMP TABLE v3_ev AS SELECT * FROM (SELECT rowid AS id, rec,"
	" run, status, at, lead(rowid) OVER w AS next, lead(run) OVER w AS"
	" next_run, lead(status) OVER w AS next_status FROM main.history"
	" WINDOW w AS (PARTITION BY rec ORDER BY rowid))"
	" WHERE status = 1 OR next IS NULL;"
	"CREATE TEMP TABLE v3_gone (id INTEGER PRIMARY KEY);"
	"INSERT INTO v3_gone SELECT e.id FROM v3_ev e JOIN v3_cur c"
	" ON c.rec = e.rec WHERE e.next IS NULL AND e.run IS c.run AND"
	" e.status IS c.status;"
	"CREATE TEMP TABLE v3_fold (next INTEGER PRIMARY KEY, id INTEGER,"
	" rec INTEGER, at INTEGER);"
	"INSERT INTO v3_fold SELECT next, id, rec, at FROM v3_ev WHERE"
	" status = 1 AND next_run IS run AND next_status IN (3, 4, 5);"
	"UPDATE main.history SET pending_ms = history.at - f.at FROM v3_fold f"
	" WHERE f.next = history.rowid;"
	"CREATE TEMP TABLE v3_recfold (rec INTEGER PRIMARY KEY, at INTEGER);"
	"INSERT OR IGNORE INTO v3_recfold SELECT f.rec, f.at FROM v3_fold f"
	" JOIN v3_gone g ON g.id = f.next;"
	"UPDATE recs SET pending_ms = recs.updated_at - x.at FROM objects o,"
	" v3_recfold x"
	" WHERE o.id = recs.obj AND x.rec = bs_rec(o.name, recs.key);"
	"INSERT OR IGNORE INTO v3_gone SELECT id FROM v3_fold;"
	"DELETE FROM main.history WHERE rowid IN (SELECT id FROM v3_gone);"
	"DELETE FROM errors WHERE id NOT IN"
	" (SELECT error FROM main.history WHERE error IS NOT NULL);"
	"DROP TABLE v3_cur; DROP TABLE v3_ev; DROP TABLE v3_gone;"
	"DROP TABLE v3_fold; DROP TABLE v3_recfold;";

/* A record's number: 63 bits of a hash of its object and key, so that an
 * event holds no text and the records table no extra column.  Two records
 * share one with a chance of about n^2 / 2^64. */
long long history_rec(const char *object, size_t olen, const char *key,
		      size_t klen)
{
	uint64_t h = hash64(object, olen, HASH_SEED_A);

	h = hash64(key, klen, h ^ HASH_SEED_B);
	return (long long)(h >> 1);
}

static void sql_rec(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	sqlite3_result_int64(c, history_rec(
		(const char *)sqlite3_value_text(v[0]),
		(size_t)sqlite3_value_bytes(v[0]),
		(const char *)sqlite3_value_text(v[1]),
		(size_t)sqlite3_value_bytes(v[1])));
}

int history_register(struct state *st, struct bs_err *err)
{
	if (sqlite3_create_function(st->db, "bs_rec", 2, SQLITE_UTF8 |
				    SQLITE_DETERMINISTIC, NULL, sql_rec, NULL,
				    NULL) != SQLITE_OK)
		return state_db_error(st, err, "record history");
	return 0;
}

int history_setup(struct state *st, int from, struct bs_err *err)
{
	if (history_register(st, err) < 0 || state_exec(st, tables, err) < 0)
		return -1;
	if (from == 1 || from == 2) {
		if (state_add_column(st, "history", "pending_ms", err) < 0 ||
		    state_exec(st, upgrade_v2, err) < 0)
			return -1;
	}
	return state_exec(st, triggers, err);
}

int history_prune(struct state *st, long long current, long long keep_runs,
		  struct bs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (current <= keep_runs)
		return 0;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM history WHERE run <= ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, current - keep_runs);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return state_db_error(st, err, "prune the record history");
	if (sqlite3_changes(st->db) == 0)
		return 0;
	return state_exec(st, "DELETE FROM errors WHERE id NOT IN "
			  "(SELECT error FROM history WHERE error IS NOT NULL);",
			  err);
}

/* The first column of the one row sql gives, or 0. */
static unsigned long long count_of(struct state *st, const char *sql)
{
	unsigned long long n = 0;
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (unsigned long long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

int history_size(struct state *st, unsigned long long *events,
		 unsigned long long *bytes, struct bs_err *err)
{
	(void)err;
	*events = count_of(st, "SELECT count(*) FROM history");
	*bytes = count_of(st, "SELECT sum(pgsize) FROM dbstat WHERE name IN "
			  "('history', 'history_by_rec', 'errors', 'statuses', "
			  "'sqlite_autoindex_errors_1', "
			  "'sqlite_autoindex_statuses_1')");
	return 0;
}

int history_pause(struct state *st, struct bs_err *err)
{
	return state_exec(st, "DROP TRIGGER IF EXISTS history_superseded;",
			  err);
}

/* Calls fn with one state of a record, after the pending one folded
 * into it (the time it was sent, sent: NULL when none). */
static int take(const struct history_event *e, const char *sent,
		int (*fn)(void *ctx, const struct history_event *e), void *ctx)
{
	struct history_event p = *e;
	int r;

	if (sent) {
		p.at = sent;
		p.status = "pending";
		p.error_code = "";
		p.error_message = "";
		if ((r = fn(ctx, &p)) != 0)
			return r;
	}
	return fn(ctx, e);
}

/* The events of one record, oldest first, then its current state. */
static int record_events(sqlite3_stmt *s, const char *object, const char *key,
			 int (*fn)(void *ctx, const struct history_event *e),
			 void *ctx)
{
	int r, stop = 0;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, history_rec(object, strlen(object), key,
					    strlen(key)));
	sqlite3_bind_text(s, 2, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_event e;

		e.object = object;
		e.key = key;
		e.run = sqlite3_column_int64(s, 0);
		e.at = (const char *)sqlite3_column_text(s, 1);
		e.status = (const char *)sqlite3_column_text(s, 2);
		e.error_code = (const char *)sqlite3_column_text(s, 3);
		e.error_message = (const char *)sqlite3_column_text(s, 4);
		stop = take(&e, (const char *)sqlite3_column_text(s, 5), fn,
			    ctx);
	}
	if (!stop && r != SQLITE_DONE)
		return -1;
	return stop;
}

struct each {
	sqlite3_stmt *s;
	const char *key;
	int (*fn)(void *ctx, const struct history_event *e);
	void *ctx;
	int r;
};

static int each_object(void *p, const char *object)
{
	struct each *x = p;

	x->r = record_events(x->s, object, x->key, x->fn, x->ctx);
	return x->r != 0;
}

int history_each(struct state *st, const char *object, const char *key,
		 int (*fn)(void *ctx, const struct history_event *e),
		 void *ctx, struct bs_err *err)
{
#define TIME(ms) "strftime('%Y-%m-%d %H:%M:%f', " ms " / 1000.0, 'unixepoch')"
	/* the events superseded, then the record's state (recs) */
	static const char sql[] =
		"SELECT run, at, status, code, message, sent FROM ("
		"SELECT 0 AS part, h.rowid AS seq, coalesce(h.run, 0) AS run,"
		" " TIME("h.at") " AS at, coalesce(s.name, '?') AS status,"
		" coalesce(e.code, '') AS code, coalesce(e.message, '')"
		" AS message, " TIME("(h.at - h.pending_ms)") " AS sent "
		"FROM history h "
		"LEFT JOIN statuses s ON s.id = h.status "
		"LEFT JOIN errors e ON e.id = h.error WHERE h.rec = ?1 "
		"UNION ALL SELECT 1, 0, coalesce(r.run, 0),"
		" coalesce(" TIME("r.updated_at") ", ''), s.name,"
		" coalesce(r.error_code, ''), coalesce(r.error_message, ''),"
		" " TIME("(r.updated_at - r.pending_ms)") " FROM recs r "
		"JOIN objects o ON o.id = r.obj JOIN statuses s ON s.id = r.status "
		"WHERE o.name = ?2 AND r.key = ?3) ORDER BY part, seq";
#undef TIME
	struct each x = { NULL, key, fn, ctx, 0 };

	if (sqlite3_prepare_v2(st->db, sql, -1, &x.s, NULL) != SQLITE_OK)
		return 0;   /* a state from before the history */
	if (object)
		each_object(&x, object);
	else if (state_objects_each(st, each_object, &x, err) < 0)
		x.r = -2;
	sqlite3_finalize(x.s);
	if (x.r == -1)
		return state_db_error(st, err, "read the record history");
	return x.r < 0 ? -1 : x.r;
}
