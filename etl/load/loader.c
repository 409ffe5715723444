/* loader.c - loading an export directory's bulk files through Bulk API 2.0
 * jobs: options, order, worker threads (see loader.h).  It drives
 * loadfile.c (one file's jobs) and strays.c (the jobs lost answers may
 * have left); all three share the run's state through loadrun.h. */
#include "loader.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export/bulkdir.h"
#include "base/cli.h"
#include "base/clock.h"
#include "base/config.h"
#include "loadfile.h"
#include "loadrun.h"
#include "sf/sf_api.h"
#include "sf/sf_auth.h"
#include "sf/trace.h"
#include "strays.h"

#define RETRY_WAIT_MAX_MS 60000ULL
#define INGEST_OLDEST_VERSION 41     /* Bulk API 2.0 ingest: 41.0 and later */
#define WAIT_SLICE_MS 200
/* The progress hook is called at least this often while jobs run. */
#define PROGRESS_EVERY_MS 500

/* ---- options ------------------------------------------------------- */

static int get_uint(const struct config *cfg, const char *sec, const char *key,
		    unsigned long long lo, unsigned long long hi,
		    unsigned long long *out, struct bs_err *err)
{
	if (config_get_u64(cfg, sec, key, out, err) < 0)
		return -1;
	if (*out < lo || *out > hi)
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, sec, key),
				 "[%s] %s: %llu is not between %llu and %llu", sec,
				 key, *out, lo, hi);
	return 0;
}

int loader_opts_from_config(const struct config *cfg, struct loader_opts *o,
			    struct bs_err *err)
{
	unsigned long long v, timeout_ms;
	char *trace;
	const char *ver = config_get(cfg, "salesforce", "api_version");
	size_t digits;

	memset(o, 0, sizeof(*o));
	if (get_uint(cfg, "load", "max_jobs", 1, 100, &v, err) < 0)
		return -1;
	o->max_jobs = (unsigned)v;
	if (get_uint(cfg, "load", "retries", 0, 100, &v, err) < 0)
		return -1;
	o->retries = (unsigned)v;
	if (get_uint(cfg, "load", "lock_retries", 0, 100, &v, err) < 0)
		return -1;
	o->lock_retries = (unsigned)v;
	if (get_uint(cfg, "load", "limit_margin", 0, 99, &v, err) < 0)
		return -1;
	o->limit_margin_pct = (unsigned)v;
	if (config_get_ms(cfg, "load", "poll_min", &o->poll_min_ms, err) < 0 ||
	    config_get_ms(cfg, "load", "poll_max", &o->poll_max_ms, err) < 0 ||
	    config_get_ms(cfg, "load", "job_deadline", &o->job_deadline_ms,
			  err) < 0 ||
	    config_get_ms(cfg, "load", "retry_wait", &o->retry_wait_ms, err) < 0 ||
	    config_get_ms(cfg, "salesforce", "timeout", &timeout_ms, err) < 0 ||
	    config_get_bool(cfg, "salesforce", "gzip_upload", &o->gzip_upload,
			    err) < 0)
		return -1;
	if (o->poll_max_ms < o->poll_min_ms)
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "load", "poll_max"),
				 "[load] poll_max is shorter than poll_min");
	/* "62.0" or "62", at least 41.0 (config.c refuses others as the file
	 * is read; this covers values set otherwise) */
	digits = ver ? strspn(ver, "0123456789") : 0;
	if (!digits || digits > 4 || (ver[digits] && strcmp(ver + digits, ".0")))
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "salesforce", "api_version"),
				 "[salesforce] api_version: '%s' is not a version "
				 "such as 62.0", ver ? ver : "");
	if (strtoul(ver, NULL, 10) < INGEST_OLDEST_VERSION)
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "salesforce", "api_version"),
				 "[salesforce] api_version: %s is too old: Bulk "
				 "API 2.0 ingest needs 41.0 or later", ver);
	o->api_version = malloc(digits + 3);
	if (o->api_version)
		snprintf(o->api_version, digits + 3, "%.*s.0", (int)digits, ver);
	o->work_dir = config_get_path(cfg, "output", "temp_dir");
	o->http.ca_bundle = config_get_path(cfg, "salesforce", "ca_bundle");
	o->http.connect_timeout_ms = (unsigned long)timeout_ms;
	o->http.low_speed_ms = (unsigned long)timeout_ms;
	o->http.user_agent = "billsync/" BILLSYNC_VERSION;
	if (!o->api_version) {
		loader_opts_release(o);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	if ((trace = config_get_path(cfg, "salesforce", "trace")) != NULL) {
		o->http.trace = http_trace_open(trace, err);
		free(trace);
		if (!o->http.trace) {
			loader_opts_release(o);
			return -1;
		}
	}
	return 0;
}

