/* test_state_deletes.c - planned deletes and their outcomes in the state
 * store: by Salesforce Id to the record, status deleted with its hash
 * forgotten (a row that comes back is sent again), or failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-statedel-XXXXXX";

#define SF1 "a01000000000001AAA"
#define SF2 "a01000000000002AAA"

static void synced(struct state *st, long long run, const char *key,
		   const char *sf_id)
{
	struct state_hash h;
	struct bs_err e;

	state_hash_row(key, strlen(key), &h);
	CHECK_INT(state_record_sending(st, run, "Obj__c", key, strlen(key), &h,
				       0, "a.csv", 2, &e), 0);
	CHECK_INT(state_record_outcome(st, run, "Obj__c", key, 1, sf_id, NULL,
				       NULL, &e), 0);
}

static void test_outcomes(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_record r;
	struct state_run run;
	unsigned long long c[REC_COUNT];

	REQUIRE(st != NULL);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &run, &e), 0);
	synced(st, run.id, "k1", SF1);
	synced(st, run.id, "k2", SF2);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &run, &e), 0);
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_delete_planned(st, run.id, "Obj__c", SF1, "k1", "marked",
				       "a.csv", 3, &e), 0);
	CHECK_INT(state_delete_planned(st, run.id, "Obj__c", SF2, "k2",
				       "missing", NULL, 0, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);

	CHECK_INT(state_delete_outcome(st, run.id, "Obj__c", SF1, 1, NULL, NULL,
				       &e), 0);
	CHECK_INT(state_delete_outcome(st, run.id, "Obj__c", SF2, 0,
				       "UNABLE_TO_LOCK_ROW", "locked", &e), 0);
	/* an Id the run did not plan changes nothing */
	CHECK_INT(state_delete_outcome(st, run.id, "Obj__c", "a01000000000009AAA",
				       1, NULL, NULL, &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k1", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_DELETED);
	CHECK_INT(r.has_hash, 0);     /* a row that comes back is sent again */
	CHECK_INT(state_record_get(st, "Obj__c", "k2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_FAILED);
	CHECK_INT(state_record_counts(st, "Obj__c", c, &e), 0);
	CHECK_INT(c[REC_DELETED], 1);
	CHECK_INT(c[REC_FAILED], 1);
	CHECK_STR(state_rec_status_name(REC_DELETED), "deleted");
	state_close(st);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_outcomes);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
