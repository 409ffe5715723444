/*
 * history.h - every status change of every record, with its run, time and
 * Salesforce's error: when did this invoice fail, and when did it go
 * through (docs/state.md, "Record history").
 *
 * A record's current state is its row of the records table (recs); the
 * history keeps the states it had before, each written by an SQLite
 * trigger on recs when a later one supersedes it, so every writer of a
 * status (pending, retried, synced, resynced, failed, skipped, deleted,
 * or any later one) appends to it without knowing: a changed status, or
 * the same status in another run (sent again), makes the old state an
 * event.  A pending state is folded into its run's outcome: the outcome
 * keeps how long before it the record was sent (pending_ms), so a first
 * sync writes no event at all, and a run killed before the outcome
 * leaves the record pending.  An event is six integers: the record (63
 * bits of a hash of its object and key), the run, the time in
 * milliseconds since 1970, the status (a row of `statuses`), the error (a
 * row of `errors`, each code and message kept once) and the pending
 * time, so it costs about 30 bytes whatever the texts (make bench).
 * There is no index on the record: a timeline reads the whole table
 * (some seconds per 10 million events).  Events of runs before the last
 * HISTORY_KEEP_RUNS are pruned (history_prune); a record's current state
 * never is.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include "formats/bs_err.h"

struct state;

/* Runs whose events are kept: about three months of daily runs. */
#define HISTORY_KEEP_RUNS 100

/* Creates the tables and trigger where missing (a state written before
 * the history existed gets them: its records' events start then) and the
 * SQL function the trigger calls; brings the history of a database of
 * schema version `from` 1 or 2 to version 3 (recs has its pending_ms
 * column already).  Called by state_schema_setup, in its transaction. */
int history_setup(struct state *st, int from, struct bs_err *err);
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

/* Drops the trigger until the next state_open, which makes it again:
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
 * when object is not NULL), by object, then oldest first, the record's
 * current state last; an outcome with a pending state folded into it is
 * two events (pending at the time it was sent, no error; the outcome).
 * A non-zero return from fn stops (and is returned). */
int history_each(struct state *st, const char *object, const char *key,
		 int (*fn)(void *ctx, const struct history_event *e),
		 void *ctx, struct bs_err *err);

#endif