void loader_opts_release(struct loader_opts *o)
{
	free(o->api_version);
	free(o->work_dir);
	free((char *)o->http.ca_bundle);
	http_trace_free(o->http.trace);
	o->api_version = o->work_dir = NULL;
	o->http.ca_bundle = NULL;
	o->http.trace = NULL;
}

/* ---- signals and sf_api callbacks ----------------------------------- */

/* Turns SIGINT/SIGTERM into a halt (loader_run's thread only). */
static void check_interrupt_locked(struct loader *l)
{
	struct bs_err e;

	if (l->o->stop && *l->o->stop && !atomic_load(&l->halt)) {
		bs_err_set(&e, BS_E_LIMIT, LOADRUN_INTERRUPTED);
		loadrun_stop_locked(l, &e, 1);
	}
}

/* sf_api callbacks: run on the worker's thread, without the lock. */
static void on_response(void *ctx, long status, unsigned long long used,
			unsigned long long max)
{
	struct worker *w = ctx;
	struct loader *l = w->l;

	(void)status;
	pthread_mutex_lock(&l->mu);
	l->prog.api_calls++;
	if (max) {
		l->prog.api_used = used;
		l->prog.api_max = max;
		l->have_api = 1;
		l->api_max = max;
		l->api_remaining = used < max ? max - used : 0;
	}
	pthread_mutex_unlock(&l->mu);
}

static void on_note(void *ctx, const char *msg)
{
	struct worker *w = ctx;

	pthread_mutex_lock(&w->l->mu);
	loadrun_note_locked(w->l, w->task ? &w->task->lf : NULL, "%s", msg);
	pthread_mutex_unlock(&w->l->mu);
}

/* ---- scheduling ------------------------------------------------------ */

static int ready(const struct loader *l, const struct task *t)
{
	const struct bulkdir_object *o = t->bf->object;
	size_t i;

	if (t->state != T_WAITING)
		return 0;
	for (i = 0; i < o->ndeps; i++)
		if (l->obj_left[o->depends_on[i]])
			return 0;
	return 1;
}

static size_t object_index(const struct loader *l, const struct task *t)
{
	return (size_t)(t->bf->object - l->bd->objects);
}

/* Waits for a change (or a short while) on l->cv. */
static void wait_slice_locked(struct loader *l)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += WAIT_SLICE_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&l->cv, &l->mu, &ts);
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct loader *l = w->l;
	size_t i, waiting;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct task *t = NULL;

		if (l->draining)
			break;
		waiting = 0;
		for (i = 0; i < l->ntasks && !t; i++) {
			if (l->tasks[i].state == T_WAITING)
				waiting++;
			if (ready(l, &l->tasks[i]))
				t = &l->tasks[i];
		}
		if (t) {
			t->state = T_RUNNING;
			l->prog.jobs_running++;
			w->task = t;
			pthread_mutex_unlock(&l->mu);
			loadfile_run(w, t);
			pthread_mutex_lock(&l->mu);
			w->task = NULL;
			t->state = T_DONE;
			if (t->status != LOADER_FILE_UNFINISHED)
				l->obj_left[object_index(l, t)]--;
			l->prog.jobs_running--;
			l->prog.files_done++;
			loadrun_progress_locked(l);
			pthread_cond_broadcast(&l->cv);
			continue;
		}
		/* nothing can start: done, or the rest waits on files that
		   were left unfinished (a later run loads them) */
		if (!waiting || !l->prog.jobs_running)
			break;
		wait_slice_locked(l);
	}
	l->workers_left--;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* ---- set-up and the run ---------------------------------------------- */

