/* loadrun.c - the shared state of a load: stopping, notes, progress,
 * job hooks and the allocation budget (see loadrun.h). */
#include "loadrun.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"

#define BATCH_ROWS 10000ULL          /* Salesforce counts a batch per 10,000 */

int loadrun_textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* ---- stopping, notes, hooks (all under l->mu) ----------------------- */

void loadrun_stop_locked(struct loader *l, const struct bs_err *err,
			 int halt_now)
{
	if (!l->stop_set) {
		l->stop_set = 1;
		l->stop_err = *err;
		/* a request the signal cut short says so the usual way */
		if (l->o->stop && *l->o->stop)
			bs_err_set(&l->stop_err, BS_E_LIMIT, LOADRUN_INTERRUPTED);
	}
	l->draining = 1;
	if (halt_now)
		atomic_store(&l->halt, 1);
	pthread_cond_broadcast(&l->cv);
}

void loadrun_stop(struct loader *l, const struct bs_err *err, int halt_now)
{
	pthread_mutex_lock(&l->mu);
	loadrun_stop_locked(l, err, halt_now);
	pthread_mutex_unlock(&l->mu);
}

void loadrun_note_locked(struct loader *l, const struct loader_file *f,
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

void loadrun_progress_locked(struct loader *l)
{
	size_t i;

	if (!l->h->progress)
		return;
	l->prog.rows_processed = 0;
	l->prog.nrunning = 0;
	memset(l->prog.jobs_in_state, 0, sizeof(l->prog.jobs_in_state));
	for (i = 0; i < l->ntasks; i++) {
		const struct task *t = &l->tasks[i];
		struct loader_job_progress *j;

		l->prog.rows_processed += t->processed;
		if (t->state != T_RUNNING)
			continue;
		l->prog.jobs_in_state[t->job_state]++;
		if (l->prog.nrunning == LOADER_PROGRESS_JOBS)
			continue;
		j = &l->prog.running[l->prog.nrunning++];
		j->path = t->lf.path;
		j->state = t->job_state;
		j->processed = t->processed;
		j->rows = t->lf.rows;
	}
	l->last_progress_ms = clock_now_ms();
	l->h->progress(l->h->ctx, &l->prog);
}

int loadrun_job_hook(struct loader *l, int created,
		     const struct loader_job *j)
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
		loadrun_stop_locked(l, &e, 1);
		rc = -1;
	}
	loadrun_progress_locked(l);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* ---- budget ---------------------------------------------------------- */

/* API calls a job of rows records is expected to take: create, upload,
 * close, three result sets, and polls (pollplan.h: a handful per
 * 500,000 records), plus slack for retries. */
unsigned long long loadrun_job_calls(unsigned long long rows)
{
	return 10 + rows / 100000;
}

int loadrun_budget_reserve(struct loader *l, const struct loader_file *f,
			   unsigned long long rows, unsigned long long *calls)
{
	unsigned long long batches = rows / BATCH_ROWS + (rows % BATCH_ROWS != 0);
	unsigned long long left = 0, max = 0, margin = 0;
	unsigned pct = l->o->limit_margin_pct;
	const char *what = NULL;
	struct bs_err e;
	int rc = 0;

	*calls = loadrun_job_calls(rows);
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
		loadrun_stop_locked(l, &e, 0);
		rc = -1;
	} else {
		l->reserved_calls += *calls;
		if (l->have_batches)
			l->batches_remaining -= batches;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void loadrun_budget_release(struct loader *l, unsigned long long calls)
{
	pthread_mutex_lock(&l->mu);
	l->reserved_calls -= calls < l->reserved_calls ? calls : l->reserved_calls;
	pthread_mutex_unlock(&l->mu);
}

