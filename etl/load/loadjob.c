/* loadjob.c - one job's steps: create, upload, close, poll (see
 * loadjob.h). */
#include "loadjob.h"

#include <string.h>

#include "export/bulkdir.h"
#include "export/bulkfile.h"
#include "base/clock.h"
#include "pollplan.h"
#include "sf/sf_api.h"
#include "strays.h"

/* Creates an ingest job for the file's object into *job and remembers it
 * (a create whose answer was lost may have left a stray, strays.c). */
static int new_job(struct filerun *fr, struct sf_job *job, struct bs_err *e)
{
	const struct bulkdir_object *o = fr->t->bf->object;
	struct sf_job_spec spec = { o->object, o->operation, o->external_id };
	unsigned long long t0 = clock_now_ms();
	unsigned lost;

	if (sf_bulk_create(fr->w->api, &spec, job, &lost, e) < 0)
		return -1;
	strays_track_job(fr->l, fr->t, job, lost, clock_now_ms() - t0);
	return 0;
}

/* Creates the job for the current attempt.  Returns 0, 1 when Salesforce
 * refused it (the file failed), -1 when the load stops (an error, or the
 * budget says stop before this file). */
int loadjob_create(struct filerun *fr)
{
	struct bs_err e;

	if (!fr->reserved &&
	    loadrun_budget_reserve(fr->l, &fr->t->lf, fr->attempt_rows,
			   &fr->reserved) < 0) {
		fr->reserved = 0;
		fr->res.status = LOADER_FILE_UNFINISHED;
		loadrun_textf(fr->message, sizeof(fr->message),
		      "not started: the load is stopping");
		return -1;
	}
	if (new_job(fr, &fr->job, &e) < 0) {
		if (filerun_refused_here(fr, &e))
			return filerun_fail_attempt(fr, e.msg) < 0 ? -1 : 1;
		if (e.kind == BS_E_LIMIT)
			return filerun_limit_stop(fr, &e);   /* nothing was created */
		return filerun_fatal(fr, &e);
	}
	fr->t->jobs++;
	fr->res.jobs++;
	fr->job.state = SF_JOB_OPEN;
	return filerun_report_job(fr, 1) < 0 ? -1 : 0;
}

/* Before the rows of a resumed ExceededQuota job are reported, the job
 * that sends the rest is created: if the allocation is still used up,
 * Salesforce refuses it and the file stays as it was, with nothing
 * reported (a later run tries again).  0, or -1 when the load stops. */
int loadjob_open_next(struct filerun *fr)
{
	unsigned long long left = fr->attempt_rows > fr->job.processed ?
				  fr->attempt_rows - fr->job.processed : 1;
	struct bs_err e;

	if (loadrun_budget_reserve(fr->l, &fr->t->lf, left,
				  &fr->next_reserved) < 0) {
		fr->next_reserved = 0;
		fr->res.status = LOADER_FILE_UNFINISHED;
		loadrun_textf(fr->message, sizeof(fr->message),
			     "not continued: the load is stopping");
		return -1;
	}
	if (new_job(fr, &fr->next, &e) < 0) {
		loadrun_budget_release(fr->l, fr->next_reserved);
		fr->next_reserved = 0;
		if (e.kind == BS_E_LIMIT)
			return filerun_limit_stop(fr, &e);
		if (filerun_refused_here(fr, &e))
			return 0;    /* the re-send meets it again, and fails */
		return filerun_fatal(fr, &e);
	}
	fr->next.state = SF_JOB_OPEN;
	fr->have_next = 1;
	return 0;
}

/* Aborts the job open_next made when it is not needed after all. */
void loadjob_drop_next(struct filerun *fr)
{
	struct bs_err e;

	if (!fr->have_next)
		return;
	fr->have_next = 0;
	sf_bulk_abort(fr->w->api, fr->next.id, &e);
	loadrun_budget_release(fr->l, fr->next_reserved);
	fr->next_reserved = 0;
}

int loadjob_get(struct filerun *fr, long *retry_after, int *not_found)
{
	struct bs_err e;

	if (sf_bulk_get(fr->w->api, fr->job.id, &fr->job, retry_after,
			not_found, &e) < 0) {
		if (*not_found)
			return 1;
		return filerun_fatal(fr, &e);
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
		loadrun_note_locked(fr->l, &fr->t->lf, "the org refuses gzipped uploads "
			    "(HTTP 415): sending this and later files uncompressed");
		pthread_mutex_unlock(&fr->l->mu);
	}
	if (sf_bulk_abort(fr->w->api, fr->job.id, &e) < 0)
		return filerun_fatal(fr, &e);
	fr->job.state = SF_JOB_ABORTED;
	if (filerun_report_job(fr, 0) < 0)
		return -1;
	bulkfile_body_free(*body);
	*body = bulkfile_body_open(fr->body_path, 0, &e);
	if (!*body)
		return filerun_fatal(fr, &e);
	fr->gzip = 0;
	return loadjob_create(fr);
}

/* Uploads the current attempt's file into the Open job.  0 when uploaded,
 * 1 when the attempt was given up, -1 when the load stops. */
