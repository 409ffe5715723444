/* loadfile.c - one bulk file's way through Bulk API 2.0: create the job,
 * upload, close, poll, collect and reconcile the results, re-send locked
 * rows (see loader.h; called by loader.c's worker threads). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/bulkdir.h"
#include "export/bulkfile.h"
#include "base/clock.h"
#include "loader_int.h"
#include "pollplan.h"
#include "recon.h"
#include "sf/sf_api.h"
#include "sf/sf_bulk.h"

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
	int resumed_final;                /* the resumed job had ended before
					     this run looked at it */
	int quota_retry;                  /* the held rows are ones a job did
					     not process (ExceededQuota) */
	unsigned quota_resends;           /* attempts made for those */
	struct sf_job next;               /* the job for those, created before
					     anything is reported (have_next) */
	int have_next;
	unsigned long long next_reserved; /* API calls reserved for it */
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
	return loader_job_hook(fr->l, created, &j);
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

	loader_textf(fr->message, sizeof(fr->message), "%s", reason);
	fr->res.status = LOADER_FILE_FAILED;
	bs_err_clear(&e);
	if (recon_end_attempt(fr->recon, fr->body_path, 0, reason, emit_record,
			      fr, &held, &e) < 0) {
		loader_stop(fr->l, &e, 1);
		return -1;
	}
	return 0;
}

/* A fatal error: the load stops at once; the file stays unfinished. */
static int fatal(struct filerun *fr, const struct bs_err *err)
{
	fr->res.status = LOADER_FILE_UNFINISHED;
	loader_textf(fr->message, sizeof(fr->message), "%s", err->msg);
	loader_stop(fr->l, err, 1);
	return -1;
}

/* An allocation ran out: no new job starts, the jobs running finish, and
 * this file stays unfinished for the next run. */
static int limit_stop(struct filerun *fr, const struct bs_err *err)
{
	fr->res.status = LOADER_FILE_UNFINISHED;
	loader_textf(fr->message, sizeof(fr->message), "%s", err->msg);
	loader_stop(fr->l, err, 0);
	return -1;
}

/* 1 when the job failed because a daily allocation of the org ran out
 * while it ran ("ExceededQuota : DailyBulkRecords Limit exceeded."). */
static int quota_failed(const struct sf_job *j)
{
	return j->state == SF_JOB_FAILED &&
	       !strncmp(j->error_message, "ExceededQuota", 13);
}

/* The job just failed with ExceededQuota: the load stops starting jobs
 * and the file stays unfinished.  Its results are left for the next run,
 * which resumes the job, keeps the outcomes of the rows it processed and
 * sends the others again (collect_all). */
static int quota_stop(struct filerun *fr)
{
	struct bs_err e;

	bs_err_set(&e, BS_E_LIMIT, "%s: job %s of '%s' failed with '%s'; no new "
		   "job was started; run again once the allocation is renewed to "
		   "send the rows it did not process",
		   sf_api_limit_text(fr->job.error_message), fr->job.id,
		   fr->t->lf.path, fr->job.error_message);
	limit_stop(fr, &e);
	loader_textf(fr->message, sizeof(fr->message), "job %s %s: %s; the rows "
		     "it did not process wait for the next run", fr->job.id,
		     sf_job_state_name(fr->job.state), fr->job.error_message);
	return -1;
}

/* 1 when Salesforce refused this one request (the file fails, the load
 * goes on), as opposed to refusing billsync altogether. */
static int refused_here(const struct filerun *fr, const struct bs_err *e)
{
	return e->kind == BS_E_REMOTE && !sf_api_refused_all(fr->w->api);
}

/* 1 (and the file is unfinished) when the load must stop now. */
static int halted(struct filerun *fr)
{
	if (atomic_load(&fr->l->halt)) {
		fr->res.status = LOADER_FILE_UNFINISHED;
		loader_textf(fr->message, sizeof(fr->message), "stopped");
		return 1;
	}
	return 0;
}

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
	loader_track_job(fr->l, fr->t, job, lost, clock_now_ms() - t0);
	return 0;
}

/* Creates the job for the current attempt.  Returns 0, 1 when Salesforce
 * refused it (the file failed), -1 when the load stops (an error, or the
 * budget says stop before this file). */
