/* test_history.c - the record history (state/history.h): every status
 * change appended with its run and Salesforce's error, nothing for a
 * write that changes nothing, pruning with the runs (issue 13). */
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

	/* pruned with its runs: the last two of three are kept */
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r3, &e), 0);
	CHECK_INT(history_prune(st, r3.id, 2, &e), 0);
	CHECK_STR(timeline(st, NULL, "k1"),
		  "Inv__c/2:retried:INVALID_EMAIL_ADDRESS;Inv__c/2:synced:;");
	CHECK_STR(timeline(st, NULL, "k2"), "");
	state_close(st);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_timeline);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