int loadjob_upload(struct filerun *fr)
{
	struct loader *l = fr->l;
	struct bulkfile_body *body;
	enum sf_upload_result res;
	struct sf_upload up;
	struct bs_err e;
	unsigned long long wait;
	unsigned tries = 0;
	int rc, nf;
	long ra, up_ra;

	body = bulkfile_body_open(fr->body_path, fr->gzip, &e);
	if (!body)
		return filerun_fatal(fr, &e);
	for (;;) {
		up.read = bulkfile_body_read;
		up.ctx = body;
		up.len = bulkfile_body_len(body);
		up.gzip = bulkfile_body_gzip(body);
		if (sf_bulk_upload(fr->w->api, fr->job.id, &up, &res, &up_ra,
				   &e) == 0) {
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
			if (filerun_refused_here(fr, &e)) {
				sf_bulk_abort(fr->w->api, fr->job.id, &e);
				rc = filerun_fail_attempt(fr, e.msg) < 0 ? -1 : 1;
			} else {
				rc = filerun_fatal(fr, &e);
			}
			break;
		}
		/* the upload may or may not have arrived: the job knows;
		   wait as any retry does (back-off, jitter, Retry-After) */
		if (tries >= l->o->retries) {
			rc = filerun_fatal(fr, &e);
			break;
		}
		wait = sf_api_backoff_ms(fr->w->api, tries++, up_ra);
		pthread_mutex_lock(&l->mu);
		loadrun_note_locked(l, &fr->t->lf, "upload to job %s: %s; checking the "
			    "job in %.1f s before sending again (%u of %u)",
			    fr->job.id, e.msg, (double)wait / 1000.0, tries,
			    l->o->retries);
		pthread_mutex_unlock(&l->mu);
		if (clock_nap(wait, NULL, &l->halt) < 0 && filerun_halted(fr)) {
			rc = -1;
			break;
		}
		rc = loadjob_get(fr, &ra, &nf);
		if (rc > 0) {
			bs_err_set(&e, BS_E_REMOTE, "job %s disappeared during "
				   "its upload", fr->job.id);
			rc = filerun_fatal(fr, &e);
		}
		if (rc != 0 || fr->job.state != SF_JOB_OPEN)
			break;       /* error, or the job moved on: uploaded */
		if (bulkfile_body_rewind(body, &e) < 0) {
			rc = filerun_fatal(fr, &e);
			break;
		}
	}
	bulkfile_body_free(body);
	return rc;
}

int loadjob_close(struct filerun *fr)
{
	struct bs_err e;

	if (sf_bulk_close(fr->w->api, fr->job.id, &e) == 0) {
		fr->job.state = SF_JOB_UPLOAD_COMPLETE;
		return filerun_report_job(fr, 0);
	}
	if (filerun_refused_here(fr, &e) && strstr(e.msg, "INVALIDJOBSTATE"))
		return 0;            /* closed before (a resumed job) */
	if (filerun_refused_here(fr, &e))
		return filerun_fail_attempt(fr, e.msg) < 0 ? -1 : 1;
	return filerun_fatal(fr, &e);
}

static void set_processed(struct filerun *fr)
{
	pthread_mutex_lock(&fr->l->mu);
	fr->t->processed = fr->settled + fr->job.processed;
	pthread_mutex_unlock(&fr->l->mu);
}

/* Polls until the job ends.  0 when it did, -1 when the load stops or
 * the deadline passed (the file stays unfinished). */
int loadjob_poll(struct filerun *fr)
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
	/* first look: when the org's pace says a job this size ends */
	pthread_mutex_lock(&l->mu);
	wait = pollpace_first_wait(&l->pace, fr->attempt_rows,
				   l->o->poll_min_ms, l->o->poll_max_ms);
	pthread_mutex_unlock(&l->mu);
	while (!sf_job_state_final(fr->job.state)) {
		unsigned long long now = clock_now_ms();

		if (now - start >= l->o->job_deadline_ms) {
			pthread_mutex_lock(&l->mu);
			l->deadline_misses++;
			loadrun_note_locked(l, &fr->t->lf, "job %s is still %s after "
				    "job_deadline; leaving it (run again to "
				    "collect its results)", fr->job.id,
				    sf_job_state_name(fr->job.state));
			pthread_mutex_unlock(&l->mu);
			fr->res.status = LOADER_FILE_UNFINISHED;
			loadrun_textf(fr->message, sizeof(fr->message),
				 "job %s did not finish within job_deadline",
				 fr->job.id);
			return -1;
		}
		if (wait > l->o->job_deadline_ms - (now - start))
			wait = l->o->job_deadline_ms - (now - start);
		if (clock_nap(wait, NULL, &l->halt) < 0) {
			filerun_halted(fr);
			return -1;
		}
		rc = loadjob_get(fr, &ra, &nf);
		if (rc > 0) {
			bs_err_set(&e, BS_E_REMOTE, "job %s disappeared while "
				   "running", fr->job.id);
			return filerun_fatal(fr, &e);
		}
		if (rc < 0)
			return -1;
		set_processed(fr);
		if (fr->job.state != seen) {
			seen = fr->job.state;
			if (filerun_report_job(fr, 0) < 0)
				return -1;
		} else {
			pthread_mutex_lock(&l->mu);
			loadrun_progress_locked(l);
			pthread_mutex_unlock(&l->mu);
		}
		wait = pollplan_next(&plan, clock_now_ms(),
				     fr->job.state == SF_JOB_IN_PROGRESS,
				     fr->job.processed, ra);
	}
	/* only Salesforce's time teaches the pace, never how late we looked */
	if (fr->job.state == SF_JOB_COMPLETE && fr->attempt_rows) {
		pthread_mutex_lock(&l->mu);
		pollpace_learn(&l->pace, &plan, fr->job.processed,
			       fr->job.processing_ms);
		pthread_mutex_unlock(&l->mu);
	}
	return 0;
}

