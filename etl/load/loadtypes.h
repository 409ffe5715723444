/*
 * loadtypes.h - the types of a load: its options, what the loader tells
 * its hooks (files, jobs, records, progress) and its summary.  Below every
 * module of etl/load, so loader.c and the modules it drives share them
 * without including each other (loader.h says how a load runs).
 */
#ifndef LOADTYPES_H
#define LOADTYPES_H

#include <signal.h>

#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "sf/http.h"
#include "sf/sf_bulk.h"

struct bulkdir;
struct config;
struct sf_auth;

struct loader_opts {
	unsigned max_jobs;                  /* jobs in flight at once (>= 1) */
	unsigned long long poll_min_ms;     /* shortest wait between polls */
	unsigned long long poll_max_ms;     /* longest wait between polls */
	unsigned long long job_deadline_ms; /* give up waiting for one job */
	unsigned retries;                   /* per call: 5xx, dropped connections */
	unsigned long long retry_wait_ms;   /* first back-off; doubles */
	unsigned lock_retries;              /* new jobs for locked rows */
	unsigned limit_margin_pct;          /* keep this much of each allocation */
	int gzip_upload;                    /* send bulk files gzipped */
	char *api_version;                  /* "62.0" */
	char *work_dir;                     /* temporary files; NULL: $TMPDIR */
	struct http_opts http;              /* TLS, timeouts, User-Agent */
	volatile sig_atomic_t *stop;        /* set on SIGINT/SIGTERM; may be NULL.
					       Only the thread calling loader_run
					       reads it: the workers block both
					       signals */
};

/* ---- what the hooks are told ------------------------------------- */

/* A bulk file. */
struct loader_file {
	size_t index;              /* 0-based, in manifest order */
	const char *path;          /* relative to the export directory, as in
				      the manifest: the file's stable name */
	const char *object;        /* "OrbInvoice__c" */
	const char *operation;     /* "upsert" */
	const char *external_id;   /* upsert's external ID field, else NULL */
	unsigned long long rows;
};

/* A job and its state.  attempt is 0 for the job that carries the whole
 * file and n for the n-th job re-sending rows that were locked; a job the
 * org refused gzip for is replaced by another with the same attempt. */
struct loader_job {
	const struct loader_file *file;
	const char *job_id;
	unsigned attempt;
	unsigned long long rows;       /* rows sent in this job */
	int gzip;                      /* the upload was gzipped */
	enum sf_job_state state;
	unsigned long long processed;  /* numberRecordsProcessed */
	unsigned long long failed;     /* numberRecordsFailed */
	const char *error_message;     /* the job's errorMessage, or "" */
};

enum loader_outcome {
	LOADER_CREATED,      /* inserted (upsert found no record) */
	LOADER_UPDATED,      /* updated (or deleted, for delete jobs) */
	LOADER_FAILED,       /* Salesforce rejected it: see error_* */
	LOADER_UNPROCESSED   /* not processed (job failed, aborted, or the
				record is missing from every result) */
};

/* One record's final outcome: reported once per row of a bulk file, after
 * the lock re-sends are over. */
struct loader_record {
	const struct loader_file *file;
	const char *job_id;            /* the job whose results said so */
	unsigned attempt;
	enum loader_outcome outcome;
	const char *key;               /* external ID (Id for update/delete);
					  "" when unknown (insert) */
	const char *source;            /* source file, from the origin file;
					  NULL when unknown */
	unsigned long line;            /* source line, 0 when unknown */
	const char *sf_id;             /* Salesforce record id, or "" */
	const char *error_code;        /* "UNABLE_TO_LOCK_ROW", ... or "" */
	const char *error_message;     /* Salesforce's text, or why unprocessed */
	const char *error_fields;      /* "Name,Email__c" or "" */
	size_t ncols;                  /* the record as Salesforce echoed it
					  (as the bulk file sent it when no
					  result mentions the row; 0 when
					  unknown, e.g. an insert row missing
					  from partial results): */
	const char *const *names;      /* its column names */
	const struct bs_value *values; /* and values */
};

