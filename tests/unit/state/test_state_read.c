/* test_state_read.c - reading the state while a run holds it: the
 * read-only open, filters, object names, one run's JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-state-read-XXXXXX";

struct keys {
	char text[256];
	int n;
};

static int keep_key(void *ctx, const struct state_row *r)
{
	struct keys *k = ctx;
	size_t len = strlen(k->text);

	snprintf(k->text + len, sizeof(k->text) - len, "%s%s/%s", len ? " " : "",
		 r->object, r->key);
	k->n++;
	return 0;
}

static int keep_name(void *ctx, const char *name)
{
	struct keys *k = ctx;
	size_t len = strlen(k->text);

	snprintf(k->text + len, sizeof(k->text) - len, "%s%s", len ? " " : "",
		 name);
	k->n++;
	return 0;
}

static void test_missing(void)
{
	char path[256], want[300];
	struct bs_err e;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/never", dir);
	CHECK_INT(state_exists(path), 0);
	CHECK(state_open_readonly(path, &e) == NULL);
	CHECK_INT(e.kind, BS_E_INPUT);
	snprintf(want, sizeof(want), "no runs yet: %s has no billsync.db", path);
	CHECK_STR(e.msg, want);
	CHECK(stat(path, &sb) != 0);     /* nothing was created */
}

/* A writer with a batch open: the reader sees what was committed only. */
static void test_read_while_writing(void)
{
	struct bs_err e;
	struct state *w = state_open(dir, &e), *r;
	struct state_hash h;
	struct state_run run;
	struct keys k = { "", 0 };
	struct state_filter all = { NULL, NULL, NULL, NULL };
	unsigned long long n = 99;

	REQUIRE(w != NULL);
	state_hash_row("x", 1, &h);
	CHECK_INT(state_run_begin(w, "run", "incremental", "", &run, &e), 0);
	CHECK_INT(state_begin(w, &e), 0);
	CHECK_INT(state_record_sending(w, run.id, "B__c", "b1", 2, &h, 0,
				       "b.csv", 2, &e), 0);
	CHECK_INT(state_record_sending(w, run.id, "A__c", "a2", 2, &h, 0,
				       "a.csv", 3, &e), 0);
	CHECK_INT(state_record_sending(w, run.id, "A__c", "a1", 2, &h, 0,
				       "a.csv", 2, &e), 0);
	CHECK_INT(state_commit(w, &e), 0);
	CHECK_INT(state_record_outcome(w, run.id, "A__c", "a1", 0, NULL,
				       "INVALID_FIELD", "bad", &e), 0);
	CHECK_INT(state_begin(w, &e), 0);   /* not committed: */
	CHECK_INT(state_record_sending(w, run.id, "C__c", "c1", 2, &h, 0,
				       "c.csv", 2, &e), 0);

	CHECK_INT(state_exists(dir), 1);
	r = state_open_readonly(dir, &e);   /* the writer holds the lock */
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(state_records_find(r, &all, keep_key, &k, &e), 0);
		CHECK_STR(k.text, "A__c/a1 A__c/a2 B__c/b1");
		CHECK_INT(state_records_count(r, &all, &n, &e), 0);
		CHECK_INT(n, 3);
		k.text[0] = '\0';
		CHECK_INT(state_objects_each(r, keep_name, &k, &e), 0);
		CHECK_STR(k.text, "A__c B__c");
		/* writing through it fails, it does not crash */
		CHECK_INT(state_record_outcome(r, run.id, "A__c", "a2", 1, "x",
					       NULL, NULL, &e), -1);
		CHECK_INT(e.kind, BS_E_IO);
		state_close(r);
	}
	CHECK_INT(state_commit(w, &e), 0);
	r = state_open_readonly(dir, &e);
	if (r) {
		CHECK_INT(state_records_count(r, &all, &n, &e), 0);
		CHECK_INT(n, 4);     /* now it is committed */
		state_close(r);
	}
	state_close(w);
}

static void test_filters(void)
{
	struct bs_err e;
	struct state *st = state_open_readonly(dir, &e);
	struct state_filter f = { "A__c", NULL, NULL, NULL };
	struct keys k = { "", 0 };
	unsigned long long n;
	struct state_runs runs;

	REQUIRE(st != NULL);
	CHECK_INT(state_records_find(st, &f, keep_key, &k, &e), 0);
	CHECK_STR(k.text, "A__c/a1 A__c/a2");
	f.status = "failed";
	k.text[0] = '\0';
	CHECK_INT(state_records_find(st, &f, keep_key, &k, &e), 0);
	CHECK_STR(k.text, "A__c/a1");
	f.object = NULL;
	f.status = NULL;
	f.key = "b1";
	CHECK_INT(state_records_count(st, &f, &n, &e), 0);
	CHECK_INT(n, 1);
	f.key = NULL;
	f.since = "2000-01-01";
	CHECK_INT(state_records_count(st, &f, &n, &e), 0);
	CHECK_INT(n, 4);
	f.since = "9999-01-01T00:00:00.000Z";
	CHECK_INT(state_records_count(st, &f, &n, &e), 0);
	CHECK_INT(n, 0);
	/* the old entry point gives the same */
	k.text[0] = '\0';
	CHECK_INT(state_records_each(st, "A__c", "failed", NULL, keep_key, &k,
				     &e), 0);
	CHECK_STR(k.text, "A__c/a1");

	CHECK_INT(state_run_read(st, 1, &runs, &e), 1);
	CHECK_INT(runs.n, 1);
	if (runs.n == 1) {   /* going on: no exit code, no files yet */
		CHECK_INT(runs.runs[0].id, 1);
		CHECK_STR(runs.runs[0].phase, "exporting");
		CHECK_INT(runs.runs[0].has_exit_code, 0);
		CHECK(runs.runs[0].finished_at == NULL);
		CHECK_INT(runs.runs[0].nfiles, 0);
	}
	state_runs_release(&runs);
	CHECK_INT(state_run_read(st, 42, &runs, &e), 0);
	CHECK_INT(runs.n, 0);
	state_runs_release(&runs);
	state_close(st);
}

static void test_not_a_database(void)
{
	char path[256], db[300];
	struct bs_err e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/junk", dir);
	mkdir(path, 0700);
	snprintf(db, sizeof(db), "%s/billsync.db", path);
	f = fopen(db, "w");
	REQUIRE(f != NULL);
	fputs("this is not a database, and it is long enough to look at\n", f);
	fclose(f);
	CHECK_INT(state_exists(path), 1);
	CHECK(state_open_readonly(path, &e) == NULL);
	CHECK(e.kind == BS_E_IO || e.kind == BS_E_INPUT);
	CHECK_CONTAINS(e.msg, "state database");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_missing);
	RUN(test_read_while_writing);
	RUN(test_filters);
	RUN(test_not_a_database);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
