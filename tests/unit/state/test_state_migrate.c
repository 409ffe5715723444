/* test_state_migrate.c - a state database written by an older billsync
 * opens, reads and works on after billsync brings it to the current
 * version (state_schema.c, state_history.c): version 1 (one `records`
 * table of names and texts, 16-byte hashes), and version 2 (a history
 * event for every state as it began, the record's current one too). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "formats/hash.h"
#include "state/history.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-migrate-XXXXXX";

/* Version 1 as billsync wrote it (etl/state/state.c and state_history.c
 * before version 2), with its history triggers. */
#define EVENT_V1                                                            \
	"INSERT INTO errors (code, message) SELECT "                        \
	" coalesce(NEW.error_code, ''), coalesce(NEW.error_message, '') "   \
	" WHERE (NEW.error_code IS NOT NULL OR NEW.error_message IS NOT NULL)" \
	" AND NOT EXISTS (SELECT 1 FROM errors WHERE"                       \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, ''));"                      \
	"INSERT INTO history (rec, run, at, status, error) VALUES ("        \
	" bs_rec(NEW.object, NEW.key), NEW.run,"                            \
	" CAST(round((julianday(coalesce(NEW.updated_at, 'now')) -"         \
	" 2440587.5) * 86400000.0) AS INTEGER),"                            \
	" (SELECT id FROM statuses WHERE name = NEW.status),"               \
	" CASE WHEN NEW.error_code IS NULL AND NEW.error_message IS NULL"   \
	" THEN NULL ELSE (SELECT id FROM errors WHERE"                      \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, '')) END);"

static const char v1[] =
	"PRAGMA journal_mode = WAL;"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, command TEXT, mode TEXT,"
	" options TEXT, started_at TEXT, finished_at TEXT, phase TEXT,"
	" exit_code INTEGER, message TEXT, work_dir TEXT, report TEXT);"
	"CREATE TABLE files (run INTEGER, path TEXT, object TEXT, rows INTEGER,"
	" status TEXT, updated_at TEXT, PRIMARY KEY (run, path));"
	"CREATE TABLE jobs (id TEXT PRIMARY KEY, run INTEGER, path TEXT,"
	" attempt INTEGER, object TEXT, rows INTEGER, state TEXT,"
	" processed INTEGER, failed INTEGER, error_message TEXT,"
	" created_at TEXT, updated_at TEXT);"
	"CREATE INDEX jobs_by_file ON jobs (run, path);"
	"CREATE TABLE records (object TEXT NOT NULL, key TEXT NOT NULL,"
	" status TEXT NOT NULL, hash BLOB, sending_hash BLOB,"
	" forced INTEGER NOT NULL DEFAULT 0, sf_id TEXT, error_code TEXT,"
	" error_message TEXT, run INTEGER, attempts INTEGER NOT NULL DEFAULT 0,"
	" source TEXT, line INTEGER, updated_at TEXT, synced_at TEXT,"
	" PRIMARY KEY (object, key)) WITHOUT ROWID;"
	"CREATE TABLE watermarks (object TEXT PRIMARY KEY, value TEXT NOT NULL,"
	" mapping_hash BLOB, run INTEGER, updated_at TEXT);"
	"CREATE TABLE deletes (run INTEGER, object TEXT, sf_id TEXT,"
	" key TEXT NOT NULL, reason TEXT, source TEXT, line INTEGER,"
	" PRIMARY KEY (run, object, sf_id)) WITHOUT ROWID;"
	"CREATE TABLE statuses (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT INTO statuses (id, name) VALUES (1, 'pending'), (2, 'retried'),"
	" (3, 'synced'), (4, 'resynced'), (5, 'failed'), (6, 'skipped'),"
	" (7, 'deleted');"
	"CREATE TABLE errors (id INTEGER PRIMARY KEY, code TEXT NOT NULL,"
	" message TEXT NOT NULL, UNIQUE (code, message));"
	"CREATE TABLE history (rec INTEGER NOT NULL, run INTEGER,"
	" at INTEGER NOT NULL, status INTEGER, error INTEGER);"
	"CREATE TRIGGER history_new AFTER INSERT ON records BEGIN " EVENT_V1
	" END;"
	"CREATE TRIGGER history_change AFTER UPDATE OF status, run ON records"
	" WHEN NEW.status IS NOT OLD.status OR NEW.run IS NOT OLD.run BEGIN "
	EVENT_V1 " END;"
	"INSERT INTO runs (id, command, mode, options, started_at, finished_at,"
	" phase, exit_code) VALUES (1, 'run', 'incremental', '',"
	" '2026-11-30T06:00:00.000Z', '2026-11-30T06:05:00.000Z', 'done', 0);"
	"INSERT INTO watermarks VALUES ('Rev__c', '2026-11-29T00:00:00.000Z',"
	" x'0102030405060708090a0b0c0d0e0f10', 1, '2026-11-30T06:05:00.000Z');"
	"PRAGMA user_version = 1;";

/* The synced record (its hash: 16 bytes, the first 8 the kept ones), a
 * failed one, a skipped one and one of another object left pending. */
static const char rows_v1[] =
	"INSERT INTO records VALUES ('Rev__c', 'r1', 'synced',"
	" x'1122334455667788aabbccddeeff0011', x'1122334455667788aabbccddeeff0011',"
	" 0, 'a0B000000000001AAA', NULL, NULL, 1, 1, '/data/rev.csv', 2,"
	" '2026-11-30T06:04:01.123Z', '2026-11-30T06:04:01.123Z');"
	"INSERT INTO records VALUES ('Rev__c', 'r2', 'failed', NULL,"
	" x'99887766554433220000000000000000', 0, NULL, 'INVALID_FIELD',"
	" 'bad value', 1, 1, '/data/rev.csv', 3, '2026-11-30T06:04:02.000Z',"
	" NULL);"
	"INSERT INTO records VALUES ('Rev__c', 'r3', 'skipped', NULL, NULL, 0,"
	" NULL, NULL, 'drafts', 1, 0, '/data/rev2.csv', 9,"
	" '2026-11-30T06:01:00.000Z', NULL);"
	"INSERT INTO records VALUES ('Inv__c', 'i1', 'pending', NULL,"
	" x'0100000000000000ffffffffffffffff', 0, 'a0C000000000001AAA', NULL,"
	" NULL, 1, 2, '/data/inv.csv', 4, '2026-11-30T06:02:00.000Z',"
	" '2026-11-29T06:02:00.500Z');";

static void sql_rec(sqlite3_context *c, int argc, sqlite3_value **v)
{
	uint64_t h = hash64(sqlite3_value_text(v[0]),
			    (size_t)sqlite3_value_bytes(v[0]), HASH_SEED_A);

	(void)argc;
	h = hash64(sqlite3_value_text(v[1]), (size_t)sqlite3_value_bytes(v[1]),
		   h ^ HASH_SEED_B);
	sqlite3_result_int64(c, (long long)(h >> 1));
}

static sqlite3 *open_db(void)
{
	char path[256];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/billsync.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return NULL;
	sqlite3_create_function(db, "bs_rec", 2, SQLITE_UTF8, NULL, sql_rec,
				NULL, NULL);
	return db;
}

static void make_v1(void)
{
	sqlite3 *db = open_db();

	REQUIRE(db != NULL);
	CHECK_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, rows_v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The one value sql gives, as text, in out. */
static void query(const char *sql, char *out, size_t size)
{
	sqlite3 *db = open_db();
	sqlite3_stmt *s;

	out[0] = '\0';
	REQUIRE(db != NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(s, 0));
	else
		snprintf(out, size, "(error: %s)", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static int keep_row(void *ctx, const struct state_row *r)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%s %s %s %s|%s|%s %lld %lld %s:%lld %s %s\n",
		 r->object, r->key, r->status, r->sf_id, r->error_code,
		 r->error_message, r->run, r->attempts, r->source, r->line,
		 r->updated_at, r->synced_at);
	return 0;
}

static int count_event(void *ctx, const struct history_event *e)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s@%lld ", e->status, e->run);
	return 0;
}

/* A reader (status, records, plan) is the first to open it. */
static void test_read_after_upgrade(void)
{
	struct state_filter all = { NULL, NULL, NULL, NULL };
	unsigned long long c[REC_COUNT];
	char rows[1024] = "", v[64];
	struct state *st;
	struct bs_err e;

	make_v1();
	st = state_open_readonly(dir, &e);
	REQUIRE(st != NULL);
	CHECK_INT(state_records_find(st, &all, keep_row, rows, &e), 0);
	CHECK_STR(rows,
		  "Inv__c i1 pending a0C000000000001AAA|| 1 2 /data/inv.csv:4 "
		  "2026-11-30T06:02:00.000Z 2026-11-29T06:02:00.500Z\n"
		  "Rev__c r1 synced a0B000000000001AAA|| 1 1 /data/rev.csv:2 "
		  "2026-11-30T06:04:01.123Z 2026-11-30T06:04:01.123Z\n"
		  "Rev__c r2 failed |INVALID_FIELD|bad value 1 1 /data/rev.csv:3 "
		  "2026-11-30T06:04:02.000Z \n"
		  "Rev__c r3 skipped ||drafts 1 0 /data/rev2.csv:9 "
		  "2026-11-30T06:01:00.000Z \n");
	CHECK_INT(state_record_counts(st, "Rev__c", c, &e), 0);
	CHECK_INT(c[REC_SYNCED] + 10 * c[REC_FAILED] + 100 * c[REC_SKIPPED], 111);
	CHECK_INT(state_record_counts(st, NULL, c, &e), 0);
	CHECK_INT(c[REC_PENDING], 1);
	state_close(st);
	query("PRAGMA user_version", v, sizeof(v));
	CHECK_STR(v, "3");
	/* each record's one event was its current state: recs has it */
	query("SELECT count(*) FROM history", v, sizeof(v));
	CHECK_STR(v, "0");
	query("SELECT type FROM sqlite_master WHERE name = 'records'", v,
	      sizeof(v));
	CHECK_STR(v, "view");
	/* the watermark is untouched (its mapping hash stays 16 bytes) */
	query("SELECT hex(mapping_hash) FROM watermarks", v, sizeof(v));
	CHECK_STR(v, "0102030405060708090A0B0C0D0E0F10");
}

/* A run goes on from it: the kept hash still says unchanged, and the
 * history goes on under the same record. */
static void test_run_after_upgrade(void)
{
	struct state_hash h;
	struct state_record r;
	struct state_run run;
	char events[512] = "";
	struct state *st;
	struct bs_err e;

	st = state_open(dir, &e);
	REQUIRE(st != NULL);
	CHECK_INT(state_record_get(st, "Rev__c", "r1", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_SYNCED);
	CHECK_INT(r.has_hash, 1);
	memcpy(&h.h[0], "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	CHECK(r.hash == h.h[0]);
	CHECK_INT(state_record_get(st, "Rev__c", "r2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_FAILED);
	CHECK_INT(r.has_hash, 0);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &run, &e), 0);
	CHECK_INT(run.id, 2);
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_sending(st, run.id, "Rev__c", "r2", 2, &h, 0,
				       "/data/rev.csv", 3, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	CHECK_INT(state_record_outcome(st, run.id, "Rev__c", "r2", 1,
				       "a0B000000000002AAA", NULL, NULL, &e), 0);
	CHECK_INT(state_record_get(st, "Rev__c", "r2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_SYNCED);
	CHECK_INT(r.attempts, 2);
	CHECK(r.has_hash && r.hash == h.h[0]);
	CHECK_INT(history_each(st, "Rev__c", "r2", count_event, events, &e), 0);
	CHECK_STR(events, "failed@1 retried@2 synced@2 ");
	state_close(st);
}

/* Version 2 as billsync wrote it (etl/state/state_schema.c and
 * state_history.c at 715b7d5): its records table and history triggers. */
#define EVENT_V2                                                            \
	"INSERT INTO errors (code, message) SELECT "                        \
	" coalesce(NEW.error_code, ''), coalesce(NEW.error_message, '') "   \
	" WHERE (NEW.error_code IS NOT NULL OR NEW.error_message IS NOT NULL)" \
	" AND NOT EXISTS (SELECT 1 FROM errors WHERE"                       \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, ''));"                      \
	"INSERT INTO history (rec, run, at, status, error) VALUES ("        \
	" bs_rec((SELECT name FROM objects WHERE id = NEW.obj), NEW.key),"  \
	" NEW.run, NEW.updated_at, NEW.status,"                             \
	" CASE WHEN NEW.error_code IS NULL AND NEW.error_message IS NULL"   \
	" THEN NULL ELSE (SELECT id FROM errors WHERE"                      \
	" code = coalesce(NEW.error_code, '') AND"                          \
	" message = coalesce(NEW.error_message, '')) END);"

static const char v2[] =
	"PRAGMA journal_mode = WAL;"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, command TEXT, mode TEXT,"
	" options TEXT, started_at TEXT, finished_at TEXT, phase TEXT,"
	" exit_code INTEGER, message TEXT, work_dir TEXT, report TEXT);"
	"CREATE TABLE files (run INTEGER, path TEXT, object TEXT, rows INTEGER,"
	" status TEXT, updated_at TEXT, PRIMARY KEY (run, path));"
	"CREATE TABLE jobs (id TEXT PRIMARY KEY, run INTEGER, path TEXT,"
	" attempt INTEGER, object TEXT, rows INTEGER, state TEXT,"
	" processed INTEGER, failed INTEGER, error_message TEXT,"
	" created_at TEXT, updated_at TEXT);"
	"CREATE TABLE objects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);"
	"CREATE TABLE recs (obj INTEGER NOT NULL, key TEXT NOT NULL,"
	" status INTEGER NOT NULL, hash INTEGER, sending_hash INTEGER,"
	" forced INTEGER NOT NULL DEFAULT 0, sf_id TEXT, error_code TEXT,"
	" error_message TEXT, run INTEGER, attempts INTEGER NOT NULL DEFAULT 0,"
	" source INTEGER, line INTEGER, updated_at INTEGER, synced_at INTEGER,"
	" PRIMARY KEY (obj, key)) WITHOUT ROWID;"
	"CREATE TABLE statuses (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT INTO statuses (id, name) VALUES (1, 'pending'), (2, 'retried'),"
	" (3, 'synced'), (4, 'resynced'), (5, 'failed'), (6, 'skipped'),"
	" (7, 'deleted');"
	"CREATE TABLE errors (id INTEGER PRIMARY KEY, code TEXT NOT NULL,"
	" message TEXT NOT NULL, UNIQUE (code, message));"
	"CREATE TABLE history (rec INTEGER NOT NULL, run INTEGER,"
	" at INTEGER NOT NULL, status INTEGER, error INTEGER);"
	"CREATE TRIGGER history_new AFTER INSERT ON recs BEGIN " EVENT_V2
	" END;"
	"CREATE TRIGGER history_change AFTER UPDATE OF status, run ON recs"
	" WHEN NEW.status IS NOT OLD.status OR NEW.run IS NOT OLD.run BEGIN "
	EVENT_V2 " END;"
	"INSERT INTO runs (id, command, mode, options, started_at) VALUES"
	" (1, 'run', 'incremental', '', '2026-11-30T06:00:00.000Z'),"
	" (2, 'run', 'incremental', '', '2026-12-01T06:00:00.000Z');"
	"INSERT INTO objects VALUES (1, 'Rev__c');"
	"PRAGMA user_version = 2;";

/* Through the version 2 triggers (times: 1,000,000,000,000 ms and on):
 * w1 sent and synced in run 1; w2 sent and failed; w3 left pending by a
 * killed run; w4 synced in run 1, changed and synced again in run 2. */
static const char rows_v2[] =
	"INSERT INTO recs (obj, key, status, run, updated_at) VALUES"
	" (1, 'w1', 1, 1, 1000000000000), (1, 'w2', 1, 1, 1000000000000),"
	" (1, 'w3', 1, 1, 1000000000000), (1, 'w4', 1, 1, 1000000000000);"
	"UPDATE recs SET status = 3, sf_id = 'a01', updated_at = 1000000060000"
	" WHERE key IN ('w1', 'w4');"
	"UPDATE recs SET status = 5, error_code = 'LOCKED', error_message ="
	" 'row lock', updated_at = 1000000061000 WHERE key = 'w2';"
	"UPDATE recs SET status = 1, run = 2, updated_at = 1000086400000"
	" WHERE key = 'w4';"
	"UPDATE recs SET status = 3, updated_at = 1000086405500"
	" WHERE key = 'w4';";

static int full_event(void *ctx, const struct history_event *e)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s@%lld %s %s;", e->status, e->run, e->at,
		 e->error_code);
	return 0;
}

/* Version 2 kept each record's current state as an event as well, and
 * a pending event before each outcome: the upgrade drops the first and
 * folds the second into the outcome, and every timeline reads the same. */
static void test_upgrade_v2(void)
{
	static const char *const want[] = {
		"pending@1 2001-09-09 01:46:40.000 ;"
		"synced@1 2001-09-09 01:47:40.000 ;",
		"pending@1 2001-09-09 01:46:40.000 ;"
		"failed@1 2001-09-09 01:47:41.000 LOCKED;",
		"pending@1 2001-09-09 01:46:40.000 ;",
		"pending@1 2001-09-09 01:46:40.000 ;"
		"synced@1 2001-09-09 01:47:40.000 ;"
		"pending@2 2001-09-10 01:46:40.000 ;"
		"synced@2 2001-09-10 01:46:45.500 ;",
	};
	char path[300], key[16], ev[512], v[64];
	struct state *st;
	struct bs_err e;
	sqlite3 *db;
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/billsync.db%s", dir,
			 i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		unlink(path);
	}
	db = open_db();
	REQUIRE(db != NULL);
	CHECK_INT(sqlite3_exec(db, v2, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, rows_v2, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	query("SELECT count(*) FROM history", v, sizeof(v));
	CHECK_STR(v, "9");
	st = state_open_readonly(dir, &e);
	REQUIRE(st != NULL);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "w%d", i + 1);
		ev[0] = '\0';
		CHECK_INT(history_each(st, NULL, key, full_event, ev, &e), 0);
		CHECK_STR(ev, want[i]);
	}
	state_close(st);
	query("PRAGMA user_version", v, sizeof(v));
	CHECK_STR(v, "3");
	/* only w4's first outcome is an event now, its pending state in it */
	query("SELECT count(*) || ' ' || status || ' ' || pending_ms FROM "
	      "history", v, sizeof(v));
	CHECK_STR(v, "1 3 60000");
	query("SELECT group_concat(key || ':' || coalesce(pending_ms, '-')) "
	      "FROM recs", v, sizeof(v));
	CHECK_STR(v, "w1:60000,w2:61000,w3:-,w4:5500");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_read_after_upgrade);
	RUN(test_run_after_upgrade);
	RUN(test_upgrade_v2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
