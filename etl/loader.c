/* loader.c - loading an export directory's bulk files through Bulk API 2.0
 * jobs: order, worker threads, polling, results, retries, limits (see
 * loader.h). */
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bulkdir.h"
#include "bulkfile.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "pollplan.h"
#include "recon.h"
#include "sf_api.h"
#include "sf_auth.h"

#define PATH_BUF 4096
#define MSG_BUF 1024
#define RETRY_WAIT_MAX_MS 60000ULL
#define BATCH_ROWS 10000ULL          /* Salesforce counts a batch per 10,000 */
#define WAIT_SLICE_MS 200

enum task_state { T_WAITING, T_RUNNING, T_DONE };

struct task {
	const struct bulkdir_file *bf;
	struct loader_file lf;
	enum task_state state;
	enum loader_file_status status;
	unsigned long long processed;     /* for progress */
	enum sf_job_state job_state;      /* of its current job */
	unsigned jobs;
};

struct loader {
	const struct bulkdir *bd;
	struct sf_auth *auth;
	const struct loader_opts *o;
	const struct loader_hooks *h;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct task *tasks;
	size_t ntasks;
	size_t *obj_left;                 /* per object: files not loaded; a
					     file left unfinished keeps its
					     object's children waiting */
	atomic_int halt;                  /* stop everything now */
	int draining;                     /* start no new file */
	int stop_set;
	struct bs_err stop_err;           /* why the load stopped (first wins) */
	atomic_int gzip_refused;
	unsigned deadline_misses;
	/* the org's allocations, as last seen */
	int have_api, have_batches;
	unsigned long long api_max, api_remaining, reserved_calls;
	unsigned long long batches_max, batches_remaining;
	struct loader_progress prog;
	char tmpdir[PATH_BUF];
};

struct worker {
	struct loader *l;
	struct sf_api *api;
	struct task *task;                /* the file being loaded, or NULL */
	pthread_t thread;
};

/* ---- options ------------------------------------------------------- */

/* snprintf that says when the text did not fit: 0, or -1 (cut). */
static int textf(char *buf, size_t size, const char *fmt, ...) BS_PRINTF(3, 4);

static int textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

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
	/* "62.0" or "62" */
	digits = ver ? strspn(ver, "0123456789") : 0;
	if (!digits || (ver[digits] && strcmp(ver + digits, ".0")))
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "salesforce", "api_version"),
				 "[salesforce] api_version: '%s' is not a version "
				 "such as 62.0", ver ? ver : "");
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
	return 0;
}

void loader_opts_release(struct loader_opts *o)
{
	free(o->api_version);
	free(o->work_dir);
	free((char *)o->http.ca_bundle);
	o->api_version = o->work_dir = NULL;
	o->http.ca_bundle = NULL;
}

/* ---- stopping, notes, hooks (all under l->mu) ----------------------- */

/* Stops the load with err (the first reason is kept); halt_now stops
 * running jobs too, otherwise they finish first. */
static void stop_locked(struct loader *l, const struct bs_err *err,
			int halt_now)
{
	if (!l->stop_set) {
		l->stop_set = 1;
		l->stop_err = *err;
	}
	l->draining = 1;
	if (halt_now)
		atomic_store(&l->halt, 1);
	pthread_cond_broadcast(&l->cv);
}

static void stop_load(struct loader *l, const struct bs_err *err, int halt_now)
{
	pthread_mutex_lock(&l->mu);
	stop_locked(l, err, halt_now);
	pthread_mutex_unlock(&l->mu);
}

static void note_locked(struct loader *l, const struct loader_file *f,
			const char *fmt, ...) BS_PRINTF(3, 4);

