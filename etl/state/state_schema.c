/* state_schema.c - the state database's tables, bringing a database of
 * an older billsync up to them, and the ids of object and source names
 * (see state_int.h and docs/state.md, "The database"). */
#include "state.h"
#include "state_int.h"
#include "history.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Version 3.  A record is a row of `recs`: its object and source file as
 * ids (`objects`, `sources`), its status as an id (`statuses`, made by the
 * history), 64 bits of its hash as an integer, times in ms since 1970.
 * synced_at is NULL while it equals updated_at (a record synced last in
 * its latest change); the hash being sent only while a record is sent;
 * pending_ms, while its state is the outcome of a send of the same run,
 * how long before updated_at it was sent (its pending state, folded in:
 * state_history.c).  Version 2 had no pending_ms (its history kept every
 * state as it began, the current one too). */
static const char tables[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" id INTEGER PRIMARY KEY, command TEXT, mode TEXT, options TEXT,"
	" started_at TEXT, finished_at TEXT, phase TEXT, exit_code INTEGER,"
	" message TEXT, work_dir TEXT, report TEXT);"
	"CREATE TABLE IF NOT EXISTS files ("
	" run INTEGER, path TEXT, object TEXT, rows INTEGER, status TEXT,"
	" updated_at TEXT, PRIMARY KEY (run, path));"
	"CREATE TABLE IF NOT EXISTS jobs ("
	" id TEXT PRIMARY KEY, run INTEGER, path TEXT, attempt INTEGER,"
	" object TEXT, rows INTEGER, state TEXT, processed INTEGER,"
	" failed INTEGER, error_message TEXT, created_at TEXT, updated_at TEXT);"
	"CREATE INDEX IF NOT EXISTS jobs_by_file ON jobs (run, path);"
	"CREATE TABLE IF NOT EXISTS objects ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS sources ("
	" id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS recs ("
	" obj INTEGER NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL,"
	" hash INTEGER, sending_hash INTEGER, forced INTEGER NOT NULL DEFAULT 0,"
	" sf_id TEXT, error_code TEXT, error_message TEXT, run INTEGER,"
	" attempts INTEGER NOT NULL DEFAULT 0, source INTEGER, line INTEGER,"
	" updated_at INTEGER, synced_at INTEGER, pending_ms INTEGER,"
	" PRIMARY KEY (obj, key)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS watermarks ("
	" object TEXT PRIMARY KEY, value TEXT NOT NULL, mapping_hash BLOB,"
	" run INTEGER, updated_at TEXT);"
	"CREATE TABLE IF NOT EXISTS deletes ("
	" run INTEGER, object TEXT, sf_id TEXT, key TEXT NOT NULL,"
	" reason TEXT, source TEXT, line INTEGER,"
	" PRIMARY KEY (run, object, sf_id)) WITHOUT ROWID;";

#define TEXT_TIME(ms) \
	"strftime('%Y-%m-%dT%H:%M:%fZ', " ms " / 1000.0, 'unixepoch')"

/* The records as version 1 had them, names and texts: what the read
 * side queries (state_read.c), and what a person reads with sqlite3. */
static const char view[] =
	"CREATE VIEW IF NOT EXISTS records AS SELECT o.name AS object,"
	" r.key AS key, s.name AS status, r.hash AS hash,"
	" r.sending_hash AS sending_hash, r.forced AS forced, r.sf_id AS sf_id,"
	" r.error_code AS error_code, r.error_message AS error_message,"
	" r.run AS run, r.attempts AS attempts, f.path AS source, r.line AS line,"
	" " TEXT_TIME("r.updated_at") " AS updated_at,"
	" " TEXT_TIME("coalesce(r.synced_at, CASE WHEN r.status IN (3, 4)"
		      " THEN r.updated_at END)") " AS synced_at "
	"FROM recs r JOIN objects o ON o.id = r.obj "
	"JOIN statuses s ON s.id = r.status "
	"LEFT JOIN sources f ON f.id = r.source;";

#define MS(text) \
	"CAST(round((julianday(" text ") - 2440587.5) * 86400000.0) AS INTEGER)"
#define SYNCED_V1 "r.status IN ('synced', 'resynced')"

/* Version 1 had one `records` table of names and texts (about 190
 * bytes a record); its rows move to `recs`, in the same order (object
 * ids are given in name order), so the new table is written in key
 * order.  Dropping the table drops its history triggers. */
static const char migrate_v1[] =
	"INSERT INTO objects (name) SELECT DISTINCT object FROM records "
	"ORDER BY object;"
	"INSERT INTO sources (path) SELECT DISTINCT source FROM records "
	"WHERE source IS NOT NULL;"
	"INSERT INTO recs (obj, key, status, hash, sending_hash, forced, sf_id,"
	" error_code, error_message, run, attempts, source, line, updated_at,"
	" synced_at) SELECT o.id, r.key, CASE r.status WHEN 'pending' THEN 1"
	" WHEN 'retried' THEN 2 WHEN 'synced' THEN 3 WHEN 'resynced' THEN 4"
	" WHEN 'failed' THEN 5 WHEN 'skipped' THEN 6 WHEN 'deleted' THEN 7 END,"
	" bs_h64(r.hash), CASE WHEN " SYNCED_V1 " THEN NULL"
	" ELSE bs_h64(r.sending_hash) END, r.forced, r.sf_id, r.error_code,"
	" r.error_message, r.run, r.attempts, f.id, r.line, " MS("r.updated_at") ","
	" CASE WHEN " SYNCED_V1 " AND r.synced_at IS r.updated_at THEN NULL"
	" ELSE " MS("r.synced_at") " END "
	"FROM records r JOIN objects o ON o.name = r.object "
	"LEFT JOIN sources f ON f.path = r.source;"
	"DROP TABLE records;";

/* bs_h64(blob): its first 8 bytes as the integer they were written from
 * (version 1 kept a state_hash's two words as a 16-byte blob). */
static void sql_h64(sqlite3_context *c, int argc, sqlite3_value **v)
{
	int64_t h;

	(void)argc;
	if (sqlite3_value_type(v[0]) != SQLITE_BLOB ||
	    sqlite3_value_bytes(v[0]) < (int)sizeof(h)) {
		sqlite3_result_null(c);
		return;
	}
	memcpy(&h, sqlite3_value_blob(v[0]), sizeof(h));
	sqlite3_result_int64(c, h);
}

int state_schema_version(struct state *st, struct bs_err *err)
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

int state_add_column(struct state *st, const char *table, const char *col,
		     struct bs_err *err)
{
	char sql[160];
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) "
			       "WHERE name = ?2", -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, col, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return state_db_error(st, err, "read the columns");
	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s INTEGER;",
		 table, col);
	return state_exec(st, sql, err);
}