static int create_job(struct filerun *fr)
{
	struct bs_err e;

	if (!fr->reserved &&
	    loader_budget_reserve(fr->l, &fr->t->lf, fr->attempt_rows,
			   &fr->reserved) < 0) {
		fr->reserved = 0;
		fr->res.status = LOADER_FILE_UNFINISHED;
		loader_textf(fr->message, sizeof(fr->message),
		      "not started: the load is stopping");
		return -1;
	}
	if (new_job(fr, &fr->job, &e) < 0) {
		if (refused_here(fr, &e))
			return fail_attempt(fr, e.msg) < 0 ? -1 : 1;
		if (e.kind == BS_E_LIMIT)
			return limit_stop(fr, &e);   /* nothing was created */
		return fatal(fr, &e);
	}
	fr->t->jobs++;
	fr->res.jobs++;
	fr->job.state = SF_JOB_OPEN;
	return report_job(fr, 1) < 0 ? -1 : 0;
}

/* Before the rows of a resumed ExceededQuota job are reported, the job
 * that sends the rest is created: if the allocation is still used up,
 * Salesforce refuses it and the file stays as it was, with nothing
 * reported (a later run tries again).  0, or -1 when the load stops. */
static int open_next(struct filerun *fr)
{
	unsigned long long left = fr->attempt_rows > fr->job.processed ?
				  fr->attempt_rows - fr->job.processed : 1;
	struct bs_err e;

	if (loader_budget_reserve(fr->l, &fr->t->lf, left,
				  &fr->next_reserved) < 0) {
		fr->next_reserved = 0;
		fr->res.status = LOADER_FILE_UNFINISHED;
		loader_textf(fr->message, sizeof(fr->message),
			     "not continued: the load is stopping");
		return -1;
	}
	if (new_job(fr, &fr->next, &e) < 0) {
		loader_budget_release(fr->l, fr->next_reserved);
		fr->next_reserved = 0;
		if (e.kind == BS_E_LIMIT)
			return limit_stop(fr, &e);
		if (refused_here(fr, &e))
			return 0;    /* the re-send meets it again, and fails */
		return fatal(fr, &e);
	}
	fr->next.state = SF_JOB_OPEN;
	fr->have_next = 1;
	return 0;
}

