/* test_loader.c - loader_run and its hooks against the emulator: without
 * hooks, the order and content of hook calls, resuming jobs, skipping
 * files, and a failing hook.  Runs from the repository root (make check);
 * starts the emulator with tests/salesforce/emuctl.py. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "export/bulkdir.h"
#include "base/config.h"
#include "sf/http.h"
#include "load/loader.h"
#include "sf/sf_auth.h"

#define NFILES 6
#define NROWS 18

static char dir[] = "/tmp/billsync-loader-XXXXXX";
static char url[256];
static const char *python;

static int sh(const char *fmt, ...) BS_PRINTF(1, 2);

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int start_emulator(void)
{
	char cmd[1024];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s tests/salesforce/emuctl.py start --dir %s",
		 python, dir);
	p = popen(cmd, "r");
	if (!p || !fgets(url, sizeof(url), p)) {
		if (p)
			pclose(p);
		return -1;
	}
	url[strcspn(url, "\n")] = '\0';
	return pclose(p) == 0 ? 0 : -1;
}

static struct config *make_config(void)
{
	struct config *c = config_new_defaults();
	char path[512];
	struct bs_err e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/secret", dir);
	f = fopen(path, "w");
	fputs("demo-secret\n", f);
	fclose(f);
	chmod(path, 0600);
	if (config_set(c, "salesforce", "instance_url", url, 1, &e) < 0 ||
	    config_set(c, "salesforce", "client_id", "billsync-demo", 1, &e) < 0 ||
	    config_set(c, "salesforce", "client_secret_file", path, 1, &e) < 0 ||
	    config_set(c, "load", "poll_min", "0.02", 1, &e) < 0 ||
	    config_set(c, "load", "poll_max", "0.2", 1, &e) < 0 ||
	    config_set(c, "load", "retry_wait", "0.02", 1, &e) < 0 ||
	    config_set(c, "output", "temp_dir", dir, 1, &e) < 0) {
		printf("# %s\n", e.msg);
		config_free(c);
		return NULL;
	}
	return c;
}

/* ---- a recording hook set ------------------------------------------- */

#define MAX_JOBS 16

struct rec {
	atomic_int inside;           /* hooks never run at the same time */
	int overlap;
	int starts, created, states, records, done, progress;
	int bad_order;               /* a hook saw a job before job_created */
	char jobs[MAX_JOBS][SF_ID_SIZE];
	int njobs;
	char file_job[NFILES][SF_ID_SIZE];
	int file_records[NFILES];
	int file_done[NFILES];
	enum loader_file_status file_status[NFILES];
	int parent_done_before_child;  /* customers done before subscriptions
					  start */
	enum loader_start start;       /* what file_start answers */
	char resume[NFILES][SF_ID_SIZE];
	int fail_record_at;            /* record hook fails at this count */
};

static void enter(struct rec *r)
{
	if (atomic_fetch_add(&r->inside, 1) != 0)
		r->overlap = 1;
}

static void leave(struct rec *r)
{
	atomic_fetch_sub(&r->inside, 1);
}

static int known_job(const struct rec *r, const char *id)
{
	int i;

	for (i = 0; i < r->njobs; i++)
		if (!strcmp(r->jobs[i], id))
			return 1;
	return 0;
}

static int h_start(void *ctx, const struct loader_file *f,
		   enum loader_start *start, char job_id[SF_ID_SIZE],
		   struct bs_err *err)
{
	struct rec *r = ctx;

	(void)err;
	enter(r);
	r->starts++;
	*start = r->start;
	if (r->start == LOADER_START_RESUME) {
		snprintf(job_id, SF_ID_SIZE, "%s", r->resume[f->index]);
		snprintf(r->jobs[r->njobs++], SF_ID_SIZE, "%s", job_id);
	}
	if (!strcmp(f->object, "OrbSubscription__c"))
		r->parent_done_before_child = r->file_done[0] == 1;
	leave(r);
	return 0;
}

static int h_created(void *ctx, const struct loader_job *j, struct bs_err *err)
{
	struct rec *r = ctx;

	(void)err;
	enter(r);
	r->created++;
	if (r->njobs < MAX_JOBS)
		snprintf(r->jobs[r->njobs++], SF_ID_SIZE, "%s", j->job_id);
	if (j->attempt == 0)
		snprintf(r->file_job[j->file->index], SF_ID_SIZE, "%s", j->job_id);
	leave(r);
	return 0;
}

static int h_state(void *ctx, const struct loader_job *j, struct bs_err *err)
{
	struct rec *r = ctx;

	(void)err;
	enter(r);
	r->states++;
	if (!known_job(r, j->job_id))
		r->bad_order = 1;
	leave(r);
	return 0;
}

static int h_record(void *ctx, const struct loader_record *rec,
		    struct bs_err *err)
{
	struct rec *r = ctx;
	int rc = 0;

	enter(r);
	r->records++;
	r->file_records[rec->file->index]++;
	if (!known_job(r, rec->job_id) || !rec->source || !rec->line)
		r->bad_order = 1;
	if (r->fail_record_at && r->records == r->fail_record_at)
		rc = bs_err_set(err, BS_E_IO, "the ledger is full");
	leave(r);
	return rc;
}

