/* test_state_scan.c - an object's records read in key order (the
 * incremental run's unchanged check): found, not found, stepped to or
 * probed for, in SQLite's order of text, and the order enforced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-scan-XXXXXX";

#define NREC 200

/* k000, k002, ... k398 (even numbers) of Obj__c, synced with their own
 * row; a few keys whose order is SQLite's (a prefix first, bytes above
 * 0x7f after ASCII); one record of Other__c */
static void fill(struct state *st)
{
	static const char *const odd[] = { "k1", "k1a", "k1\xc3\xa9" };
	struct state_run run;
	struct state_hash h;
	struct bs_err e;
	char key[16];
	int i;

	REQUIRE(state_run_begin(st, "run", "incremental", "", &run, &e) == 0);
	REQUIRE(state_begin(st, &e) == 0);
	for (i = NREC - 1; i >= 0; i--) {     /* written out of order */
		snprintf(key, sizeof(key), "k%03d", 2 * i);
		state_hash_row(key, strlen(key), &h);
		CHECK_INT(state_record_sending(st, run.id, "Obj__c", key,
					       strlen(key), &h, 0, "a.csv",
					       (unsigned long)i, &e), 0);
	}
	for (i = 0; i < 3; i++) {
		state_hash_row(odd[i], strlen(odd[i]), &h);
		CHECK_INT(state_record_sending(st, run.id, "Obj__c", odd[i],
					       strlen(odd[i]), &h, 0, "a.csv",
					       1, &e), 0);
	}
	state_hash_row("other", 5, &h);
	CHECK_INT(state_record_sending(st, run.id, "Other__c", "k000", 4, &h,
				       0, "b.csv", 1, &e), 0);
	REQUIRE(state_commit(st, &e) == 0);
	for (i = 0; i < NREC; i++) {
		snprintf(key, sizeof(key), "k%03d", 2 * i);
		/* every tenth failed: it has no hash of a successful sync */
		CHECK_INT(state_record_outcome(st, run.id, "Obj__c", key,
					       i % 10 != 3, "a01", "E", "m",
					       &e), 0);
	}
	for (i = 0; i < 3; i++)
		CHECK_INT(state_record_outcome(st, run.id, "Obj__c", odd[i], 1,
					       "a01", NULL, NULL, &e), 0);
}

/* Asks for key; 1 when found with the hash of its own text (synced) or
 * without a hash (failed), as fill made it. */
static int ask(struct state_scan *sc, const char *key, int *failed)
{
	struct state_record r;
	struct state_hash h;
	struct bs_err e;
	int got = state_scan_get(sc, key, strlen(key), &r, &e);

	CHECK(got >= 0);
	if (got != 1)
		return got;
	state_hash_row(key, strlen(key), &h);
	*failed = r.status == REC_FAILED;
	CHECK(r.status == (*failed ? REC_FAILED : REC_SYNCED));
	CHECK_INT(r.has_hash, !*failed);
	if (!*failed)
		CHECK(r.hash == h.h[0]);
	return 1;
}

static void test_walk(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_scan *sc = NULL;
	struct state_record r;
	char key[16];
	int i, failed = 0, found = 0, nfailed = 0;

	REQUIRE(st != NULL);
	fill(st);

	/* every key from k000 to k399, present or not: steps only */
	CHECK_INT(state_scan_open(st, "Obj__c", &sc, &e), 0);
	REQUIRE(sc != NULL);
	for (i = 0; i < 2 * NREC; i++) {
		int got;

		if (i == 100) {      /* k099 < k1 < k100: a prefix first */
			CHECK_INT(ask(sc, "k1", &failed), 1);
			CHECK_INT(ask(sc, "k1", &failed), 1);  /* again: fine */
		}
		if (i == 200) {      /* k198 < k1a < k1b < k1é < k200 */
			CHECK_INT(ask(sc, "k1a", &failed), 1);
			CHECK_INT(ask(sc, "k1b", &failed), 0);
			CHECK_INT(ask(sc, "k1\xc3\xa9", &failed), 1);
		}
		snprintf(key, sizeof(key), "k%03d", i);
		got = ask(sc, key, &failed);
		CHECK_INT(got, i % 2 == 0);
		found += got == 1;
		nfailed += got == 1 && failed;
	}
	CHECK_INT(found, NREC);
	CHECK_INT(nfailed, NREC / 10);
	CHECK_INT(ask(sc, "zzz", &failed), 0);   /* past the last */
	state_scan_close(sc);

	/* far apart: each found by a probe, none of Other__c's */
	CHECK_INT(state_scan_open(st, "Obj__c", &sc, &e), 0);
	REQUIRE(sc != NULL);
	CHECK_INT(ask(sc, "k", &failed), 0);
	CHECK_INT(ask(sc, "k000", &failed), 1);
	CHECK_INT(ask(sc, "k100", &failed), 1);
	CHECK_INT(ask(sc, "k101", &failed), 0);
	CHECK_INT(ask(sc, "k102", &failed), 1);
	CHECK_INT(ask(sc, "k396", &failed), 1);
	/* a key smaller than one asked before is a mistake, not "missing" */
	CHECK_INT(state_scan_get(sc, "k200", 4, &r, &e), -1);
	CHECK_INT(e.kind, BS_E_INTERNAL);
	state_scan_close(sc);

	CHECK_INT(state_scan_open(st, "Other__c", &sc, &e), 0);
	REQUIRE(sc != NULL);
	CHECK_INT(state_scan_get(sc, "k000", 4, &r, &e), 1);
	CHECK_INT(state_scan_get(sc, "k002", 4, &r, &e), 0);
	state_scan_close(sc);

	/* no record of the object: no scan */
	sc = (struct state_scan *)&e;
	CHECK_INT(state_scan_open(st, "None__c", &sc, &e), 0);
	CHECK(sc == NULL);
	state_scan_close(NULL);
	state_close(st);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_walk);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