/* Aborts the job open_next made when it is not needed after all. */
static void drop_next(struct filerun *fr)
{
	struct bs_err e;

	if (!fr->have_next)
		return;
	fr->have_next = 0;
	sf_bulk_abort(fr->w->api, fr->next.id, &e);
	loader_budget_release(fr->l, fr->next_reserved);
	fr->next_reserved = 0;
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
		loader_note_locked(fr->l, &fr->t->lf, "the org refuses gzipped uploads "
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
	unsigned long long wait;
	unsigned tries = 0;
	int rc, nf;
	long ra, up_ra;

	body = bulkfile_body_open(fr->body_path, fr->gzip, &e);
	if (!body)
		return fatal(fr, &e);
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
			if (refused_here(fr, &e)) {
				sf_bulk_abort(fr->w->api, fr->job.id, &e);
				rc = fail_attempt(fr, e.msg) < 0 ? -1 : 1;
			} else {
				rc = fatal(fr, &e);
			}
			break;
		}
		/* the upload may or may not have arrived: the job knows;
		   wait as any retry does (back-off, jitter, Retry-After) */
		if (tries >= l->o->retries) {
			rc = fatal(fr, &e);
			break;
		}
		wait = sf_api_backoff_ms(fr->w->api, tries++, up_ra);
		pthread_mutex_lock(&l->mu);
		loader_note_locked(l, &fr->t->lf, "upload to job %s: %s; checking the "
			    "job in %.1f s before sending again (%u of %u)",
			    fr->job.id, e.msg, (double)wait / 1000.0, tries,
			    l->o->retries);
		pthread_mutex_unlock(&l->mu);
		if (clock_nap(wait, NULL, &l->halt) < 0 && halted(fr)) {
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
			loader_note_locked(l, &fr->t->lf, "job %s is still %s after "
				    "job_deadline; leaving it (run again to "
				    "collect its results)", fr->job.id,
				    sf_job_state_name(fr->job.state));
			pthread_mutex_unlock(&l->mu);
			fr->res.status = LOADER_FILE_UNFINISHED;
			loader_textf(fr->message, sizeof(fr->message),
				 "job %s did not finish within job_deadline",
				 fr->job.id);
			return -1;
		}
		if (wait > l->o->job_deadline_ms - (now - start))
			wait = l->o->job_deadline_ms - (now - start);
		if (clock_nap(wait, NULL, &l->halt) < 0) {
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
			loader_progress_locked(l);
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
 * rows to send again: those locked (while lock_retries last) and, for a
 * job the daily allocation stopped, those it did not process. */
static int collect_all(struct filerun *fr, unsigned long long *held)
{
	static const char *const names[] = { "success", "failed", "unprocessed" };
	int ok = fr->job.state == SF_JOB_COMPLETE;
	int quota = quota_failed(&fr->job);
	unsigned hold = 0;
	char reason[MSG_BUF], path[3][PATH_BUF];
	struct bs_err e;
	int k, rc = 0;

	if ((ok || quota) &&
	    fr->attempt - fr->quota_resends < fr->l->o->lock_retries)
		hold |= RECON_HOLD_LOCKED;
	if (quota && fr->t->bf->object->key_field && fr->t->bf->origin_path)
		hold |= RECON_HOLD_UNPROCESSED;
	fr->quota_retry = (hold & RECON_HOLD_UNPROCESSED) != 0;
	reason[0] = '\0';
	if (!ok) {
		loader_textf(reason, sizeof(reason), "job %s %s%s%s", fr->job.id,
		      sf_job_state_name(fr->job.state),
		      fr->job.error_message[0] ? ": " : "",
		      fr->job.error_message);
	}
	if (!ok && !fr->quota_retry) {
		fr->res.status = LOADER_FILE_FAILED;
		loader_textf(fr->message, sizeof(fr->message), "%s", reason);
	}
	for (k = 0; k < 3; k++)
		if (loader_textf(path[k], sizeof(path[k]), "%s/%s.%s.csv",
			  fr->l->tmpdir, fr->job.id, names[k]) < 0) {
			bs_err_set(&e, BS_E_IO, "the temporary path for the %s "
				   "results of job %s is too long (temporary "
				   "folder '%s')", names[k], fr->job.id,
				   fr->l->tmpdir);
			return fatal(fr, &e);
		}
	for (k = 0; k < 3 && rc == 0; k++) {
		/* a job that processed every row without a failure has empty
		 * failed and unprocessed sets: two API calls saved per job */
		if (ok && ((k == SF_RESULTS_FAILED && fr->job.failed == 0) ||
			   (k == SF_RESULTS_UNPROCESSED &&
			    fr->job.processed >= fr->attempt_rows))) {
			FILE *f = fopen(path[k], "w");

			if (!f || fclose(f) != 0) {
				bs_err_set(&e, BS_E_IO, "cannot create '%s'",
					   path[k]);
				return fatal(fr, &e);
			}
			continue;
		}
		rc = download(fr, (enum sf_result_kind)k, path[k]);
	}
	if (rc == 0 && fr->quota_retry && open_next(fr) < 0)
		rc = -1;
	bs_err_clear(&e);
	for (k = 0; k < 3 && rc == 0; k++)
		rc = recon_read(fr->recon, (enum sf_result_kind)k, path[k], hold,
				reason, emit_record, fr, &e);
	if (rc == 0)
		rc = recon_end_attempt(fr->recon, fr->body_path,
				       hold & RECON_HOLD_UNPROCESSED, reason,
				       emit_record, fr, held, &e);
	for (k = 0; k < 3; k++)
		unlink(path[k]);
	return rc < 0 && e.kind != BS_E_NONE ? fatal(fr, &e) : rc;
}

/* Writes the held rows into a new file for the next attempt: gzipped
 * like the bulk files when uploads are. */
static int prepare_retry(struct filerun *fr)
{
	const struct bulkdir_file *bf = fr->t->bf;
	int gz = fr->l->o->gzip_upload && !atomic_load(&fr->l->gzip_refused);
	unsigned long long rows;
	struct bs_err e;

	if (fr->retry_path[0])
		unlink(fr->retry_path);
	if (loader_textf(fr->retry_path, sizeof(fr->retry_path),
		  "%s/file%zu-retry%u.csv%s", fr->l->tmpdir, bf->index,
		  fr->attempt + 1, gz ? ".gz" : "") < 0) {
		fr->retry_path[0] = '\0';
		bs_err_set(&e, BS_E_IO, "the temporary path for the re-send of "
			   "'%s' is too long (temporary folder '%s')",
			   fr->t->lf.path, fr->l->tmpdir);
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
	if (fr->quota_retry)
		loader_note_locked(fr->l, &fr->t->lf, "%llu row%s left by job %s "
			    "(%s): sending %s in a new job", rows,
			    rows == 1 ? "" : "s", fr->job.id,
			    fr->job.error_message, rows == 1 ? "it" : "them");
	else
		loader_note_locked(fr->l, &fr->t->lf, "%llu rows failed with "
			    "UNABLE_TO_LOCK_ROW; sending them again in a new job "
			    "(retry %u of %u)", rows,
			    fr->attempt - fr->quota_resends,
			    fr->l->o->lock_retries);
	pthread_mutex_unlock(&fr->l->mu);
	if (fr->quota_retry) {
		fr->quota_resends++;
		fr->quota_retry = 0;
		return 0;           /* nothing to wait for */
	}
	/* give the competing transactions time to let go */
	if (clock_nap(fr->l->o->poll_min_ms << (fr->attempt < 6 ? fr->attempt : 6),
		      NULL, &fr->l->halt) < 0) {
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
	fr->resumed_final = 0;
	if (resume) {
		rc = get_job(fr, &ra, &nf);
		if (rc < 0)
			return -1;
		if (rc == 0)
			loader_track_job(fr->l, fr->t, &fr->job, 0, 0);
		if (rc > 0) {
			pthread_mutex_lock(&fr->l->mu);
			loader_note_locked(fr->l, &fr->t->lf, "job %s to resume is gone; "
				    "creating a new one", fr->job.id);
			pthread_mutex_unlock(&fr->l->mu);
			resume = 0;
		} else if ((fr->job.state == SF_JOB_FAILED ||
			    fr->job.state == SF_JOB_ABORTED) &&
			   fr->job.processed == 0) {
			/* e.g. left Open past Salesforce's 24 hours while we
			 * were down: no record was touched, so a new job
			 * sends them without any risk of a duplicate */
			pthread_mutex_lock(&fr->l->mu);
			loader_note_locked(fr->l, &fr->t->lf, "job %s to resume "
				    "ended %s without processing a record%s%s; "
				    "creating a new one", fr->job.id,
				    sf_job_state_name(fr->job.state),
				    fr->job.error_message[0] ? ": " : "",
				    fr->job.error_message);
			pthread_mutex_unlock(&fr->l->mu);
			resume = 0;
		} else if (report_job(fr, 0) < 0) {
			return -1;
		} else {
			fr->resumed_final = sf_job_state_final(fr->job.state);
		}
	}
	/* gzip unless switched off or refused (a .gz file is decompressed
	 * on the way then) */
	n = strlen(fr->body_path);
	fr->gzip = fr->l->o->gzip_upload && !atomic_load(&fr->l->gzip_refused) &&
		   n > 3 && !strcmp(fr->body_path + n - 3, ".gz");
	if (!resume && fr->have_next) {
		/* made by open_next: on the ledger now, with its rows */
		fr->job = fr->next;
		fr->have_next = 0;
		fr->reserved = fr->next_reserved;
		fr->next_reserved = 0;
		fr->t->jobs++;
		fr->res.jobs++;
		if (report_job(fr, 1) < 0)
			return -1;
	} else if (!resume) {
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
	/* seen failing for want of allocation: stop here; found so when
	 * resumed (the allocation may be back): collect and send the rest */
	if (quota_failed(&fr->job) && !fr->resumed_final)
		return quota_stop(fr);
	return collect_all(fr, held);
}

void loadfile_run(struct worker *w, struct task *t)
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
		loader_stop_locked(l, &e, 1);
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
	loader_textf(fr.job.id, sizeof(fr.job.id), "%s", resume ? resume_id : "");
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
		loader_budget_release(l, fr.reserved);
		fr.reserved = 0;
		rc = prepare_retry(&fr);
		if (rc != 0)
			break;
	}
	/* FAILED and UNFINISHED were set where they happened */
	if (rc == 0 && fr.res.status == LOADER_FILE_UNFINISHED)
		fr.res.status = LOADER_FILE_DONE;
done:
	drop_next(&fr);
	if (fr.reserved)
		loader_budget_release(l, fr.reserved);
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
		loader_stop_locked(l, &e, 1);
	}
	pthread_mutex_unlock(&l->mu);
}
