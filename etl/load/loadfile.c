/* loadfile.c - one bulk file's way through Bulk API 2.0: its attempts
 * (a job each, its steps in loadjob.c), the results collected and
 * reconciled, locked rows re-sent, the file hooks (see loadfile.h). */
#include "loadfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/bulkdir.h"
#include "export/bulkfile.h"
#include "base/clock.h"
#include "loadjob.h"
#include "recon.h"
#include "sf/sf_api.h"
#include "sf/sf_bulk.h"
#include "strays.h"

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
		return filerun_fatal(fr, &e);
	}
	rc = sf_bulk_results(fr->w->api, fr->job.id, kind, f, &e);
	fclose(f);
	if (rc < 0 && fr->job.state == SF_JOB_ABORTED && e.kind == BS_E_REMOTE)
		return truncate(path, 0) == 0 ? 0 : filerun_fatal(fr, &e);
	return rc < 0 ? filerun_fatal(fr, &e) : 0;
}

/* Results of the ended job, all three downloaded before any record is
 * reported (so an interruption reports nothing twice); *held gets the
 * rows to send again: those locked (while lock_retries last) and, for a
 * job the daily allocation stopped, those it did not process. */
static int collect_all(struct filerun *fr, unsigned long long *held)
{
	static const char *const names[] = { "success", "failed", "unprocessed" };
	int ok = fr->job.state == SF_JOB_COMPLETE;
	int quota = filerun_quota_failed(&fr->job);
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
		loadrun_textf(reason, sizeof(reason), "job %s %s%s%s", fr->job.id,
		      sf_job_state_name(fr->job.state),
		      fr->job.error_message[0] ? ": " : "",
		      fr->job.error_message);
	}
	if (!ok && !fr->quota_retry) {
		fr->res.status = LOADER_FILE_FAILED;
		loadrun_textf(fr->message, sizeof(fr->message), "%s", reason);
	}
	for (k = 0; k < 3; k++)
		if (loadrun_textf(path[k], sizeof(path[k]), "%s/%s.%s.csv",
			  fr->l->tmpdir, fr->job.id, names[k]) < 0) {
			bs_err_set(&e, BS_E_IO, "the temporary path for the %s "
				   "results of job %s is too long (temporary "
				   "folder '%s')", names[k], fr->job.id,
				   fr->l->tmpdir);
			return filerun_fatal(fr, &e);
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
				return filerun_fatal(fr, &e);
			}
			continue;
		}
		rc = download(fr, (enum sf_result_kind)k, path[k]);
	}
	if (rc == 0 && fr->quota_retry && loadjob_open_next(fr) < 0)
		rc = -1;
	bs_err_clear(&e);
	for (k = 0; k < 3 && rc == 0; k++)
		rc = recon_read(fr->recon, (enum sf_result_kind)k, path[k], hold,
				reason, filerun_emit_record, fr, &e);
	if (rc == 0)
		rc = recon_end_attempt(fr->recon, fr->body_path,
				       hold & RECON_HOLD_UNPROCESSED, reason,
				       filerun_emit_record, fr, held, &e);
	for (k = 0; k < 3; k++)
		unlink(path[k]);
	return rc < 0 && e.kind != BS_E_NONE ? filerun_fatal(fr, &e) : rc;
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
	if (loadrun_textf(fr->retry_path, sizeof(fr->retry_path),
		  "%s/file%zu-retry%u.csv%s", fr->l->tmpdir, bf->index,
		  fr->attempt + 1, gz ? ".gz" : "") < 0) {
		fr->retry_path[0] = '\0';
		bs_err_set(&e, BS_E_IO, "the temporary path for the re-send of "
			   "'%s' is too long (temporary folder '%s')",
			   fr->t->lf.path, fr->l->tmpdir);
		return filerun_fatal(fr, &e);
	}
	if (bulkfile_copy_rows(bf->full_path, bf->object->key_field, recon_held,
			       fr->recon, fr->retry_path, &rows, &e) < 0)
		return filerun_fatal(fr, &e);
	fr->settled += fr->attempt_rows - recon_retry(fr->recon);
	fr->attempt++;
	fr->attempt_rows = rows;
	fr->body_path = fr->retry_path;
	pthread_mutex_lock(&fr->l->mu);
	if (fr->quota_retry)
		loadrun_note_locked(fr->l, &fr->t->lf, "%llu row%s left by job %s "
			    "(%s): sending %s in a new job", rows,
			    rows == 1 ? "" : "s", fr->job.id,
			    fr->job.error_message, rows == 1 ? "it" : "them");
	else
		loadrun_note_locked(fr->l, &fr->t->lf, "%llu rows failed with "
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
		filerun_halted(fr);
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
		rc = loadjob_get(fr, &ra, &nf);
		if (rc < 0)
			return -1;
		if (rc == 0)
			strays_track_job(fr->l, fr->t, &fr->job, 0, 0);
		if (rc > 0) {
			pthread_mutex_lock(&fr->l->mu);
			loadrun_note_locked(fr->l, &fr->t->lf, "job %s to resume is gone; "
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
			loadrun_note_locked(fr->l, &fr->t->lf, "job %s to resume "
				    "ended %s without processing a record%s%s; "
				    "creating a new one", fr->job.id,
				    sf_job_state_name(fr->job.state),
				    fr->job.error_message[0] ? ": " : "",
				    fr->job.error_message);
			pthread_mutex_unlock(&fr->l->mu);
			resume = 0;
		} else if (filerun_report_job(fr, 0) < 0) {
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
		if (filerun_report_job(fr, 1) < 0)
			return -1;
	} else if (!resume) {
		rc = loadjob_create(fr);
		if (rc != 0)
			return rc;
	}
	if (filerun_halted(fr))
		return -1;
	if (fr->job.state == SF_JOB_OPEN) {
		rc = loadjob_upload(fr);
		if (rc == 0 && fr->job.state == SF_JOB_OPEN)
			rc = loadjob_close(fr);
		if (rc != 0)
			return rc;
	}
	if (loadjob_poll(fr) < 0)
		return -1;
	/* seen failing for want of allocation: stop here; found so when
	 * resumed (the allocation may be back): collect and send the rest */
	if (filerun_quota_failed(&fr->job) && !fr->resumed_final)
		return filerun_quota_stop(fr);
	return collect_all(fr, held);
}

/* The file_start hook: how to start the file (new, resume resume_id,
 * skip); -1 when it failed (the load is stopped). */
static int start_hook(struct loader *l, struct task *t,
		      enum loader_start *start, char *resume_id)
{
	struct bs_err e;
	int rc = 0;

	bs_err_clear(&e);
	pthread_mutex_lock(&l->mu);
	if (l->h->file_start &&
	    l->h->file_start(l->h->ctx, &t->lf, start, resume_id, &e) != 0) {
		if (e.kind == BS_E_NONE)
			bs_err_set(&e, BS_E_INTERNAL, "the file_start hook failed");
		loadrun_stop_locked(l, &e, 1);
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* Releases what the file held and reports its outcome (file_done). */
static void finish(struct filerun *fr)
{
	struct loader *l = fr->l;
	struct task *t = fr->t;
	struct bs_err e;

	loadjob_drop_next(fr);
	if (fr->reserved)
		loadrun_budget_release(l, fr->reserved);
	if (fr->retry_path[0])
		unlink(fr->retry_path);
	recon_free(fr->recon);
	fr->res.job_id = fr->job.id;
	fr->res.message = fr->message;
	bs_err_clear(&e);
	pthread_mutex_lock(&l->mu);
	t->status = fr->res.status;
	t->processed = t->lf.rows;
	if (l->h->file_done &&
	    l->h->file_done(l->h->ctx, &t->lf, &fr->res, &e) != 0) {
		if (e.kind == BS_E_NONE)
			bs_err_set(&e, BS_E_INTERNAL, "the file_done hook failed");
		loadrun_stop_locked(l, &e, 1);
	}
	pthread_mutex_unlock(&l->mu);
}

void loadfile_run(struct worker *w, struct task *t)
{
	enum loader_start start = LOADER_START_NEW;
	char resume_id[SF_ID_SIZE] = "";
	unsigned long long held = 0;
	struct filerun fr;
	struct bs_err e;
	int rc, resume;

	memset(&fr, 0, sizeof(fr));
	fr.w = w;
	fr.l = w->l;
	fr.t = t;
	fr.body_path = t->bf->full_path;
	fr.attempt_rows = t->lf.rows;
	fr.res.status = LOADER_FILE_UNFINISHED;
	fr.res.job_id = "";
	rc = start_hook(fr.l, t, &start, resume_id);
	if (rc < 0 || start == LOADER_START_SKIP) {
		fr.res.status = rc < 0 ? LOADER_FILE_UNFINISHED :
					 LOADER_FILE_SKIPPED;
		goto done;
	}
	resume = start == LOADER_START_RESUME;
	if (resume && sf_id_check(resume_id) < 0) {
		bs_err_set(&e, BS_E_INTERNAL, "file_start gave '%s' as a job id",
			   resume_id);
		filerun_fatal(&fr, &e);
		goto done;
	}
	loadrun_textf(fr.job.id, sizeof(fr.job.id), "%s", resume ? resume_id : "");
	fr.recon = recon_open(t->bf->origin_path, t->bf->object->key_field,
			      t->lf.rows, &e);
	if (!fr.recon) {
		filerun_fatal(&fr, &e);
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
		loadrun_budget_release(fr.l, fr.reserved);
		fr.reserved = 0;
		rc = prepare_retry(&fr);
		if (rc != 0)
			break;
	}
	/* FAILED and UNFINISHED were set where they happened */
	if (rc == 0 && fr.res.status == LOADER_FILE_UNFINISHED)
		fr.res.status = LOADER_FILE_DONE;
done:
	finish(&fr);
}
