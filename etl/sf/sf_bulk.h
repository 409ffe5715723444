/*
 * sf_bulk.h - the Bulk API 2.0 ingest calls: create a job, upload its CSV,
 * close, abort, read its state, download its results; and /limits.
 *
 * Each function is one call (with the renewal and retries of sf_api.h)
 * and knows nothing of files, order or policy; loader.h strings them
 * together.  Jobs are created with contentType CSV, lineEnding LF and
 * columnDelimiter COMMA, the format of billsync's bulk files.
 *
 * Job ids that come back from Salesforce (or from a caller resuming a
 * job) are checked to be short and alphanumeric before they go into a URL.
 */
#ifndef SF_BULK_H
#define SF_BULK_H

#include <stdio.h>

#include "http.h"

struct sf_api;

#define SF_ID_SIZE 32          /* 18-character ids, with room to spare */
#define SF_JOB_MESSAGE_MAX 1024

enum sf_job_state {
	SF_JOB_UNKNOWN = 0,
	SF_JOB_OPEN,
	SF_JOB_UPLOAD_COMPLETE,
	SF_JOB_IN_PROGRESS,
	SF_JOB_COMPLETE,       /* JobComplete: processed (records may have failed) */
	SF_JOB_FAILED,
	SF_JOB_ABORTED
};

/* "Open", "UploadComplete", ... as Salesforce spells them. */
const char *sf_job_state_name(enum sf_job_state s);
/* JobComplete, Failed or Aborted. */
int sf_job_state_final(enum sf_job_state s);

/* What a job info response says. */
struct sf_job {
	char id[SF_ID_SIZE];
	enum sf_job_state state;
	unsigned long long processed;   /* numberRecordsProcessed */
	unsigned long long failed;      /* numberRecordsFailed */
	unsigned long retries;          /* Salesforce's own batch retries */
	unsigned long long processing_ms; /* totalProcessingTime: the time
					     Salesforce spent processing it
					     (0 when not given) */
	char error_message[SF_JOB_MESSAGE_MAX]; /* errorMessage, or "" */
	char created_by[SF_ID_SIZE];    /* createdById, or "" */
	long long created_ms;           /* createdDate, milliseconds since
					   1970 on Salesforce's clock; 0 when
					   not given */
};

struct sf_job_spec {
	const char *object;       /* "OrbInvoice__c" */
	const char *operation;    /* insert, update, upsert, delete, hardDelete */
	const char *external_id;  /* externalIdFieldName: upsert only */
};

/* 0 when id is usable in a URL (1 to SF_ID_SIZE-1 letters and digits). */
int sf_id_check(const char *id);

/* POST /jobs/ingest.  Fills *job (state Open).  *uncertain gets the
 * number of earlier attempts whose answer was lost (dropped, timed out,
 * 5xx) before the one that answered: each may have created a job of its
 * own, left Open (see sf_bulk_list).  A 404 or 410 fails with
 * sf_api_refused_all() set: the org does not serve ingest jobs at this
 * API version. */
int sf_bulk_create(struct sf_api *api, const struct sf_job_spec *spec,
		   struct sf_job *job, unsigned *uncertain, struct bs_err *err);

enum sf_upload_result {
	SF_UPLOAD_DONE,          /* 201: the data is the job's */
	SF_UPLOAD_ALREADY,       /* the job already has data ("Found multipe
				    contents"): an earlier attempt got through */
	SF_UPLOAD_UNCERTAIN,     /* no answer, 5xx or 401: check the job's
				    state before trying again */
	SF_UPLOAD_GZIP_REFUSED,  /* the org refuses Content-Encoding: gzip */
	SF_UPLOAD_FAILED         /* refused: err says why */
};

/* The body of an upload: len bytes from read(ctx, ...), gzip-compressed
 * when gzip is set (sent with Content-Encoding: gzip). */
struct sf_upload {
	http_read_fn read;
	void *ctx;
	long long len;
	int gzip;
};