static void note_locked(struct loader *l, const struct loader_file *f,
			const char *fmt, ...)
{
	char msg[MSG_BUF];
	va_list ap;

	if (!l->h->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->h->note(l->h->ctx, f, msg);
}

static void progress_locked(struct loader *l)
{
	size_t i;

	if (!l->h->progress)
		return;
	l->prog.rows_processed = 0;
	memset(l->prog.jobs_in_state, 0, sizeof(l->prog.jobs_in_state));
	for (i = 0; i < l->ntasks; i++) {
		l->prog.rows_processed += l->tasks[i].processed;
		if (l->tasks[i].state == T_RUNNING)
			l->prog.jobs_in_state[l->tasks[i].job_state]++;
	}
	l->h->progress(l->h->ctx, &l->prog);
}

/* Calls a job hook; a failing hook stops the load. */
static int job_hook(struct loader *l, int created, const struct loader_job *j)
{
	int (*fn)(void *, const struct loader_job *, struct bs_err *) =
		created ? l->h->job_created : l->h->job_state;
	struct bs_err e;
	int rc = 0;

	bs_err_clear(&e);
	pthread_mutex_lock(&l->mu);
	l->tasks[j->file->index].job_state = j->state;
	if (fn && fn(l->h->ctx, j, &e) != 0) {
		if (e.kind == BS_E_NONE)
			bs_err_set(&e, BS_E_INTERNAL, "a job hook failed");
		stop_locked(l, &e, 1);
		rc = -1;
	}
	progress_locked(l);
	pthread_mutex_unlock(&l->mu);
	return rc;
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
	note_locked(w->l, w->task ? &w->task->lf : NULL, "%s", msg);
	pthread_mutex_unlock(&w->l->mu);
}

/* ---- budget ---------------------------------------------------------- */

/* API calls a job of rows records is expected to take: create, upload,
 * close, three result sets, and polls (pollplan.h: a handful per
 * 500,000 records), plus slack for retries. */
static unsigned long long job_calls(unsigned long long rows)
{
	return 10 + rows / 100000;
}

/* Reserves the allocations one job needs; -1 (and the load drains) when
 * that would eat into the margin. */
static int budget_reserve(struct loader *l, const struct loader_file *f,
			  unsigned long long rows, unsigned long long *calls)
{
	unsigned long long batches = rows / BATCH_ROWS + (rows % BATCH_ROWS != 0);
	unsigned long long left = 0, max = 0, margin = 0;
	unsigned pct = l->o->limit_margin_pct;
	const char *what = NULL;
	struct bs_err e;
	int rc = 0;

	*calls = job_calls(rows);
	pthread_mutex_lock(&l->mu);
	if (l->have_api && l->api_remaining < l->reserved_calls + *calls +
					      l->api_max * pct / 100) {
		what = "API requests";
		left = l->api_remaining;
		max = l->api_max;
	} else if (l->have_batches && l->batches_remaining < batches +
						      l->batches_max * pct / 100) {
		what = "Bulk API batches";
		left = l->batches_remaining;
		max = l->batches_max;
	}
	if (l->draining) {
		rc = -1;
	} else if (what) {
		margin = max * pct / 100;
		bs_err_set(&e, BS_E_LIMIT,
			   "stopped before '%s': the org has %llu of %llu daily %s "
			   "left and billsync keeps %u%% (%llu) in reserve; run "
			   "again later to continue", f->path, left, max, what, pct,
			   margin);
		stop_locked(l, &e, 0);
		rc = -1;
	} else {
		l->reserved_calls += *calls;
		if (l->have_batches)
			l->batches_remaining -= batches;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static void budget_release(struct loader *l, unsigned long long calls)
{
	pthread_mutex_lock(&l->mu);
	l->reserved_calls -= calls < l->reserved_calls ? calls : l->reserved_calls;
	pthread_mutex_unlock(&l->mu);
}

/* ---- one file -------------------------------------------------------- */

/* The state of loading one bulk file. */
struct filerun {
	struct worker *w;
	struct loader *l;
	struct task *t;
	struct recon *recon;
	struct loader_file_result res;
	struct sf_job job;
	unsigned attempt;
	unsigned long long attempt_rows;  /* rows sent in the current job */
	unsigned long long settled;       /* rows settled in earlier attempts */
	unsigned long long reserved;      /* API calls reserved */
	int gzip;                         /* current job's upload is gzipped */
	const char *body_path;            /* file the current job sends */
	char retry_path[PATH_BUF];
	char message[MSG_BUF];
};

static void fill_job(const struct filerun *fr, struct loader_job *j)
{
	memset(j, 0, sizeof(*j));
	j->file = &fr->t->lf;
	j->job_id = fr->job.id;
	j->attempt = fr->attempt;
	j->rows = fr->attempt_rows;
	j->gzip = fr->gzip;
	j->state = fr->job.state;
	j->processed = fr->job.processed;
	j->failed = fr->job.failed;
	j->error_message = fr->job.error_message;
}

static int report_job(struct filerun *fr, int created)
{
	struct loader_job j;

	fill_job(fr, &j);
	return job_hook(fr->l, created, &j);
}

/* recon_fn: one record's outcome, to the record hook and the counters. */
static int emit_record(void *ctx, const struct recon_row *row,
		       struct bs_err *err)
{
	struct filerun *fr = ctx;
	struct loader *l = fr->l;
	struct loader_record r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.file = &fr->t->lf;
	r.job_id = fr->job.id;
	r.attempt = fr->attempt;
	r.key = row->key ? row->key : "";
	r.source = row->source;
	r.line = row->line;
	r.sf_id = row->sf_id ? row->sf_id : "";
	r.error_code = row->error.code;
	r.error_message = row->error.message;
	r.error_fields = row->error.fields;
	r.ncols = row->ncols;
	r.names = row->names;
	r.values = row->values;
	pthread_mutex_lock(&l->mu);
	switch (row->outcome) {
	case RECON_CREATED:
		r.outcome = LOADER_CREATED;
		fr->res.created++;
		l->prog.created++;
		break;
	case RECON_UPDATED:
		r.outcome = LOADER_UPDATED;
		fr->res.updated++;
		l->prog.updated++;
		break;
	case RECON_FAILED:
		r.outcome = LOADER_FAILED;
		fr->res.failed++;
		l->prog.failed++;
		break;
	case RECON_UNPROCESSED:
		r.outcome = LOADER_UNPROCESSED;
		fr->res.unprocessed++;
		l->prog.unprocessed++;
		break;
	}
	if (l->h->record && l->h->record(l->h->ctx, &r, err) != 0) {
		if (err->kind == BS_E_NONE)
			bs_err_set(err, BS_E_INTERNAL, "the record hook failed");
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* Every row of the current attempt ends unprocessed for reason; the file
 * is marked failed. */
static int fail_attempt(struct filerun *fr, const char *reason)
{
	struct bs_err e;
	unsigned long long held;

	textf(fr->message, sizeof(fr->message), "%s", reason);
	fr->res.status = LOADER_FILE_FAILED;
	bs_err_clear(&e);
	if (recon_end_attempt(fr->recon, reason, emit_record, fr, &held,
			      &e) < 0) {
		stop_load(fr->l, &e, 1);
		return -1;
	}
	return 0;
}

/* A fatal error: the load stops at once; the file stays unfinished. */
static int fatal(struct filerun *fr, const struct bs_err *err)
{
	fr->res.status = LOADER_FILE_UNFINISHED;
	textf(fr->message, sizeof(fr->message), "%s", err->msg);
	stop_load(fr->l, err, 1);
	return -1;
}

/* 1 when Salesforce refused this one request (the file fails, the load
 * goes on), as opposed to refusing billsync altogether. */
static int refused_here(const struct filerun *fr, const struct bs_err *e)
{
	return e->kind == BS_E_REMOTE && !sf_api_auth_failed(fr->w->api);
}

/* Turns SIGINT/SIGTERM into a halt; the caller holds the lock. */
static void check_interrupt_locked(struct loader *l)
{
	struct bs_err e;

	if (l->o->stop && *l->o->stop && !atomic_load(&l->halt)) {
		bs_err_set(&e, BS_E_LIMIT, "interrupted: run the same command "
			   "again to continue where it stopped");
		stop_locked(l, &e, 1);
	}
}

/* 1 (and the file is unfinished) when the load must stop now. */
static int halted(struct filerun *fr)
{
	pthread_mutex_lock(&fr->l->mu);
	check_interrupt_locked(fr->l);
	pthread_mutex_unlock(&fr->l->mu);
	if (atomic_load(&fr->l->halt)) {
		fr->res.status = LOADER_FILE_UNFINISHED;
		textf(fr->message, sizeof(fr->message), "stopped");
		return 1;
	}
	return 0;
}

/* Creates the job for the current attempt.  Returns 0, 1 when Salesforce
 * refused it (the file failed), -1 when the load stops (an error, or the
 * budget says stop before this file). */
static int create_job(struct filerun *fr)
{
	const struct bulkdir_object *o = fr->t->bf->object;
	struct sf_job_spec spec = { o->object, o->operation, o->external_id };
	struct bs_err e;

	if (!fr->reserved &&
	    budget_reserve(fr->l, &fr->t->lf, fr->attempt_rows,
			   &fr->reserved) < 0) {
		fr->reserved = 0;
		fr->res.status = LOADER_FILE_UNFINISHED;
		textf(fr->message, sizeof(fr->message),
		      "not started: the load is stopping");
		return -1;
	}
	if (sf_bulk_create(fr->w->api, &spec, &fr->job, &e) < 0) {
		if (refused_here(fr, &e))
			return fail_attempt(fr, e.msg) < 0 ? -1 : 1;
		return fatal(fr, &e);
	}
	fr->t->jobs++;
	fr->res.jobs++;
	fr->job.state = SF_JOB_OPEN;
	return report_job(fr, 1) < 0 ? -1 : 0;
}

static int get_job(struct filerun *fr, long *retry_after, int *not_found)
{
	struct bs_err e;

	if (sf_bulk_get(fr->w->api, fr->job.id, &fr->job, retry_after,
			not_found, &e) < 0) {
		if (*not_found)
			return 1;
		return fatal(fr, &e);
	}
	return 0;
}

/* The org refused gzip: abort this job and create another for a plain
 * upload. */
static int redo_plain(struct filerun *fr, struct bulkfile_body **body)
{
	struct bs_err e;

	if (!atomic_exchange(&fr->l->gzip_refused, 1)) {
		pthread_mutex_lock(&fr->l->mu);
		note_locked(fr->l, &fr->t->lf, "the org refuses gzipped uploads "
			    "(HTTP 415): sending this and later files uncompressed");
		pthread_mutex_unlock(&fr->l->mu);
	}
	if (sf_bulk_abort(fr->w->api, fr->job.id, &e) < 0)
		return fatal(fr, &e);
	fr->job.state = SF_JOB_ABORTED;
	if (report_job(fr, 0) < 0)
		return -1;
	bulkfile_body_free(*body);
	*body = bulkfile_body_open(fr->body_path, 0, &e);
	if (!*body)
		return fatal(fr, &e);
	fr->gzip = 0;
	return create_job(fr);
}

/* Uploads the current attempt's file into the Open job.  0 when uploaded,
 * 1 when the attempt was given up, -1 when the load stops. */
static int upload(struct filerun *fr)
{
	struct loader *l = fr->l;
	struct bulkfile_body *body;
	enum sf_upload_result res;
	struct sf_upload up;
	struct bs_err e;
	unsigned tries = 0;
	int rc, nf;
	long ra;

	body = bulkfile_body_open(fr->body_path, fr->gzip, &e);
	if (!body)
		return fatal(fr, &e);
	for (;;) {
		up.read = bulkfile_body_read;
		up.ctx = body;
		up.len = bulkfile_body_len(body);
		up.gzip = bulkfile_body_gzip(body);
		if (sf_bulk_upload(fr->w->api, fr->job.id, &up, &res, &e) == 0) {
			rc = 0;
			break;
		}
		if (res == SF_UPLOAD_GZIP_REFUSED) {
			rc = redo_plain(fr, &body);
			if (rc != 0)
				break;
			continue;
		}
		if (res != SF_UPLOAD_UNCERTAIN) {
			if (refused_here(fr, &e)) {
				sf_bulk_abort(fr->w->api, fr->job.id, &e);
				rc = fail_attempt(fr, e.msg) < 0 ? -1 : 1;
			} else {
				rc = fatal(fr, &e);
			}
			break;
		}
		/* the upload may or may not have arrived: the job knows */
		if (tries++ >= l->o->retries) {
			rc = fatal(fr, &e);
			break;
		}
		pthread_mutex_lock(&l->mu);
		note_locked(l, &fr->t->lf, "upload to job %s: %s; checking the "
			    "job before sending again", fr->job.id, e.msg);
		pthread_mutex_unlock(&l->mu);
		if (clock_nap(l->o->retry_wait_ms << (tries < 6 ? tries - 1 : 5),
			      l->o->stop, &l->halt) < 0 && halted(fr)) {
			rc = -1;
			break;
		}
		rc = get_job(fr, &ra, &nf);
		if (rc > 0) {
			bs_err_set(&e, BS_E_REMOTE, "job %s disappeared during "
				   "its upload", fr->job.id);
			rc = fatal(fr, &e);
		}
		if (rc != 0 || fr->job.state != SF_JOB_OPEN)
			break;       /* error, or the job moved on: uploaded */
		if (bulkfile_body_rewind(body, &e) < 0) {
			rc = fatal(fr, &e);
			break;
		}
	}
	bulkfile_body_free(body);
	return rc;
}

static int close_job(struct filerun *fr)
{
	struct bs_err e;

	if (sf_bulk_close(fr->w->api, fr->job.id, &e) == 0) {
		fr->job.state = SF_JOB_UPLOAD_COMPLETE;
		return report_job(fr, 0);
	}
	if (refused_here(fr, &e) && strstr(e.msg, "INVALIDJOBSTATE"))
		return 0;            /* closed before (a resumed job) */
	if (refused_here(fr, &e))
		return fail_attempt(fr, e.msg) < 0 ? -1 : 1;
	return fatal(fr, &e);
}

static void set_processed(struct filerun *fr)
{
	pthread_mutex_lock(&fr->l->mu);
	fr->t->processed = fr->settled + fr->job.processed;
	pthread_mutex_unlock(&fr->l->mu);
}

/* Polls until the job ends.  0 when it did, -1 when the load stops or
 * the deadline passed (the file stays unfinished). */
static int poll_job(struct filerun *fr)
{
	struct loader *l = fr->l;
	unsigned long long start = clock_now_ms(), wait;
	enum sf_job_state seen = fr->job.state;
	struct pollplan plan;
	struct bs_err e;
	long ra = -1;
	int nf, rc;

	pollplan_init(&plan, l->o->poll_min_ms, l->o->poll_max_ms,
		      fr->attempt_rows, start);
	wait = l->o->poll_min_ms;
	while (!sf_job_state_final(fr->job.state)) {
		unsigned long long now = clock_now_ms();

		if (now - start >= l->o->job_deadline_ms) {
			pthread_mutex_lock(&l->mu);
			l->deadline_misses++;
			note_locked(l, &fr->t->lf, "job %s is still %s after "
				    "job_deadline; leaving it (run again to "
				    "collect its results)", fr->job.id,
				    sf_job_state_name(fr->job.state));
			pthread_mutex_unlock(&l->mu);
			fr->res.status = LOADER_FILE_UNFINISHED;
			textf(fr->message, sizeof(fr->message),
				 "job %s did not finish within job_deadline",
				 fr->job.id);
			return -1;
		}
		if (wait > l->o->job_deadline_ms - (now - start))
			wait = l->o->job_deadline_ms - (now - start);
		if (clock_nap(wait, l->o->stop, &l->halt) < 0) {
			halted(fr);
			return -1;
		}
		rc = get_job(fr, &ra, &nf);
		if (rc > 0) {
			bs_err_set(&e, BS_E_REMOTE, "job %s disappeared while "
				   "running", fr->job.id);
			return fatal(fr, &e);
		}
		if (rc < 0)
			return -1;
		set_processed(fr);
		if (fr->job.state != seen) {
			seen = fr->job.state;
			if (report_job(fr, 0) < 0)
				return -1;
		} else {
			pthread_mutex_lock(&l->mu);
			progress_locked(l);
			pthread_mutex_unlock(&l->mu);
		}
		wait = pollplan_next(&plan, clock_now_ms(),
				     fr->job.state == SF_JOB_IN_PROGRESS,
				     fr->job.processed, ra);
	}
	return 0;
}

/* Downloads one result set into a temporary file and reconciles it. */
/* Downloads one result set into path; an aborted job may have none. */
static int download(struct filerun *fr, enum sf_result_kind kind,
		    const char *path)
{
	struct bs_err e;
	FILE *f = fopen(path, "w+");
	int rc;

	if (!f) {
		bs_err_set(&e, BS_E_IO, "cannot create '%s': %s", path,
			   strerror(errno));
		return fatal(fr, &e);
	}
	rc = sf_bulk_results(fr->w->api, fr->job.id, kind, f, &e);
	fclose(f);
	if (rc < 0 && fr->job.state == SF_JOB_ABORTED && e.kind == BS_E_REMOTE)
		return truncate(path, 0) == 0 ? 0 : fatal(fr, &e);
	return rc < 0 ? fatal(fr, &e) : 0;
}

/* Results of the ended job, all three downloaded before any record is
 * reported (so an interruption reports nothing twice); *held gets the
 * rows to send again. */
static int collect_all(struct filerun *fr, unsigned long long *held)
{
	static const char *const names[] = { "success", "failed", "unprocessed" };
	int ok = fr->job.state == SF_JOB_COMPLETE;
	int hold = ok && fr->attempt < fr->l->o->lock_retries;
	char reason[MSG_BUF], path[3][PATH_BUF];
	struct bs_err e;
	int k, rc = 0;

	reason[0] = '\0';
	if (!ok) {
		textf(reason, sizeof(reason), "job %s %s%s%s", fr->job.id,
		      sf_job_state_name(fr->job.state),
		      fr->job.error_message[0] ? ": " : "",
		      fr->job.error_message);
		fr->res.status = LOADER_FILE_FAILED;
		textf(fr->message, sizeof(fr->message), "%s", reason);
	}
	for (k = 0; k < 3; k++)
		if (textf(path[k], sizeof(path[k]), "%s/%s.%s.csv",
			  fr->l->tmpdir, fr->job.id, names[k]) < 0) {
			bs_err_set(&e, BS_E_IO, "temporary path too long");
			return fatal(fr, &e);
		}
	for (k = 0; k < 3 && rc == 0; k++)
		rc = download(fr, (enum sf_result_kind)k, path[k]);
	bs_err_clear(&e);
	for (k = 0; k < 3 && rc == 0; k++)
		rc = recon_read(fr->recon, (enum sf_result_kind)k, path[k], hold,
				reason, emit_record, fr, &e);
	if (rc == 0)
		rc = recon_end_attempt(fr->recon, reason, emit_record, fr, held,
				       &e);
	for (k = 0; k < 3; k++)
		unlink(path[k]);
	return rc < 0 && e.kind != BS_E_NONE ? fatal(fr, &e) : rc;
}

/* Writes the held rows into a new file for the next attempt. */
static int prepare_retry(struct filerun *fr)
{
	const struct bulkdir_file *bf = fr->t->bf;
	unsigned long long rows;
	struct bs_err e;

	if (fr->retry_path[0])
		unlink(fr->retry_path);
	if (textf(fr->retry_path, sizeof(fr->retry_path),
		  "%s/file%zu-retry%u.csv", fr->l->tmpdir, bf->index,
		  fr->attempt + 1) < 0) {
		fr->retry_path[0] = '\0';
		bs_err_set(&e, BS_E_IO, "temporary path too long");
		return fatal(fr, &e);
	}
	if (bulkfile_copy_rows(bf->full_path, bf->object->key_field, recon_held,
			       fr->recon, fr->retry_path, &rows, &e) < 0)
		return fatal(fr, &e);
	fr->settled += fr->attempt_rows - recon_retry(fr->recon);
	fr->attempt++;
	fr->attempt_rows = rows;
	fr->body_path = fr->retry_path;
	pthread_mutex_lock(&fr->l->mu);
	note_locked(fr->l, &fr->t->lf, "%llu rows failed with "
		    "UNABLE_TO_LOCK_ROW; sending them again in a new job "
		    "(retry %u of %u)", rows, fr->attempt,
		    fr->l->o->lock_retries);
	pthread_mutex_unlock(&fr->l->mu);
	/* give the competing transactions time to let go */
	if (clock_nap(fr->l->o->poll_min_ms << (fr->attempt < 6 ? fr->attempt : 6),
		      fr->l->o->stop, &fr->l->halt) < 0) {
		halted(fr);
		return -1;
	}
	return 0;
}

/* Runs one attempt: a job from creation (or resumption) to results. */
static int run_attempt(struct filerun *fr, int resume, unsigned long long *held)
{
	size_t n;
	long ra;
	int nf, rc;

	*held = 0;
	if (resume) {
		rc = get_job(fr, &ra, &nf);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			pthread_mutex_lock(&fr->l->mu);
			note_locked(fr->l, &fr->t->lf, "job %s to resume is gone; "
				    "creating a new one", fr->job.id);
			pthread_mutex_unlock(&fr->l->mu);
			resume = 0;
		} else if (report_job(fr, 0) < 0) {
			return -1;
		}
	}
	/* gzip unless switched off or refused; a retry file is plain CSV */
	n = strlen(fr->body_path);
	fr->gzip = fr->l->o->gzip_upload && !atomic_load(&fr->l->gzip_refused) &&
		   n > 3 && !strcmp(fr->body_path + n - 3, ".gz");
	if (!resume) {
		rc = create_job(fr);
		if (rc != 0)
			return rc;
	}
	if (halted(fr))
		return -1;
	if (fr->job.state == SF_JOB_OPEN) {
		rc = upload(fr);
		if (rc == 0 && fr->job.state == SF_JOB_OPEN)
			rc = close_job(fr);
		if (rc != 0)
			return rc;
	}
	if (poll_job(fr) < 0)
		return -1;
	return collect_all(fr, held);
}

static void run_file(struct worker *w, struct task *t)
{
	struct loader *l = w->l;
	enum loader_start start = LOADER_START_NEW;
	char resume_id[SF_ID_SIZE] = "";
	unsigned long long held = 0;
	struct filerun fr;
	struct bs_err e;
	int rc = 0, resume;

	memset(&fr, 0, sizeof(fr));
	fr.w = w;
	fr.l = l;
	fr.t = t;
	fr.body_path = t->bf->full_path;
	fr.attempt_rows = t->lf.rows;
	fr.res.status = LOADER_FILE_UNFINISHED;
	fr.res.job_id = "";
	bs_err_clear(&e);
	pthread_mutex_lock(&l->mu);
	if (l->h->file_start &&
	    l->h->file_start(l->h->ctx, &t->lf, &start, resume_id, &e) != 0) {
		if (e.kind == BS_E_NONE)
			bs_err_set(&e, BS_E_INTERNAL, "the file_start hook failed");
		stop_locked(l, &e, 1);
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	if (rc < 0 || start == LOADER_START_SKIP) {
		fr.res.status = rc < 0 ? LOADER_FILE_UNFINISHED :
					 LOADER_FILE_SKIPPED;
		goto done;
	}
	resume = start == LOADER_START_RESUME;
	if (resume && sf_id_check(resume_id) < 0) {
		bs_err_set(&e, BS_E_INTERNAL, "file_start gave '%s' as a job id",
			   resume_id);
		fatal(&fr, &e);
		goto done;
	}
	textf(fr.job.id, sizeof(fr.job.id), "%s", resume ? resume_id : "");
	fr.recon = recon_open(t->bf->origin_path, t->bf->object->key_field,
			      t->lf.rows, &e);
	if (!fr.recon) {
		fatal(&fr, &e);
		goto done;
	}
	if (t->lf.rows == 0 && !resume) {
		fr.res.status = LOADER_FILE_DONE;    /* nothing to send */
		goto done;
	}
	for (;;) {
		rc = run_attempt(&fr, resume, &held);
		resume = 0;
		if (rc != 0 || !held)
			break;
		budget_release(l, fr.reserved);
		fr.reserved = 0;
		rc = prepare_retry(&fr);
		if (rc != 0)
			break;
	}
	/* FAILED and UNFINISHED were set where they happened */
	if (rc == 0 && fr.res.status == LOADER_FILE_UNFINISHED)
		fr.res.status = LOADER_FILE_DONE;
done:
	if (fr.reserved)
		budget_release(l, fr.reserved);
	if (fr.retry_path[0])
		unlink(fr.retry_path);
	recon_free(fr.recon);
	fr.res.job_id = fr.job.id;
	fr.res.message = fr.message;
	pthread_mutex_lock(&l->mu);
	t->status = fr.res.status;
	t->processed = t->lf.rows;
	if (l->h->file_done &&
	    l->h->file_done(l->h->ctx, &t->lf, &fr.res, &e) != 0) {
		if (e.kind == BS_E_NONE)
			bs_err_set(&e, BS_E_INTERNAL, "the file_done hook failed");
		stop_locked(l, &e, 1);
	}
	pthread_mutex_unlock(&l->mu);
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

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct loader *l = w->l;
	size_t i, waiting;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct task *t = NULL;

		check_interrupt_locked(l);
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
			run_file(w, t);
			pthread_mutex_lock(&l->mu);
			w->task = NULL;
			t->state = T_DONE;
			if (t->status != LOADER_FILE_UNFINISHED)
				l->obj_left[object_index(l, t)]--;
			l->prog.jobs_running--;
			l->prog.files_done++;
			progress_locked(l);
			pthread_cond_broadcast(&l->cv);
			continue;
		}
		/* nothing can start: done, or the rest waits on files that
		   were left unfinished (a later run loads them) */
		if (!waiting || !l->prog.jobs_running)
			break;
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
	}
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

	l->ntasks = bd->nfiles;
	l->tasks = calloc(bd->nfiles ? bd->nfiles : 1, sizeof(*l->tasks));
	l->obj_left = calloc(bd->nobjects ? bd->nobjects : 1,
			     sizeof(*l->obj_left));
	if (!l->tasks || !l->obj_left)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
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
		if (err->kind != BS_E_REMOTE || sf_api_auth_failed(api))
			return -1;
		pthread_mutex_lock(&l->mu);
		note_locked(l, NULL, "cannot read the org's limits (%s); loading "
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
}

static const struct loader_hooks no_hooks;

int loader_run(const struct bulkdir *bd, struct sf_auth *auth,
	       const struct loader_opts *o, const struct loader_hooks *hooks,
	       struct loader_summary *summary, struct bs_err *err)
{
	struct loader l;
	struct worker *w = NULL;
	struct sf_api_opts ao;
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
	ao.stop = o->stop;
	ao.halt = &l.halt;
	ao.on_response = on_response;
	ao.on_note = on_note;
	for (i = 0; i < (nw ? nw : 1); i++) {
		w[i].l = &l;
		ao.ctx = &w[i];
		w[i].api = sf_api_new(auth, &o->http, &ao, err);
		if (!w[i].api) {
			rc = -1;
			goto out;
		}
	}
	if (read_limits(&l, w[0].api, err) < 0) {
		rc = -1;
		goto out;
	}
	for (started = 0; started < nw; started++) {
		if (pthread_create(&w[started].thread, NULL, worker_main,
				   &w[started]) != 0) {
			rc = bs_err_set(err, BS_E_INTERNAL,
					"cannot start a worker thread");
			stop_load(&l, err, 1);
			break;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
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
	pthread_cond_destroy(&l.cv);
	pthread_mutex_destroy(&l.mu);
	return rc;
}
