/* loader.c - loading an export directory's bulk files through Bulk API 2.0
 * jobs: options, order, worker threads, the allocation budget and the
 * hooks (see loader.h; one file's jobs are in loadfile.c). */
#include "loader.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bulkdir.h"
#include "cli.h"
#include "config.h"
#include "loader_int.h"
#include "sf_api.h"
#include "sf_auth.h"

#define RETRY_WAIT_MAX_MS 60000ULL
#define INGEST_OLDEST_VERSION 41     /* Bulk API 2.0 ingest: 41.0 and later */
#define STRAY_SLACK_MS 1000LL        /* createdDate rounding, either side */
#define BATCH_ROWS 10000ULL          /* Salesforce counts a batch per 10,000 */
#define WAIT_SLICE_MS 200

/* ---- options ------------------------------------------------------- */

int loader_textf(char *buf, size_t size, const char *fmt, ...)
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

void loader_stop_locked(struct loader *l, const struct bs_err *err,
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

void loader_stop(struct loader *l, const struct bs_err *err, int halt_now)
{
	pthread_mutex_lock(&l->mu);
	loader_stop_locked(l, err, halt_now);
	pthread_mutex_unlock(&l->mu);
}

void loader_note_locked(struct loader *l, const struct loader_file *f,
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

void loader_progress_locked(struct loader *l)
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

int loader_job_hook(struct loader *l, int created, const struct loader_job *j)
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
		loader_stop_locked(l, &e, 1);
		rc = -1;
	}
	loader_progress_locked(l);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* Turns SIGINT/SIGTERM into a halt (loader_run's thread only). */
static void check_interrupt_locked(struct loader *l)
{
	struct bs_err e;

	if (l->o->stop && *l->o->stop && !atomic_load(&l->halt)) {
		bs_err_set(&e, BS_E_LIMIT, "interrupted: run the same command "
			   "again to continue where it stopped");
		loader_stop_locked(l, &e, 1);
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
	loader_note_locked(w->l, w->task ? &w->task->lf : NULL, "%s", msg);
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

int loader_budget_reserve(struct loader *l, const struct loader_file *f,
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
		loader_stop_locked(l, &e, 0);
		rc = -1;
	} else {
		l->reserved_calls += *calls;
		if (l->have_batches)
			l->batches_remaining -= batches;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void loader_budget_release(struct loader *l, unsigned long long calls)
{
	pthread_mutex_lock(&l->mu);
	l->reserved_calls -= calls < l->reserved_calls ? calls : l->reserved_calls;
	pthread_mutex_unlock(&l->mu);
}

/* ---- jobs a lost answer may have left --------------------------------- */

/* Under l->mu. */
static void add_known_locked(struct loader *l, const char *id)
{
	if (l->nknown == l->known_alloc) {
		size_t n = l->known_alloc ? l->known_alloc * 2 : 16;
		char (*p)[SF_ID_SIZE] = realloc(l->known, n * sizeof(*l->known));

		if (!p) {
			l->known_incomplete = 1;
			return;
		}
		l->known = p;
		l->known_alloc = n;
	}
	snprintf(l->known[l->nknown++], SF_ID_SIZE, "%s", id);
}

void loader_track_job(struct loader *l, const struct task *t,
		      const struct sf_job *job, unsigned uncertain,
		      unsigned long long elapsed_ms)
{
	struct stray_watch *w;

	pthread_mutex_lock(&l->mu);
	add_known_locked(l, job->id);
	if (!uncertain)
		goto out;
	if (!job->created_ms || !job->created_by[0]) {
		loader_note_locked(l, &t->lf, "job create: %u attempt%s got no "
				   "answer before job %s was made, and Salesforce "
				   "did not say when or by whom that job was "
				   "created: billsync cannot look for a job a lost "
				   "attempt may have left Open (it fails after 24 "
				   "hours, with no data)", uncertain,
				   uncertain > 1 ? "s" : "", job->id);
		goto out;
	}
	if (l->nwatch == l->watch_alloc) {
		size_t n = l->watch_alloc ? l->watch_alloc * 2 : 4;
		struct stray_watch *p = realloc(l->watch, n * sizeof(*p));

		if (!p) {
			loader_note_locked(l, &t->lf, "out of memory: a job a "
					   "lost create answer may have left Open "
					   "will not be looked for");
			goto out;
		}
		l->watch = p;
		l->watch_alloc = n;
	}
	w = &l->watch[l->nwatch++];
	w->task = t;
	snprintf(w->created_by, sizeof(w->created_by), "%s", job->created_by);
	w->from_ms = job->created_ms - (long long)elapsed_ms - STRAY_SLACK_MS;
	w->to_ms = job->created_ms + STRAY_SLACK_MS;
	w->tries = uncertain;
	loader_note_locked(l, &t->lf, "job create: %u attempt%s got no answer "
			   "before job %s was made; at the end billsync looks for "
			   "a job %s may have left Open", uncertain,
			   uncertain > 1 ? "s" : "", job->id,
			   uncertain > 1 ? "they" : "it");
out:
	pthread_mutex_unlock(&l->mu);
}

/* The Open jobs found that a lost create may have made: watch groups are
 * watches of one object (and operation) and one user. */
struct stray {
	char id[SF_ID_SIZE];
	size_t group;                 /* index of the group's first watch */
};

struct stray_scan {
	struct loader *l;
	size_t *group;                /* per watch: its group */
	struct stray *found;
	size_t nfound, alloc;
};

static int same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The watch group a listed job may belong to, or -1. */
static long stray_group(const struct stray_scan *sc,
			const struct sf_job_entry *j)
{
	const struct loader *l = sc->l;
	size_t i;

	if (j->state != SF_JOB_OPEN || !j->created_ms)
		return -1;
	for (i = 0; i < l->nknown; i++)
		if (!strcmp(l->known[i], j->id))
			return -1;
	for (i = 0; i < l->nwatch; i++) {
		const struct stray_watch *w = &l->watch[i];
		const struct bulkdir_object *o = w->task->bf->object;

		if (same_str(j->object, o->object) &&
		    same_str(j->operation, o->operation) &&
		    same_str(j->external_id, o->external_id) &&
		    !strcmp(j->created_by, w->created_by) &&
		    j->created_ms >= w->from_ms && j->created_ms <= w->to_ms)
			return (long)sc->group[i];
	}
	return -1;
}

static int on_listed(void *ctx, const struct sf_job_entry *j,
		     struct bs_err *err)
{
	struct stray_scan *sc = ctx;
	long g = stray_group(sc, j);

	if (g < 0)
		return 0;
	if (sc->nfound == sc->alloc) {
		size_t n = sc->alloc ? sc->alloc * 2 : 4;
		struct stray *p = realloc(sc->found, n * sizeof(*p));

		if (!p)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		sc->found = p;
		sc->alloc = n;
	}
	snprintf(sc->found[sc->nfound].id, SF_ID_SIZE, "%s", j->id);
	sc->found[sc->nfound++].group = (size_t)g;
	return 0;
}

/* Deals with the jobs of one watch group: aborted when there are no more
 * of them than lost attempts, else left (another client of the same user
 * may have made some: nothing in a job says which program made it). */
static void settle_group(struct loader *l, struct sf_api *api,
			 const struct stray_scan *sc, size_t g)
{
	const struct loader_file *f = &l->watch[g].task->lf;
	unsigned tries = 0;
	size_t i, n = 0;
	char ids[MSG_BUF / 2] = "";
	struct bs_err e;

	for (i = 0; i < l->nwatch; i++)
		if (sc->group[i] == g)
			tries += l->watch[i].tries;
	for (i = 0; i < sc->nfound; i++) {
		size_t len = strlen(ids);

		if (sc->found[i].group != g)
			continue;
		n++;
		if (len + SF_ID_SIZE + 2 < sizeof(ids))
			snprintf(ids + len, sizeof(ids) - len, "%s%s",
				 len ? ", " : "", sc->found[i].id);
	}
	pthread_mutex_lock(&l->mu);
	if (!n)
		loader_note_locked(l, f, "no job of %s made by a lost create "
				   "answer is left Open", f->object);
	else if (n > tries)
		loader_note_locked(l, f, "%zu Open jobs of %s (%s) were created by "
				   "the same user while billsync's job create got "
				   "no answer %u time%s: billsync cannot tell which "
				   "are its own, so it leaves them (an Open job "
				   "without data fails after 24 hours)", n,
				   f->object, ids, tries, tries > 1 ? "s" : "");
	pthread_mutex_unlock(&l->mu);
	if (!n || n > tries)
		return;
	for (i = 0; i < sc->nfound; i++) {
		if (sc->found[i].group != g)
			continue;
		bs_err_clear(&e);
		sf_bulk_abort(api, sc->found[i].id, &e);
		pthread_mutex_lock(&l->mu);
		if (e.kind == BS_E_NONE)
			loader_note_locked(l, f, "aborted job %s: left Open by a "
					   "job create whose answer was lost",
					   sc->found[i].id);
		else
			loader_note_locked(l, f, "cannot abort job %s, left Open "
					   "by a job create whose answer was lost: "
					   "%s", sc->found[i].id, e.msg);
		pthread_mutex_unlock(&l->mu);
	}
}

/* After the workers: lists the org's ingest jobs and aborts the Open ones
 * lost create answers left (docs/loading.md, Faults). */
static void clean_strays(struct loader *l, struct sf_api *api)
{
	struct stray_scan sc;
	struct bs_err e;
	size_t i, j;

	if (!l->nwatch)
		return;
	if ((l->o->stop && *l->o->stop) || l->known_incomplete) {
		pthread_mutex_lock(&l->mu);
		loader_note_locked(l, NULL, "not looking for jobs lost create "
				   "answers may have left Open (%s); such a job "
				   "fails after 24 hours, with no data",
				   l->known_incomplete ? "out of memory" :
				   "interrupted");
		pthread_mutex_unlock(&l->mu);
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.l = l;
	sc.group = calloc(l->nwatch, sizeof(*sc.group));
	bs_err_clear(&e);
	if (!sc.group) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
	} else {
		for (i = 0; i < l->nwatch; i++) {
			const struct stray_watch *w = &l->watch[i];

			sc.group[i] = i;
			for (j = 0; j < i; j++)
				if (l->watch[j].task->bf->object ==
				    w->task->bf->object &&
				    !strcmp(l->watch[j].created_by,
					    w->created_by)) {
					sc.group[i] = sc.group[j];
					break;
				}
		}
		sf_bulk_list(api, on_listed, &sc, &e);
	}
	if (e.kind != BS_E_NONE) {
		pthread_mutex_lock(&l->mu);
		loader_note_locked(l, NULL, "cannot look for jobs lost create "
				   "answers may have left Open: %s", e.msg);
		pthread_mutex_unlock(&l->mu);
	} else {
		for (i = 0; i < l->nwatch; i++)
			if (sc.group[i] == i)
				settle_group(l, api, &sc, i);
	}
	free(sc.found);
	free(sc.group);
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
			loader_progress_locked(l);
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
		if (err->kind != BS_E_REMOTE || sf_api_refused_all(api))
			return -1;
		pthread_mutex_lock(&l->mu);
		loader_note_locked(l, NULL, "cannot read the org's limits (%s); loading "
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
			loader_stop_locked(l, err, 1);
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
	rc = start_workers(&l, w, nw, &started, err);
	wait_workers(&l);
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	clean_strays(&l, w[0].api);
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