static int make_tmpdir(struct loader *l, struct bs_err *err)
{
	const char *base = l->o->work_dir ? l->o->work_dir : getenv("TMPDIR");

	snprintf(l->tmpdir, sizeof(l->tmpdir), "%s/billsync-upload.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(l->tmpdir))
		return bs_err_set(err, BS_E_IO,
				  "cannot create a temporary folder in '%s': %s",
				  base && *base ? base : "/tmp", strerror(errno));
	return 0;
}

static int make_tasks(struct loader *l, struct bs_err *err)
{
	const struct bulkdir *bd = l->bd;
	size_t i;

	l->tasks = calloc(bd->nfiles ? bd->nfiles : 1, sizeof(*l->tasks));
	l->obj_left = calloc(bd->nobjects ? bd->nobjects : 1,
			     sizeof(*l->obj_left));
	if (!l->tasks || !l->obj_left)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	l->ntasks = bd->nfiles;   /* only now: summarize walks them */
	for (i = 0; i < bd->nfiles; i++) {
		struct task *t = &l->tasks[i];
		const struct bulkdir_file *bf = bulkdir_file_at(bd, i);

		t->bf = bf;
		t->lf.index = i;
		t->lf.path = bf->path;
		t->lf.object = bf->object->object;
		t->lf.operation = bf->object->operation;
		t->lf.external_id = bf->object->external_id;
		t->lf.rows = bf->rows;
		t->status = LOADER_FILE_UNFINISHED;
		l->obj_left[object_index(l, t)]++;
		l->prog.rows_total += bf->rows;
	}
	l->prog.files_total = bd->nfiles;
	return 0;
}

/* Reads /limits: the starting point of the budget.  An org (or emulator)
 * without /limits is loaded without a budget. */
static int read_limits(struct loader *l, struct sf_api *api,
		       struct bs_err *err)
{
	struct sf_limits lim;
	unsigned long long margin;

	if (sf_bulk_limits(api, &lim, err) < 0) {
		if (err->kind != BS_E_REMOTE || sf_api_refused_all(api))
			return -1;
		pthread_mutex_lock(&l->mu);
		loadrun_note_locked(l, NULL, "cannot read the org's limits (%s); loading "
			    "without a budget", err->msg);
		pthread_mutex_unlock(&l->mu);
		bs_err_clear(err);
		return 0;
	}
	pthread_mutex_lock(&l->mu);
	if (lim.have_api) {
		l->have_api = 1;
		l->api_max = lim.api_max;
		l->api_remaining = lim.api_remaining;
	}
	l->have_batches = lim.have_batches;
	l->batches_max = lim.batches_max;
	l->batches_remaining = lim.batches_remaining;
	pthread_mutex_unlock(&l->mu);
	margin = l->api_max * l->o->limit_margin_pct / 100;
	if (l->have_api && l->api_remaining <= margin)
		return bs_err_set(err, BS_E_LIMIT,
				  "the org has %llu of %llu daily API requests left, "
				  "within the %u%% billsync keeps in reserve: nothing "
				  "was sent; run again later", l->api_remaining,
				  l->api_max, l->o->limit_margin_pct);
	return 0;
}

static void summarize(const struct loader *l, struct loader_summary *s)
{
	size_t i;

	s->files_total = l->ntasks;
	for (i = 0; i < l->ntasks; i++) {
		const struct task *t = &l->tasks[i];

		s->jobs += t->jobs;
		if (t->state != T_DONE) {
			s->files_unfinished++;
			continue;
		}
		switch (t->status) {
		case LOADER_FILE_DONE: s->files_done++; break;
		case LOADER_FILE_FAILED: s->files_failed++; break;
		case LOADER_FILE_UNFINISHED: s->files_unfinished++; break;
		case LOADER_FILE_SKIPPED: s->files_skipped++; break;
		}
	}
	s->created = l->prog.created;
	s->updated = l->prog.updated;
	s->failed = l->prog.failed;
	s->unprocessed = l->prog.unprocessed;
	s->api_calls = l->prog.api_calls;
	s->logins = sf_auth_logins(l->auth);
	if (l->have_api) {
		s->api_max = l->api_max;
		s->api_remaining = l->api_remaining;
	}
	if (l->have_batches) {
		s->batches_max = l->batches_max;
		s->batches_remaining = l->batches_remaining;
	}
}

/* Starts the workers with SIGINT and SIGTERM blocked, so that the
 * handler runs on this thread only. */
static int start_workers(struct loader *l, struct worker *w, size_t nw,
			 size_t *started, struct bs_err *err)
{
	sigset_t block, old;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_mutex_lock(&l->mu);
	for (*started = 0; *started < nw; (*started)++) {
		if (pthread_create(&w[*started].thread, NULL, worker_main,
				   &w[*started]) != 0) {
			rc = bs_err_set(err, BS_E_INTERNAL,
					"cannot start a worker thread");
			loadrun_stop_locked(l, err, 1);
			break;
		}
		l->workers_left++;
	}
	pthread_mutex_unlock(&l->mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Waits for the workers to end, turning a signal into a halt. */
static void wait_workers(struct loader *l)
{
	pthread_mutex_lock(&l->mu);
	while (l->workers_left) {
		check_interrupt_locked(l);
		wait_slice_locked(l);
		/* between polls (up to [load] poll_max apart) the display
		 * still moves: elapsed time and ETA */
		if (clock_now_ms() - l->last_progress_ms >= PROGRESS_EVERY_MS)
			loadrun_progress_locked(l);
	}
	pthread_mutex_unlock(&l->mu);
}

static const struct loader_hooks no_hooks;

int loader_run(const struct bulkdir *bd, struct sf_auth *auth,
	       const struct loader_opts *o, const struct loader_hooks *hooks,
	       struct loader_summary *summary, struct bs_err *err)
{
	struct loader l;
	struct worker *w = NULL;
	struct sf_api_opts ao;
	struct http_opts ho = o->http;
	size_t i, nw = 0, started = 0;
	int rc = 0;

	memset(summary, 0, sizeof(*summary));
	memset(&l, 0, sizeof(l));
	l.bd = bd;
	l.auth = auth;
	l.o = o;
	l.h = hooks ? hooks : &no_hooks;
	pthread_mutex_init(&l.mu, NULL);
	pthread_cond_init(&l.cv, NULL);
	bs_err_clear(err);
	if (make_tasks(&l, err) < 0 || make_tmpdir(&l, err) < 0) {
		rc = -1;
		goto out;
	}
	nw = o->max_jobs < l.ntasks ? o->max_jobs : l.ntasks;
	w = calloc(nw ? nw : 1, sizeof(*w));
	if (!w) {
		rc = bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	memset(&ao, 0, sizeof(ao));
	ao.api_version = o->api_version;
	ao.retries = o->retries;
	ao.retry_wait_ms = (unsigned long)o->retry_wait_ms;
	ao.retry_wait_max_ms = RETRY_WAIT_MAX_MS;
	ao.stop = NULL;     /* workers watch halt; see wait_workers */
	ao.halt = &l.halt;
	ho.stop = o->stop;  /* but a request in flight ends on a signal at once
			       (and read_limits runs before wait_workers) */
	ao.on_response = on_response;
	ao.on_note = on_note;
	for (i = 0; i < (nw ? nw : 1); i++) {
		w[i].l = &l;
		ao.ctx = &w[i];
		w[i].api = sf_api_new(auth, &ho, &ao, err);
		if (!w[i].api) {
			rc = -1;
			goto out;
		}
	}
	if (read_limits(&l, w[0].api, err) < 0) {
		rc = -1;
		goto out;
	}
	rc = start_workers(&l, w, nw, &started, err);
	wait_workers(&l);
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	strays_clean(&l, w[0].api);
	if (rc == 0 && l.stop_set) {
		*err = l.stop_err;
		rc = -1;
	} else if (rc == 0 && l.deadline_misses) {
		rc = bs_err_set(err, BS_E_LIMIT,
				"%u job%s did not finish within [load] job_deadline: "
				"run again to collect the results",
				l.deadline_misses, l.deadline_misses > 1 ? "s" : "");
	}
out:
	summarize(&l, summary);
	for (i = 0; w && i < (nw ? nw : 1); i++)
		sf_api_free(w[i].api);
	free(w);
	if (l.tmpdir[0])
		rmdir(l.tmpdir);
	free(l.tasks);
	free(l.obj_left);
	free(l.known);
	free(l.watch);
	pthread_cond_destroy(&l.cv);
	pthread_mutex_destroy(&l.mu);
	return rc;
}

unsigned long long loader_job_calls(unsigned long long rows)
{
	return loadrun_job_calls(rows);
}