/* PUT /jobs/ingest/ID/batches, once (a job takes one upload).  Returns 0
 * for SF_UPLOAD_DONE and SF_UPLOAD_ALREADY, else -1 with *res and err set
 * (BS_E_LIMIT when the org's allocation ran out).  *retry_after_s gets the
 * Retry-After of the answer, or -1: the caller waits at least that long
 * before it looks at the job after SF_UPLOAD_UNCERTAIN. */
int sf_bulk_upload(struct sf_api *api, const char *job_id,
		   const struct sf_upload *up, enum sf_upload_result *res,
		   long *retry_after_s, struct bs_err *err);

/* PATCH state UploadComplete. */
int sf_bulk_close(struct sf_api *api, const char *job_id,
		  struct bs_err *err);

/* PATCH state Aborted; a job that already ended is not an error. */
int sf_bulk_abort(struct sf_api *api, const char *job_id,
		  struct bs_err *err);

/* GET /jobs/ingest/ID into *job; *retry_after_s is the Retry-After the
 * answer carried, or -1.  A job Salesforce does not know (deleted,
 * expired) fails with BS_E_REMOTE and *not_found set. */
int sf_bulk_get(struct sf_api *api, const char *job_id, struct sf_job *job,
		long *retry_after_s, int *not_found, struct bs_err *err);

/* A job of GET /jobs/ingest; the strings are valid during the callback. */
struct sf_job_entry {
	const char *id;
	enum sf_job_state state;
	const char *object;
	const char *operation;
	const char *external_id;     /* externalIdFieldName, or "" */
	const char *created_by;      /* createdById, or "" */
	long long created_ms;        /* createdDate as in struct sf_job */
};

/* Lists the org's Bulk API 2.0 ingest jobs (jobType V2Ingest), every page
 * (nextRecordsUrl), calling fn for each; fn returning -1 (err set) stops
 * the listing.  The jobs of every client of the org are listed: nothing
 * in a job says which program created it, only createdById which user. */
int sf_bulk_list(struct sf_api *api,
		 int (*fn)(void *ctx, const struct sf_job_entry *job,
			   struct bs_err *err),
		 void *ctx, struct bs_err *err);

/* "2024-09-09T19:25:27.000+0000" (also Z, +HH:MM, without milliseconds)
 * as milliseconds since 1970; 0 when s is not such a timestamp. */
long long sf_time_ms(const char *s);

enum sf_result_kind {
	SF_RESULTS_SUCCESSFUL,   /* successfulResults: sf__Id, sf__Created, ... */
	SF_RESULTS_FAILED,       /* failedResults: sf__Id, sf__Error, ... */
	SF_RESULTS_UNPROCESSED   /* unprocessedrecords: the columns as sent */
};

/* GETs one result set of a finished job into sink (truncated first;
 * decompressed when the answer was gzipped). */
int sf_bulk_results(struct sf_api *api, const char *job_id,
		    enum sf_result_kind kind, FILE *sink, struct bs_err *err);

/* The allocations the loader budgets against (GET /limits). */
struct sf_limits {
	int have_api, have_batches;
	unsigned long long api_max, api_remaining;          /* DailyApiRequests */
	unsigned long long batches_max, batches_remaining;  /* DailyBulkApiBatches */
	int have_storage;
	unsigned long long storage_max_mb, storage_remaining_mb;  /* DataStorageMB */
};

int sf_bulk_limits(struct sf_api *api, struct sf_limits *lim,
		   struct bs_err *err);

/* An sf__Error value split per the Bulk API's
 * "CODE:message:Field1,Field2 --" / "CODE:message:--" form; pointers into
 * buf, which receives a copy of s. */
struct sf_row_error {
	const char *code;      /* "UNABLE_TO_LOCK_ROW"; "" when s is empty */
	const char *message;
	const char *fields;    /* "Name,Email__c" or "" */
};

void sf_row_error_parse(const char *s, char *buf, size_t size,
			struct sf_row_error *out);

#endif
