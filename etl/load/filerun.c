/* filerun.c - the state of loading one bulk file and how an attempt ends
 * (see filerun.h). */
#include "filerun.h"

#include <string.h>

#include "recon.h"
#include "sf/sf_api.h"

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

int filerun_report_job(struct filerun *fr, int created)
{
	struct loader_job j;

	fill_job(fr, &j);
	return loadrun_job_hook(fr->l, created, &j);
}

/* recon_fn: one record's outcome, to the record hook and the counters. */
int filerun_emit_record(void *ctx, const struct recon_row *row,
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
int filerun_fail_attempt(struct filerun *fr, const char *reason)
{
	struct bs_err e;
	unsigned long long held;

	loadrun_textf(fr->message, sizeof(fr->message), "%s", reason);
	fr->res.status = LOADER_FILE_FAILED;
	bs_err_clear(&e);
	if (recon_end_attempt(fr->recon, fr->body_path, 0, reason,
			      filerun_emit_record, fr, &held, &e) < 0) {
		loadrun_stop(fr->l, &e, 1);
		return -1;
	}
	return 0;
}

/* A fatal error: the load stops at once; the file stays unfinished. */
int filerun_fatal(struct filerun *fr, const struct bs_err *err)
{
	fr->res.status = LOADER_FILE_UNFINISHED;
	loadrun_textf(fr->message, sizeof(fr->message), "%s", err->msg);
	loadrun_stop(fr->l, err, 1);
	return -1;
}

/* An allocation ran out: no new job starts, the jobs running finish, and
 * this file stays unfinished for the next run. */
int filerun_limit_stop(struct filerun *fr, const struct bs_err *err)
{
	fr->res.status = LOADER_FILE_UNFINISHED;
	loadrun_textf(fr->message, sizeof(fr->message), "%s", err->msg);
	loadrun_stop(fr->l, err, 0);
	return -1;
}

/* 1 when the job failed because a daily allocation of the org ran out
 * while it ran ("ExceededQuota : DailyBulkRecords Limit exceeded."). */
int filerun_quota_failed(const struct sf_job *j)
{
	return j->state == SF_JOB_FAILED &&
	       !strncmp(j->error_message, "ExceededQuota", 13);
}

/* The job just failed with ExceededQuota: the load stops starting jobs
 * and the file stays unfinished.  Its results are left for the next run,
 * which resumes the job, keeps the outcomes of the rows it processed and
 * sends the others again (collect_all). */
int filerun_quota_stop(struct filerun *fr)
{
	struct bs_err e;

	bs_err_set(&e, BS_E_LIMIT, "%s: job %s of '%s' failed with '%s'; no new "
		   "job was started; run again once the allocation is renewed to "
		   "send the rows it did not process",
		   sf_api_limit_text(fr->job.error_message), fr->job.id,
		   fr->t->lf.path, fr->job.error_message);
	filerun_limit_stop(fr, &e);
	loadrun_textf(fr->message, sizeof(fr->message), "job %s %s: %s; the rows "
		     "it did not process wait for the next run", fr->job.id,
		     sf_job_state_name(fr->job.state), fr->job.error_message);
	return -1;
}

/* 1 when Salesforce refused this one request (the file fails, the load
 * goes on), as opposed to refusing billsync altogether. */
int filerun_refused_here(const struct filerun *fr, const struct bs_err *e)
{
	return e->kind == BS_E_REMOTE && !sf_api_refused_all(fr->w->api);
}

/* 1 (and the file is unfinished) when the load must stop now. */
int filerun_halted(struct filerun *fr)
{
	if (atomic_load(&fr->l->halt)) {
		fr->res.status = LOADER_FILE_UNFINISHED;
		loadrun_textf(fr->message, sizeof(fr->message), "stopped");
		return 1;
	}
	return 0;
}

