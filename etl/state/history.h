/*
 * history.h - every status change of every record, with its run, time and
 * Salesforce's error: when did this invoice fail, and when did it go
 * through (docs/state.md, "Record history").
 *
 * The history is kept by SQLite triggers on the records table (recs), so
 * every writer of a status (pending, retried, synced, resynced, failed,
 * skipped, deleted, or any later one) appends to it without knowing: a new
 * record, a changed status, or the same status in another run (sent again)
 * is one event.  An event is five integers: the record (63 bits of a hash
 * of its object and key), the run, the time in milliseconds since 1970,
 * the status (a row of `statuses`) and the error (a row of `errors`, each
 * code and message kept once), so it costs some 27 bytes whatever the
 * texts (make bench).  There is no index on the record: a timeline reads
 * the whole table (some seconds per 10 million events).  Events of runs
 * before the last HISTORY_KEEP_RUNS are pruned (history_prune).
 */
#ifndef HISTORY_H
#define HISTORY_H

#include "formats/bs_err.h"

struct state;

/* Runs whose events are kept: about three months of daily runs. */
#define HISTORY_KEEP_RUNS 100

/* Creates the tables and triggers where missing (a state written before
 * the history existed gets them: its records' events start then) and the
 * SQL function the triggers call; called by state_open. */
int history_setup(struct state *st, struct bs_err *err);
/* Makes the SQL function the triggers call known to st's connection
 * (state_open_readonly: statements on records compile the triggers). */
int history_register(struct state *st, struct bs_err *err);

/* A record's number in the history (and in the kept values of
 * state_values.c): 63 bits of a hash of its object and key. */
long long history_rec(const char *object, size_t olen, const char *key,
		      size_t klen);

/* Drops the events of runs up to current - keep_runs, and the error texts
 * no event uses any more. */
int history_prune(struct state *st, long long current, long long keep_runs,
		  struct bs_err *err);

/* The events kept, and the bytes their tables and index take (0 when
 * SQLite was built without its dbstat table). */
int history_size(struct state *st, unsigned long long *events,
		 unsigned long long *bytes, struct bs_err *err);

/* Drops the triggers until the next state_open, which makes them again:
 * for measuring what the history costs (tests/bench/statebench.c). */
int history_pause(struct state *st, struct bs_err *err);

/* One event of a record's timeline. */
struct history_event {
	const char *object, *key;
	long long run;
	const char *at;             /* "YYYY-MM-DD HH:MM:SS.sss" (UTC) */
	const char *status;
	const char *error_code;     /* "" when none */
	const char *error_message;  /* "" when none */
};

/* Calls fn for every event of the records with this key (of this object
 * when object is not NULL), by object, then oldest first; a non-zero
 * return from fn stops (and is returned).  A state without a history
 * (written before it existed, opened read-only) has no events. */
int history_each(struct state *st, const char *object, const char *key,
		 int (*fn)(void *ctx, const struct history_event *e),
		 void *ctx, struct bs_err *err);

#endif
