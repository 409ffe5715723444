/*
 * filerun.h - the state of loading one bulk file (struct filerun, one per
 * worker and file) and the ways an attempt ends: a record's outcome to
 * the hooks, the attempt failed, a fatal error, an allocation used up, a
 * halt.  Below loadjob.c (one job's steps) and loadfile.c (attempts,
 * results, re-sends); above loadrun.h.
 */
#ifndef FILERUN_H
#define FILERUN_H

#include "loadrun.h"
#include "sf/sf_bulk.h"

struct recon;
struct recon_row;

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


/* Reports the current job to the job_created (created) or job_state hook;
 * -1 when the load stops. */
int filerun_report_job(struct filerun *fr, int created);

/* recon_fn (ctx: the filerun): one record's outcome, to the record hook
 * and the counters. */
int filerun_emit_record(void *ctx, const struct recon_row *row,
			struct bs_err *err);

/* Every row of the current attempt ends unprocessed for reason; the file
 * is marked failed.  0, or -1 when the load stops. */
int filerun_fail_attempt(struct filerun *fr, const char *reason);

/* A fatal error: the load stops at once; the file stays unfinished; -1. */
int filerun_fatal(struct filerun *fr, const struct bs_err *err);

/* An allocation ran out: no new job starts, the jobs running finish, and
 * this file stays unfinished for the next run; -1. */
int filerun_limit_stop(struct filerun *fr, const struct bs_err *err);

/* 1 when the job failed because a daily allocation of the org ran out
 * while it ran ("ExceededQuota : DailyBulkRecords Limit exceeded."). */
int filerun_quota_failed(const struct sf_job *j);

/* The job just failed with ExceededQuota: the load stops starting jobs
 * and the file stays unfinished, its results left for the next run; -1. */
int filerun_quota_stop(struct filerun *fr);

/* 1 when Salesforce refused this one request (the file fails, the load
 * goes on), as opposed to refusing billsync altogether. */
int filerun_refused_here(const struct filerun *fr, const struct bs_err *e);

/* 1 (and the file is unfinished) when the load must stop now. */
int filerun_halted(struct filerun *fr);

#endif
