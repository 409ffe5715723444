/* test_state.c - the state store: lock, runs, job ledger, record outcomes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "state/state.h"

static char dir[] = "/tmp/billsync-state-XXXXXX";

static void test_lock(void)
{
	struct bs_err e;
	struct state *a = state_open(dir, &e), *b;

	CHECK(a != NULL);
	b = state_open(dir, &e);
	CHECK(b == NULL);
	CHECK_INT(e.kind, BS_E_LOCKED);
	CHECK_CONTAINS(e.msg, "another billsync run (pid ");
	state_close(a);
	b = state_open(dir, &e);      /* free again once closed */
	CHECK(b != NULL);
	state_close(b);
	state_close(NULL);
}

static void test_record_lifecycle(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_record r;
	struct state_hash h1, h2;
	struct state_run run;
	unsigned long long c[REC_COUNT];

	REQUIRE(st != NULL);
	state_hash_row("a,b\n", 4, &h1);
	state_hash_row("a,c\n", 4, &h2);
	CHECK(memcmp(&h1, &h2, sizeof(h1)) != 0);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &run, &e), 0);
	CHECK(run.id > 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k1", 2, &r, &e), 0);

	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_sending(st, run.id, "Obj__c", "k1", 2, &h1, 0,
				       "a.csv", 2, &e), 0);
	CHECK_INT(state_record_sending(st, run.id, "Obj__c", "k2", 2, &h1, 0,
				       "a.csv", 3, &e), 0);
	CHECK_INT(state_record_skipped(st, run.id, "Obj__c", "k3", 2, "drafts",
				       "a.csv", 4, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k1", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_PENDING);
	CHECK_INT(r.has_hash, 0);

	CHECK_INT(state_record_outcome(st, run.id, "Obj__c", "k1", 1,
				       "a01000000000001AAA", NULL, NULL, &e), 0);
	CHECK_INT(state_record_outcome(st, run.id, "Obj__c", "k2", 0, NULL,
				       "INVALID_EMAIL_ADDRESS", "bad", &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k1", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_SYNCED);
	CHECK_INT(r.has_hash, 1);
	CHECK(r.hash == h1.h[0]);
	CHECK_INT(state_record_get(st, "Obj__c", "k2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_FAILED);
	CHECK_INT(r.has_hash, 0);

	/* the failed one is sent again: retried, then synced */
	CHECK_INT(state_record_sending(st, run.id, "Obj__c", "k2", 2, &h2, 0,
				       "a.csv", 3, &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_RETRIED);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(state_record_outcome(st, run.id, "Obj__c", "k2", 1, "x", NULL,
				       NULL, &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k2", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_SYNCED);
	CHECK(r.hash == h2.h[0]);

	/* forced re-send: resynced, hash kept */
	CHECK_INT(state_record_sending(st, run.id, "Obj__c", "k1", 2, &h1, 1,
				       "a.csv", 2, &e), 0);
	CHECK_INT(state_record_outcome(st, run.id, "Obj__c", "k1", 1, "y", NULL,
				       NULL, &e), 0);
	CHECK_INT(state_record_get(st, "Obj__c", "k1", 2, &r, &e), 1);
	CHECK_INT(r.status, REC_RESYNCED);

	CHECK_INT(state_record_counts(st, "Obj__c", c, &e), 0);
	CHECK_INT(c[REC_SYNCED], 1);
	CHECK_INT(c[REC_RESYNCED], 1);
	CHECK_INT(c[REC_SKIPPED], 1);
	state_close(st);
}

static int count_row(void *ctx, const struct state_row *r)
{
	(*(int *)ctx)++;
	CHECK_STR(r->object, "Obj__c");
	return 0;
}

static void test_runs_and_jobs(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_run run, un;
	enum state_file_status fs;
	struct state_runs runs;
	char job[32];
	int n = 0;

	REQUIRE(st != NULL);
	CHECK_INT(state_run_begin(st, "run", "full", "--full", &run, &e), 0);
	CHECK_INT(state_run_unfinished(st, &un, &e), 1);   /* exporting */
	CHECK_INT(un.phase, RUN_EXPORTING);
	CHECK_INT(state_run_set_work_dir(st, run.id, "/w/runs/2", &e), 0);
	CHECK_INT(state_file_add(st, run.id, "Obj__c/Obj__c-0001.csv.gz",
				 "Obj__c", 10, &e), 0);
	CHECK_INT(state_run_set_phase(st, run.id, RUN_LOADING, 0, NULL, NULL,
				      &e), 0);
	CHECK_INT(state_job_add(st, run.id, "Obj__c/Obj__c-0001.csv.gz",
				"750000000000001AAA", 0, 10, "Obj__c", &e), 0);
	CHECK_INT(state_job_update(st, "750000000000001AAA", "InProgress", 4, 0,
				   NULL, &e), 0);
	CHECK_INT(state_file_get(st, run.id, "Obj__c/Obj__c-0001.csv.gz", &fs,
				 job, &e), 1);
	CHECK_INT(fs, FILE_PENDING);
	CHECK_STR(job, "750000000000001AAA");
	CHECK_INT(state_run_set_phase(st, run.id, RUN_PAUSED, 8, "limit", NULL,
				      &e), 0);
	CHECK_INT(state_run_unfinished(st, &un, &e), 1);
	CHECK_INT(un.id, run.id);
	CHECK_INT(un.phase, RUN_PAUSED);
	CHECK_STR(un.work_dir, "/w/runs/2");
	CHECK_INT(state_file_set(st, run.id, "Obj__c/Obj__c-0001.csv.gz",
				 FILE_DONE, &e), 0);
	CHECK_INT(state_run_unfinished(st, &un, &e), 0);   /* all files done */
	CHECK_INT(state_runs_read(st, 10, &runs, &e), 0);
	CHECK(runs.n >= 1);
	if (runs.n >= 1) {   /* the newest first, with its file and job */
		const struct state_run_info *ri = &runs.runs[0];

		CHECK_INT(ri->id, run.id);
		CHECK_STR(ri->command, "run");
		CHECK_STR(ri->mode, "full");
		CHECK_STR(ri->options, "--full");
		CHECK_STR(ri->phase, "paused");
		CHECK_INT(ri->has_exit_code, 1);
		CHECK_INT(ri->exit_code, 8);
		CHECK_STR(ri->message, "limit");
		CHECK_STR(ri->work_dir, "/w/runs/2");
		CHECK(ri->report == NULL);
		CHECK_INT(ri->nfiles, 1);
		if (ri->nfiles == 1) {
			const struct state_file_info *f = &ri->files[0];

			CHECK_STR(f->path, "Obj__c/Obj__c-0001.csv.gz");
			CHECK_STR(f->object, "Obj__c");
			CHECK_INT(f->rows, 10);
			CHECK_STR(f->status, "done");
			CHECK_INT(f->njobs, 1);
			if (f->njobs == 1) {
				CHECK_STR(f->jobs[0].id, "750000000000001AAA");
				CHECK_STR(f->jobs[0].state, "InProgress");
				CHECK_INT(f->jobs[0].processed, 4);
				CHECK_INT(f->jobs[0].rows, 10);
				CHECK(f->jobs[0].error_message == NULL);
			}
		}
	}
	state_runs_release(&runs);
	CHECK_INT(runs.n, 0);
	CHECK_INT(state_records_each(st, "Obj__c", NULL, NULL, count_row, &n,
				     &e), 0);
	CHECK_INT(n, 3);
	n = 0;
	CHECK_INT(state_records_each(st, NULL, "skipped", NULL, count_row, &n,
				     &e), 0);
	CHECK_INT(n, 1);
	state_close(st);
}

struct one {
	char status[16], updated_at[32], error_code[64], error_message[64],
		source[64];
	long long run, line;
};

static int keep_one(void *ctx, const struct state_row *r)
{
	struct one *o = ctx;

	snprintf(o->status, sizeof(o->status), "%s", r->status);
	snprintf(o->updated_at, sizeof(o->updated_at), "%s", r->updated_at);
	snprintf(o->error_code, sizeof(o->error_code), "%s", r->error_code);
	snprintf(o->error_message, sizeof(o->error_message), "%s",
		 r->error_message);
	snprintf(o->source, sizeof(o->source), "%s", r->source);
	o->run = r->run;
	o->line = r->line;
	return 1;
}

static void get_one(struct state *st, const char *key, struct one *o)
{
	struct state_filter f = { "Skip__c", key, NULL, NULL };
	struct bs_err e;

	memset(o, 0, sizeof(*o));
	CHECK_INT(state_records_find(st, &f, keep_one, o, &e), 0);
}

static void pause_ms(void)
{
	struct timespec ts = { 0, 5 * 1000000 };

	nanosleep(&ts, NULL);
}

/* A record skipped again by the same filter keeps its run and updated_at
 * (`records --since` lists it once); a new filter or status moves them. */
static void test_skipped_kept(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_run r1, r2, r3;
	struct one o, first;
	unsigned long long n;
	struct state_filter since = { "Skip__c", NULL, NULL, NULL };

	REQUIRE(st != NULL);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r1, &e), 0);
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_skipped(st, r1.id, "Skip__c", "s1", 2, "drafts",
				       "a.csv", 4, &e), 0);
	CHECK_INT(state_record_sending(st, r1.id, "Skip__c", "s2", 2, NULL, 0,
				       "a.csv", 5, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	CHECK_INT(state_record_outcome(st, r1.id, "Skip__c", "s2", 0, NULL,
				       "INVALID_EMAIL_ADDRESS", "bad", &e), 0);
	get_one(st, "s1", &first);
	CHECK_STR(first.status, "skipped");
	CHECK_INT(first.run, r1.id);

	pause_ms();
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r2, &e), 0);
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_skipped(st, r2.id, "Skip__c", "s1", 2, "drafts",
				       "a.csv", 4, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	get_one(st, "s1", &o);
	CHECK_INT(o.run, r1.id);                 /* same filter: untouched */
	CHECK_STR(o.updated_at, first.updated_at);
	since.since = o.updated_at;
	since.status = "skipped";
	CHECK_INT(state_records_count(st, &since, &n, &e), 0);
	CHECK_INT(n, 1);

	/* the row moved in the file: where it is follows, the times do not */
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_skipped(st, r2.id, "Skip__c", "s1", 2, "drafts",
				       "b.csv", 9, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	get_one(st, "s1", &o);
	CHECK_STR(o.source, "b.csv");
	CHECK_INT(o.line, 9);
	CHECK_INT(o.run, r1.id);
	CHECK_STR(o.updated_at, first.updated_at);

	/* another filter, and a failed record now filtered: both move */
	pause_ms();
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r3, &e), 0);
	CHECK_INT(state_begin(st, &e), 0);
	CHECK_INT(state_record_skipped(st, r3.id, "Skip__c", "s1", 2, "zero",
				       "b.csv", 9, &e), 0);
	CHECK_INT(state_record_skipped(st, r3.id, "Skip__c", "s2", 2, "drafts",
				       "a.csv", 5, &e), 0);
	CHECK_INT(state_commit(st, &e), 0);
	get_one(st, "s1", &o);
	CHECK_INT(o.run, r3.id);
	CHECK_STR(o.error_message, "zero");
	CHECK(strcmp(o.updated_at, first.updated_at) > 0);
	get_one(st, "s2", &o);
	CHECK_STR(o.status, "skipped");
	CHECK_INT(o.run, r3.id);
	CHECK_STR(o.error_code, "");             /* the failure's code is gone */
	CHECK_STR(o.error_message, "drafts");
	state_close(st);
}

static void test_watermarks(void)
{
	struct bs_err e;
	struct state *st = state_open(dir, &e);
	struct state_watermark w;
	struct state_hash h;
	struct state_run run;
	unsigned long long left;

	REQUIRE(st != NULL);
	state_hash_row("[object]\n", 9, &h);
	CHECK_INT(state_watermark_get(st, "Rev__c", &w, &e), 0);
	CHECK_INT(state_watermark_set(st, "Rev__c", "2024-06-19T00:00:00.000Z",
				      &h, 7, &e), 0);
	CHECK_INT(state_watermark_get(st, "Rev__c", &w, &e), 1);
	CHECK_STR(w.value, "2024-06-19T00:00:00.000Z");
	CHECK(memcmp(&w.mapping, &h, sizeof(h)) == 0);
	CHECK_INT(w.run, 7);
	CHECK_INT(state_watermark_set(st, "Rev__c", "2024-06-30T00:00:00.000Z",
				      &h, 8, &e), 0);
	CHECK_INT(state_watermark_get(st, "Rev__c", &w, &e), 1);
	CHECK_STR(w.value, "2024-06-30T00:00:00.000Z");
	CHECK_INT(state_watermark_get(st, "Other__c", &w, &e), 0);
	CHECK_INT(state_watermark_clear(st, "Rev__c", &e), 0);
	CHECK_INT(state_watermark_get(st, "Rev__c", &w, &e), 0);

	CHECK_INT(state_run_begin(st, "run", "incremental", "", &run, &e), 0);
	CHECK_INT(state_file_add(st, run.id, "Rev__c/Rev__c-0001.csv.gz",
				 "Rev__c", 3, &e), 0);
	CHECK_INT(state_file_add(st, run.id, "Rev__c/Rev__c-0002.csv.gz",
				 "Rev__c", 3, &e), 0);
	CHECK_INT(state_files_left(st, run.id, "Rev__c", &left, &e), 0);
	CHECK_INT(left, 2);
	CHECK_INT(state_file_set(st, run.id, "Rev__c/Rev__c-0001.csv.gz",
				 FILE_DONE, &e), 0);
	CHECK_INT(state_file_set(st, run.id, "Rev__c/Rev__c-0002.csv.gz",
				 FILE_DONE, &e), 0);
	CHECK_INT(state_files_left(st, run.id, "Rev__c", &left, &e), 0);
	CHECK_INT(left, 0);
	CHECK_INT(state_files_left(st, run.id, "Other__c", &left, &e), 0);
	CHECK_INT(left, 0);
	state_close(st);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_lock);
	RUN(test_record_lifecycle);
	RUN(test_runs_and_jobs);
	RUN(test_skipped_kept);
	RUN(test_watermarks);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
