/* test_history.c - the record history (state/history.h): every status
 * change appended with its run and Salesforce's error, nothing for a
 * write that changes nothing, pruning with the runs (issue 13); a pending
 * state folded into its run's outcome, and no event written for a
 * record's current state (issue 19). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "state/history.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-history-XXXXXX";

/* "OBJECT/RUN:STATUS:CODE;" per event, appended to a 4096-byte buffer. */
static int add_event(void *ctx, const struct history_event *e)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	snprintf(buf + n, 4096 - n, "%s/%lld:%s:%s;", e->object, e->run,
		 e->status, e->error_code);
	return 0;
}

static const char *timeline(struct state *st, const char *object,
			    const char *key)
{
	static char buf[4096];
	struct bs_err e;

	buf[0] = '\0';
	CHECK_INT(history_each(st, object, key, add_event, buf, &e), 0);
	return buf;
}

static void test_timeline(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_run r1, r2, r3;
	struct state_hash h;

	REQUIRE(st != NULL);
	state_hash_row("a\n", 2, &h);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r1, &e), 0);
	CHECK_INT(state_record_sending(st, r1.id, "Inv__c", "k1", 2, &h, 0,
				       "a.csv", 2, &e), 0);
	CHECK_INT(state_record_sending(st, r1.id, "Cus__c", "k1", 2, &h, 0,
				       "c.csv", 2, &e), 0);
	CHECK_INT(state_record_skipped(st, r1.id, "Inv__c", "k2", 2, "drafts",
				       "a.csv", 3, &e), 0);
	CHECK_INT(state_record_outcome(st, r1.id, "Inv__c", "k1", 0, NULL,
				       "INVALID_EMAIL_ADDRESS", "bad email",
				       &e), 0);
	CHECK_INT(state_record_outcome(st, r1.id, "Cus__c", "k1", 1, "a01",
				       NULL, NULL, &e), 0);
	/* the same outcome written twice is one event */
	CHECK_INT(state_record_outcome(st, r1.id, "Cus__c", "k1", 1, "a01",
				       NULL, NULL, &e), 0);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r2, &e), 0);
	CHECK_INT(state_record_sending(st, r2.id, "Inv__c", "k1", 2, &h, 0,
				       "a.csv", 2, &e), 0);
	CHECK_INT(state_record_outcome(st, r2.id, "Inv__c", "k1", 1, "a02",
				       NULL, NULL, &e), 0);
	/* skipped again by the same filter: no event */
	CHECK_INT(state_record_skipped(st, r2.id, "Inv__c", "k2", 2, "drafts",
				       "a.csv", 3, &e), 0);
	CHECK_STR(timeline(st, NULL, "k1"),
		  "Cus__c/1:pending:;Cus__c/1:synced:;"
		  "Inv__c/1:pending:;Inv__c/1:failed:INVALID_EMAIL_ADDRESS;"
		  "Inv__c/2:retried:INVALID_EMAIL_ADDRESS;Inv__c/2:synced:;");
	CHECK_STR(timeline(st, "Cus__c", "k1"),
		  "Cus__c/1:pending:;Cus__c/1:synced:;");
	CHECK_STR(timeline(st, NULL, "k2"), "Inv__c/1:skipped:;");
	CHECK_STR(timeline(st, NULL, "none"), "");

	/* pruned with its runs: the last two of three are kept; a record's
	   current state stays (Cus__c k1 is synced since run 1, k2 skipped) */
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r3, &e), 0);
	CHECK_INT(history_prune(st, r3.id, 2, &e), 0);
	CHECK_STR(timeline(st, NULL, "k1"),
		  "Cus__c/1:pending:;Cus__c/1:synced:;"
		  "Inv__c/2:retried:INVALID_EMAIL_ADDRESS;Inv__c/2:synced:;");
	CHECK_STR(timeline(st, NULL, "k2"), "Inv__c/1:skipped:;");
	state_close(st);
}