/* Tables, migration, history, view and version in one transaction. */
static int setup_tx(struct state *st, int from, struct bs_err *err)
{
	char version[64];

	snprintf(version, sizeof(version), "PRAGMA user_version = %d;",
		 STATE_SCHEMA_VERSION);
	if (sqlite3_create_function(st->db, "bs_h64", 1, SQLITE_UTF8 |
				    SQLITE_DETERMINISTIC, NULL, sql_h64, NULL,
				    NULL) != SQLITE_OK)
		return state_db_error(st, err, "register bs_h64");
	if (state_exec(st, tables, err) < 0 ||
	    (from == 1 && state_exec(st, migrate_v1, err) < 0) ||
	    (from == 2 &&
	     state_add_column(st, "recs", "pending_ms", err) < 0) ||
	    history_setup(st, from, err) < 0 || state_values_setup(st, err) < 0 ||
	    state_exec(st, view, err) < 0)
		return -1;
	return state_exec(st, version, err);
}

int state_schema_setup(struct state *st, struct bs_err *err)
{
	int v = state_schema_version(st, err);

	if (v < 0)
		return -1;
	if (v > STATE_SCHEMA_VERSION)
		return bs_err_at(err, BS_E_INPUT, st->dir, 0, "state database "
				 "version %d was written by a newer billsync; "
				 "this one reads version %d", v,
				 STATE_SCHEMA_VERSION);
	if (state_exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (setup_tx(st, v, err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (state_exec(st, "COMMIT", err) < 0)
		return -1;
	/* the old table's pages (version 1), the events that were the
	   records' states (version 2) go back to the file system */
	return v == 1 || v == 2 ? state_exec(st, "VACUUM", err) : 0;
}

/* ---- ids of names ------------------------------------------------------ */

/* The id of name in table (objects or sources, column col), made when
 * missing if make; 0 when missing and not made, -1 with err. */
static long long lookup(struct state *st, const char *table, const char *col,
			const char *name, int make, struct bs_err *err)
{
	char sql[128];
	sqlite3_stmt *s;
	long long id = 0;
	int r;

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s = ?1", table,
		 col);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return state_db_error(st, err, "read an id");
	if (id || !make)
		return id;
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (?1)", table, col);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return state_db_error(st, err, "prepare");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return state_db_error(st, err, "add an id");
	return sqlite3_last_insert_rowid(st->db);
}

/* The id of name in ids, else looked up in table as for lookup and
 * remembered. */
static long long id_of(struct state *st, struct state_ids *ids,
		       const char *table, const char *col, const char *name,
		       int make, struct bs_err *err)
{
	struct state_id *more;
	long long id;
	size_t i;

	if (ids->n && !strcmp(ids->v[ids->last].name, name))
		return ids->v[ids->last].id;
	for (i = 0; i < ids->n; i++)
		if (!strcmp(ids->v[i].name, name)) {
			ids->last = i;
			return ids->v[i].id;
		}
	id = lookup(st, table, col, name, make, err);
	if (id <= 0)
		return id;
	more = realloc(ids->v, (ids->n + 1) * sizeof(*more));
	if (!more)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	ids->v = more;
	if (!(more[ids->n].name = strdup(name)))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	more[ids->n].id = id;
	ids->last = ids->n++;
	return id;
}

long long state_object_id(struct state *st, const char *name, int make,
			  struct bs_err *err)
{
	return id_of(st, &st->objs, "objects", "name", name, make, err);
}

long long state_source_id(struct state *st, const char *path,
			  struct bs_err *err)
{
	return id_of(st, &st->srcs, "sources", "path", path, 1, err);
}

static void ids_free(struct state_ids *ids)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		free(ids->v[i].name);
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

void state_ids_forget(struct state *st)
{
	ids_free(&st->objs);
	ids_free(&st->srcs);
}