enum loader_file_status {
	LOADER_FILE_DONE,        /* every record has an outcome */
	LOADER_FILE_FAILED,      /* a job ended Failed/Aborted (other than
				    ExceededQuota), or Salesforce refused the
				    job: records reported as failed or
				    unprocessed */
	LOADER_FILE_UNFINISHED,  /* stopped (limit, deadline, interrupt,
				    error) with a job left; file_start can
				    resume it next time */
	LOADER_FILE_SKIPPED      /* file_start said so */
};

struct loader_file_result {
	enum loader_file_status status;
	unsigned long long created, updated, failed, unprocessed;
	unsigned jobs;                 /* jobs created for the file */
	const char *job_id;            /* the last job, or "" */
	const char *message;           /* why FAILED/UNFINISHED, or "" */
};

/* A file being loaded, as its job's last poll saw it. */
struct loader_job_progress {
	const char *path;                   /* the file (loader_file.path) */
	enum sf_job_state state;            /* of its current job (0: not
					       created yet) */
	unsigned long long processed, rows; /* records Salesforce processed, of */
};

#define LOADER_PROGRESS_JOBS 16

struct loader_progress {
	size_t files_total, files_done;     /* done includes failed, skipped */
	unsigned jobs_running;              /* files being loaded */
	unsigned jobs_in_state[SF_JOB_ABORTED + 1]; /* their jobs, by state */
	unsigned long long rows_total;      /* rows in all files */
	unsigned long long rows_processed;  /* as Salesforce reports them */
	unsigned long long created, updated, failed, unprocessed;
	unsigned long long api_calls;       /* API calls this load made */
	unsigned long long api_used, api_max; /* org's daily usage, if known */
	/* the files being loaded, in manifest order (the first
	   LOADER_PROGRESS_JOBS); valid during the hook only */
	struct loader_job_progress running[LOADER_PROGRESS_JOBS];
	size_t nrunning;
};

enum loader_start {
	LOADER_START_NEW,     /* create a job */
	LOADER_START_RESUME,  /* poll the job in job_id instead (see below) */
	LOADER_START_SKIP     /* the file is already loaded */
};

struct loader_hooks {
	void *ctx;
	/* Before a file is loaded.  Leave *start at LOADER_START_NEW, or set
	 * LOADER_START_RESUME and copy into job_id the job an interrupted run
	 * created for this file (attempt 0, as job_created reported it): it
	 * is polled instead of a new one created; if it is still Open the
	 * upload is tried and "Found multipe contents" taken as uploaded;
	 * if Salesforce no longer knows it, a new job is created.  Or set
	 * LOADER_START_SKIP. */
	int (*file_start)(void *ctx, const struct loader_file *f,
			  enum loader_start *start, char job_id[SF_ID_SIZE],
			  struct bs_err *err);
	/* A job was created (record it before it is used). */
	int (*job_created)(void *ctx, const struct loader_job *j,
			   struct bs_err *err);
	/* A job changed state (each poll that shows a new state). */
	int (*job_state)(void *ctx, const struct loader_job *j,
			 struct bs_err *err);
	/* A record's outcome. */
	int (*record)(void *ctx, const struct loader_record *r,
		      struct bs_err *err);
	/* A file is finished, or left unfinished. */
	int (*file_done)(void *ctx, const struct loader_file *f,
			 const struct loader_file_result *res,
			 struct bs_err *err);
	/* Counters changed (after every poll and file), and at least twice a
	 * second while jobs run, so a display can show the time go by. */
	void (*progress)(void *ctx, const struct loader_progress *p);
	/* A line worth logging: retries, renewed tokens, gzip refused.  f is
	 * NULL when the note is not about one file.  Never holds a secret. */
	void (*note)(void *ctx, const struct loader_file *f, const char *msg);
};

struct loader_summary {
	size_t files_total, files_done, files_failed, files_unfinished,
	       files_skipped;
	unsigned jobs;                     /* jobs created */
	unsigned long long created, updated, failed, unprocessed;
	unsigned long long api_calls;      /* API calls made (token calls not
					      included) */
	unsigned long logins;              /* tokens fetched */
	/* the org's daily allocations as last seen (max 0: not known) */
	unsigned long long api_max, api_remaining;       /* DailyApiRequests */
	unsigned long long batches_max, batches_remaining; /* DailyBulkApiBatches */
};

#endif