static int h_done(void *ctx, const struct loader_file *f,
		  const struct loader_file_result *res, struct bs_err *err)
{
	struct rec *r = ctx;

	(void)err;
	enter(r);
	r->done++;
	r->file_done[f->index]++;
	r->file_status[f->index] = res->status;
	leave(r);
	return 0;
}

static void h_progress(void *ctx, const struct loader_progress *p)
{
	struct rec *r = ctx;

	(void)p;
	enter(r);
	r->progress++;
	leave(r);
}

static struct loader_hooks hooks_for(struct rec *r)
{
	struct loader_hooks h = { r, h_start, h_created, h_state, h_record,
				  h_done, h_progress, NULL };

	return h;
}

/* ---- the tests ----------------------------------------------------------- */

static struct bulkdir *bd;
static struct sf_auth *auth;
static struct loader_opts opts;
static struct rec first;

static void test_without_hooks(void)
{
	struct loader_summary s;
	struct bs_err e;

	CHECK_INT(loader_run(bd, auth, &opts, NULL, &s, &e), 0);
	CHECK_INT(s.files_done, NFILES);
	CHECK_INT(s.jobs, NFILES);
	CHECK_INT(s.created + s.updated + s.failed + s.unprocessed, NROWS);
	CHECK_INT(s.failed, 6);
	CHECK(s.api_calls >= NFILES * 6);
}

static void test_hooks(void)
{
	struct loader_hooks h = hooks_for(&first);
	struct loader_summary s;
	struct bs_err e;
	int i;

	first.start = LOADER_START_NEW;
	CHECK_INT(loader_run(bd, auth, &opts, &h, &s, &e), 0);
	CHECK_INT(first.overlap, 0);
	CHECK_INT(first.bad_order, 0);
	CHECK_INT(first.starts, NFILES);
	CHECK_INT(first.created, NFILES);
	CHECK(first.states >= NFILES * 2);   /* UploadComplete ... JobComplete */
	CHECK_INT(first.records, NROWS);
	CHECK_INT(first.done, NFILES);
	CHECK(first.progress > 0);
	CHECK(first.parent_done_before_child);
	for (i = 0; i < NFILES; i++) {
		CHECK_INT(first.file_done[i], 1);
		CHECK_INT(first.file_status[i], LOADER_FILE_DONE);
		CHECK_INT(first.file_records[i],
			  (int)bulkdir_file_at(bd, (size_t)i)->rows);
	}
}

static void test_resume(void)
{
	struct rec r;
	struct loader_hooks h;
	struct loader_summary s;
	struct bs_err e;
	int i;

	memset(&r, 0, sizeof(r));
	r.start = LOADER_START_RESUME;
	for (i = 0; i < NFILES; i++)
		memcpy(r.resume[i], first.file_job[i], SF_ID_SIZE);
	h = hooks_for(&r);
	CHECK_INT(loader_run(bd, auth, &opts, &h, &s, &e), 0);
	CHECK_INT(r.created, 0);          /* polled, not created again */
	CHECK_INT(s.jobs, 0);
	CHECK_INT(r.records, NROWS);      /* the results, read again */
	CHECK_INT(r.bad_order, 0);
	CHECK_INT(s.files_done, NFILES);
}

static void test_skip_and_failing_hook(void)
{
	struct rec r;
	struct loader_hooks h;
	struct loader_summary s;
	struct bs_err e;

	memset(&r, 0, sizeof(r));
	r.start = LOADER_START_SKIP;
	h = hooks_for(&r);
	CHECK_INT(loader_run(bd, auth, &opts, &h, &s, &e), 0);
	CHECK_INT(s.files_skipped, NFILES);
	CHECK_INT(r.created, 0);
	CHECK_INT(r.records, 0);
	CHECK_INT(s.api_calls, 1);        /* /limits only */

	memset(&r, 0, sizeof(r));
	r.fail_record_at = 3;
	h = hooks_for(&r);
	CHECK_INT(loader_run(bd, auth, &opts, &h, &s, &e), -1);
	CHECK_INT(e.kind, BS_E_IO);
	CHECK_STR(e.msg, "the ledger is full");
	CHECK(s.files_unfinished > 0);
}

int main(void)
{
	struct config *cfg = NULL;
	struct bs_err e;
	char path[512];
	int ok;

	python = getenv("PYTHON") ? getenv("PYTHON") : "python3";
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/export", dir);
	ok = start_emulator() == 0 &&
	     sh("%s tests/loader/mkcase.py tests/cases/upload/basic %s", python,
		path) == 0 &&
	     (cfg = make_config()) != NULL &&
	     (bd = bulkdir_load(path, &e)) != NULL &&
	     (auth = sf_auth_from_config(cfg, &e)) != NULL &&
	     loader_opts_from_config(cfg, &opts, &e) == 0 &&
	     http_global_init(&e) == 0;
	if (!ok) {
		printf("not ok 1 - set-up (%s)\n", url[0] ? e.msg : "no emulator");
	} else {
		RUN(test_without_hooks);
		RUN(test_hooks);
		RUN(test_resume);
		RUN(test_skip_and_failing_hook);
		http_global_cleanup();
	}
	loader_opts_release(&opts);
	sf_auth_free(auth);
	bulkdir_free(bd);
	config_free(cfg);
	sh("%s tests/salesforce/emuctl.py stop --dir %s", python, dir);
	sh("rm -rf %s", dir);
	return ok ? tap_done() : 1;
}
