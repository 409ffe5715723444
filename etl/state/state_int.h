/*
 * state_int.h - what the two halves of the sync state share (state.c, the
 * ledger that runs write; state_read.c, the queries status and records
 * read): the handle and the SQLite helpers.  Not for use outside
 * etl/state/state*.c.
 */
#ifndef STATE_INT_H
#define STATE_INT_H

#include <sqlite3.h>

#include "formats/bs_err.h"

#define STATE_SCHEMA_VERSION 3
#define STATE_CACHE_KIB 16384      /* SQLite page cache: the store's memory */

/* The cached statements of the ledger (state.c stmt_sql). */
enum stmt_id {
	S_REC_GET, S_REC_SENDING, S_REC_SKIPPED, S_REC_OK, S_REC_FAIL,
	S_FILE_ADD, S_FILE_SET, S_FILE_GET, S_JOB_ADD, S_JOB_UPDATE,
	S_DEL_ADD, S_DEL_OK, S_DEL_FAIL,
	S_COUNT
};
/* The statements from here on are prepared when first used: a database
 * that only a reader has opened since an older billsync wrote it has no
 * deletes table yet. */
#define S_LAZY S_DEL_ADD

struct state_vals;

/* Names' rows in `objects` or `sources`, as looked up before (a run
 * has few of either). */
struct state_ids {
	struct state_id {
		char *name;
		long long id;
	} *v;
	size_t n, last;               /* last: the one found last */
};

struct state {
	char *dir;
	int lock_fd;
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	int in_tx;
	char now[32];
	struct state_vals *vals;   /* state_values.c's, made when first used */
	long long now_ms;             /* the same in ms since 1970 */
	struct state_ids objs, srcs;
};

/* A handle for dir, nothing open (lock_fd -1); NULL with err on failure. */
struct state *state_alloc(const char *dir, struct bs_err *err);
/* Prepares the cached statements. */
int state_prepare_all(struct state *st, struct bs_err *err);
/* Sets st->now to the current UTC time, "YYYY-MM-DDTHH:MM:SS.sssZ", and
 * st->now_ms. */
void state_stamp(struct state *st);
/* err = "state database: WHAT: SQLite's message" (BS_E_IO); returns -1. */
int state_db_error(struct state *st, struct bs_err *err, const char *what);
/* state_values.c: its tables (state_open), its part of the handle
 * (state_close), and a deleted record's values forgotten. */
int state_values_setup(struct state *st, struct bs_err *err);
void state_values_release(struct state *st);
int state_values_forget_deleted(struct state *st, long long run,
				const char *object, const char *sf_id,
				struct bs_err *err);

/* Runs sql (no result rows); 0 or -1 with err. */
int state_exec(struct state *st, const char *sql, struct bs_err *err);

/* ---- state_schema.c: the tables, and ids for names ---------------------- */

/* Makes the tables where missing, or brings a version 1 or 2 database up
 * to them (docs/state.md, "The database"); sets the schema version.  For a
 * handle opened read-write, with its lock. */
int state_schema_setup(struct state *st, struct bs_err *err);
/* Adds an INTEGER column to table where it has none; 0 or -1 with err. */
int state_add_column(struct state *st, const char *table, const char *col,
		     struct bs_err *err);
/* The schema version of the open database (0: none), or -1 with err. */
int state_schema_version(struct state *st, struct bs_err *err);
/* The id of an object's name (table `objects`) or of a source file's
 * (`sources`): made when missing if make, else 0 when missing; -1 with
 * err.  Remembered for the handle's life. */
long long state_object_id(struct state *st, const char *name, int make,
			  struct bs_err *err);
long long state_source_id(struct state *st, const char *path,
			  struct bs_err *err);
/* Forgets the ids remembered (a rollback may have undone some). */
void state_ids_forget(struct state *st);

/* ---- state.c: a record's row ------------------------------------------- */

struct state_record;
/* Columns col, col + 1, col + 2 of s (status, hash, attempts, as `recs`
 * has them) into *r. */
void state_record_read(sqlite3_stmt *s, int col, struct state_record *r);

#endif