static unsigned long long events_kept(struct state *st)
{
	unsigned long long n = 0, bytes;
	struct bs_err e;

	CHECK_INT(history_size(st, &n, &bytes, &e), 0);
	return n;
}

/* The time of the record's last event ("YYYY-MM-DD HH:MM:SS.sss"). */
static int take_at(void *ctx, const struct history_event *e)
{
	snprintf(ctx, 32, "%s", e->at);
	return 0;
}

/* The time of its first. */
static int take_first_at(void *ctx, const struct history_event *e)
{
	char *out = ctx;

	if (!*out)
		snprintf(out, 32, "%s", e->at);
	return 0;
}

/* The record's updated_at as records shows it, in the history's form. */
static int take_updated(void *ctx, const struct state_row *r)
{
	char *out = ctx;

	snprintf(out, 32, "%.10s %.12s", r->updated_at, r->updated_at + 11);
	return 0;
}

/* A first sync writes no event: the pending state is folded into the
 * outcome, which is the record's row; the time it was sent is kept to
 * the millisecond.  A run killed before the outcome leaves its pending
 * state, an event once the next run sends the record again. */
static void test_folded(void)
{
	struct state_run r1, r2, r3;
	struct state_hash h;
	char sub[300], sent[32] = "", shown[512] = "";
	struct state *st;
	struct bs_err e;

	snprintf(sub, sizeof(sub), "%s/folded", dir);   /* runs from 1 */
	st = state_open(sub, &e);
	REQUIRE(st != NULL);
	state_hash_row("b\n", 2, &h);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r1, &e), 0);
	CHECK_INT(state_record_sending(st, r1.id, "Fold__c", "f1", 2, &h, 0,
				       "f.csv", 2, &e), 0);
	CHECK_INT(state_record_sending(st, r1.id, "Fold__c", "f2", 2, &h, 0,
				       "f.csv", 3, &e), 0);
	CHECK_INT(state_records_each(st, "Fold__c", NULL, NULL, take_updated,
				     sent, &e), 0);
	CHECK_INT(state_begin(st, &e), 0);   /* a later time */
	CHECK_INT(state_record_outcome(st, r1.id, "Fold__c", "f1", 1, "a09",
				       NULL, NULL, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	CHECK_INT(events_kept(st), 0);
	CHECK_STR(timeline(st, NULL, "f1"),
		  "Fold__c/1:pending:;Fold__c/1:synced:;");
	CHECK_INT(history_each(st, NULL, "f2", take_at, shown, &e), 0);
	CHECK_STR(shown, sent);    /* f2 last: the time f1 and f2 were sent */
	/* f2's run was killed: the next run sends it again, then deletes f1 */
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r2, &e), 0);
	CHECK_INT(state_record_sending(st, r2.id, "Fold__c", "f2", 2, &h, 0,
				       "f.csv", 3, &e), 0);
	CHECK_INT(state_record_outcome(st, r2.id, "Fold__c", "f2", 0, NULL,
				       "LOCKED", "row lock", &e), 0);
	CHECK_STR(timeline(st, NULL, "f2"),
		  "Fold__c/1:pending:;Fold__c/2:pending:;Fold__c/2:failed:LOCKED;");
	CHECK_INT(events_kept(st), 1);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r3, &e), 0);
	CHECK_INT(state_delete_planned(st, r3.id, "Fold__c", "a09", "f1",
				       "missing", NULL, 0, &e), 0);
	CHECK_INT(state_delete_outcome(st, r3.id, "Fold__c", "a09", 1, NULL,
				       NULL, &e), 0);
	CHECK_STR(timeline(st, "Fold__c", "f1"),
		  "Fold__c/1:pending:;Fold__c/1:synced:;Fold__c/3:deleted:;");
	/* the time f1 was sent survives its outcome becoming an event */
	shown[0] = '\0';
	CHECK_INT(history_each(st, NULL, "f1", take_first_at, shown, &e), 0);
	CHECK_STR(shown, sent);
	CHECK_INT(events_kept(st), 2);
	state_close(st);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_timeline);
	RUN(test_folded);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
