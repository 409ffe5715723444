/*
 * loader.h - loads the bulk files of an export directory into Salesforce
 * through Bulk API 2.0 ingest jobs, and accounts for every record.
 *
 *     http_global_init(err);      once per process, before loader_run
 *     struct loader_opts o;
 *     loader_opts_from_config(cfg, &o, err);
 *     rc = loader_run(bulkdir, auth, &o, &hooks, &summary, err);
 *     loader_opts_release(&o);
 *     http_global_cleanup();      after the last loader_run
 *
 * The caller must call http_global_init (http.h) before loader_run: the
 * loader starts worker threads that each make a libcurl handle, and
 * libcurl's global set-up is not thread-safe.
 *
 * For each bulk file: create a job (operation, object, external ID; CSV,
 * LF, comma), upload the file (gzip with Content-Encoding: gzip unless
 * [salesforce] gzip_upload is off; when the org refuses gzip the job is
 * aborted and the file sent again uncompressed in a new job, and later
 * files go uncompressed at once), close it, poll it (pollplan.h) until it
 * ends or [load] job_deadline passes, download its successful, failed and
 * unprocessed results, and report each record's outcome, matched to its
 * source file and line (recon.h).  Rows that failed with
 * UNABLE_TO_LOCK_ROW are copied from the original bulk file into a new
 * file (gzipped when uploads are) and sent again in a new job, up to
 * [load] lock_retries times.
 *
 * Order: an object's files start once every object it depends on
 * (manifest depends_on) has finished; independent objects load at the same
 * time, at most [load] max_jobs jobs in flight, one worker thread each.
 *
 * Faults: sf_api.h renews the token on 401 INVALID_SESSION_ID and retries
 * 5xx answers and dropped connections.  An upload whose fate is unknown is
 * sent again only if the job is still Open, after the same back-off
 * (sf_api_backoff_ms, at least its Retry-After), and "Found multipe
 * contents" then means the first one got through.  A job create answered
 * only after attempts whose answers were lost may have left jobs Open: at
 * the end of the run the org's ingest jobs are listed and those found
 * (Open, same object, operation and user, created between the first
 * attempt and the answer, not this run's) are aborted when there are no
 * more of them than lost attempts, with a note either way.  A refusal
 * that applies to every call (sf_api_refused_all: login refused, API
 * version not served, API disabled for the org) stops the load with
 * BS_E_REMOTE; other refusals fail one file.  Before starting, /limits is read; a file is
 * started only if the org's daily API requests and Bulk batches would
 * keep [load] limit_margin percent of their maximum after it (an estimate,
 * docs/loading.md).  When they would not, running jobs finish and the load
 * stops with BS_E_LIMIT; REQUEST_LIMIT_EXCEEDED stops it at once (when
 * it refuses a job's creation, the jobs already running finish).  A job
 * that Salesforce ends Failed with an errorMessage starting "ExceededQuota"
 * (a daily allocation such as DailyBulkRecords ran out under it) stops the
 * load the same way (BS_E_LIMIT, running jobs finish, no new one starts):
 * its file is left unfinished with nothing reported; the next run resumes
 * that job, reports the rows it processed and sends the others again in
 * a new job, like locked rows.  Either way what was done has been
 * reported, and the hooks know the jobs that were left, so the next run
 * can go on (file_start).
 *
 * Hooks: library code never prints.  Everything the loader learns goes to
 * struct loader_hooks.  Hooks are called from the worker threads but
 * never two at a time (the loader holds its lock around each call), so
 * they need no locking of their own; they must be quick and must not call
 * back into the loader.  A hook returning -1 (with err set) stops the load
 * with that error, as if the state it keeps could not be written.  Every
 * hook may be NULL, and loader_run works with no hooks at all.
 */
#ifndef LOADER_H
#define LOADER_H

#include "loadtypes.h"

/* The API calls the budget reserves for a job of rows records (create,
 * upload, close, three result sets, polls, and slack for retries); plan.h
 * packs days of allocations with it. */
unsigned long long loader_job_calls(unsigned long long rows);

/* Fills o from [load], [salesforce] (api_version, gzip_upload, ca_bundle,
 * timeout, trace: the HTTP trace file is opened here) and [output]
 * temp_dir; BS_E_CONFIG naming the bad key, BS_E_IO for a trace file that
 * cannot be opened.  loader_opts_release frees what it allocated and
 * closes the trace. */
int loader_opts_from_config(const struct config *cfg, struct loader_opts *o,
			    struct bs_err *err);
void loader_opts_release(struct loader_opts *o);

/* Loads every file of bd.  Returns 0 when every file was processed (some
 * records may have failed: see summary), or -1 with err when the load
 * stopped early: BS_E_LIMIT (an allocation is used up, or the load was
 * interrupted, or jobs outlived job_deadline: run again to go on),
 * BS_E_NETWORK / BS_E_REMOTE (Salesforce could not be used), BS_E_IO
 * (temporary files), BS_E_CONFIG, or a hook's error.  summary is filled
 * either way. */
int loader_run(const struct bulkdir *bd, struct sf_auth *auth,
	       const struct loader_opts *o, const struct loader_hooks *hooks,
	       struct loader_summary *summary, struct bs_err *err);

#endif
