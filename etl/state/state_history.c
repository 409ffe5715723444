/* history.c - the record history: tables, the triggers that fill them,
 * pruning and reading (see history.h). */
#include "history.h"

#include <stdint.h>
#include <string.h>

#include "formats/hash.h"
#include "state.h"
#include "state_int.h"

/* The event of a record as it is after a change (NEW, a row of recs):
 * the record by the number bs_rec() makes of its object's name and key,
 * the status (already a row of statuses) and the error as numbers.  Used
 * by both triggers.  No OR IGNORE: an upsert's conflict clause would
 * override it inside a trigger. */
#define EVENT                                                               \
	"INSERT INTO errors (code, message) SELECT "                        \
	" coalesce(NEW.error_code, ''), coalesce(NEW.error_message, '') "   \
	" WHERE (NEW.error_code IS NOT NULL OR NEW.error_message IS NOT NULL)" \
	" AND NOT EXISTS (SELECT 1 FROM errors WHERE"                       \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, ''));"                      \
	"INSERT INTO history (rec, run, at, status, error) VALUES ("        \
	" bs_rec((SELECT name FROM objects WHERE id = NEW.obj), NEW.key),"  \
	" NEW.run, coalesce(NEW.updated_at, CAST(round((julianday('now') -" \
	" 2440587.5) * 86400000.0) AS INTEGER)), NEW.status,"              \
	" CASE WHEN NEW.error_code IS NULL AND NEW.error_message IS NULL"   \
	" THEN NULL ELSE (SELECT id FROM errors WHERE"                      \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, '')) END);"

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
	" run INTEGER, at INTEGER NOT NULL, status INTEGER, error INTEGER);"
	"CREATE TRIGGER IF NOT EXISTS history_new AFTER INSERT ON recs "
	"BEGIN " EVENT " END;"
	/* the same status in the same run is no event: a skipped record
	   skipped again by the same filter, an outcome written twice */
	"CREATE TRIGGER IF NOT EXISTS history_change AFTER UPDATE OF status, run "
	"ON recs WHEN NEW.status IS NOT OLD.status OR NEW.run IS NOT OLD.run "
	"BEGIN " EVENT " END;";

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

int history_setup(struct state *st, struct bs_err *err)
{
	if (history_register(st, err) < 0)
		return -1;
	return state_exec(st, tables, err);
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
	return state_exec(st, "DROP TRIGGER IF EXISTS history_new; "
			  "DROP TRIGGER IF EXISTS history_change;", err);
}

/* The events of one record, oldest first. */
static int record_events(struct state *st, sqlite3_stmt *s, const char *object,
			 const char *key,
			 int (*fn)(void *ctx, const struct history_event *e),
			 void *ctx)
{
	int r, stop = 0;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, history_rec(object, strlen(object), key,
					    strlen(key)));
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_event e;

		e.object = object;
		e.key = key;
		e.run = sqlite3_column_int64(s, 0);
		e.at = (const char *)sqlite3_column_text(s, 1);
		e.status = (const char *)sqlite3_column_text(s, 2);
		e.error_code = (const char *)sqlite3_column_text(s, 3);
		e.error_message = (const char *)sqlite3_column_text(s, 4);
		stop = fn(ctx, &e);
	}
	if (!stop && r != SQLITE_DONE)
		return -1;
	(void)st;
	return stop;
}

struct each {
	struct state *st;
	sqlite3_stmt *s;
	const char *key;
	int (*fn)(void *ctx, const struct history_event *e);
	void *ctx;
	int r;
};

static int each_object(void *p, const char *object)
{
	struct each *x = p;

	x->r = record_events(x->st, x->s, object, x->key, x->fn, x->ctx);
	return x->r != 0;
}

int history_each(struct state *st, const char *object, const char *key,
		 int (*fn)(void *ctx, const struct history_event *e),
		 void *ctx, struct bs_err *err)
{
	static const char sql[] =
		"SELECT coalesce(h.run, 0), "
		" strftime('%Y-%m-%d %H:%M:%f', h.at / 1000.0, 'unixepoch'), "
		" coalesce(s.name, '?'), coalesce(e.code, ''), "
		" coalesce(e.message, '') FROM history h "
		"LEFT JOIN statuses s ON s.id = h.status "
		"LEFT JOIN errors e ON e.id = h.error "
		"WHERE h.rec = ?1 ORDER BY h.rowid";
	struct each x = { st, NULL, key, fn, ctx, 0 };

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
