/*
 * loadreport.h - the report of one load of an export directory (a run's
 * or an upload's): files, jobs, API calls, and per object what was sent,
 * created, updated, failed and left unprocessed.  A session fills it
 * (session.h); the sync state keeps it with the run (as JSON text in the
 * runs table); commands print it, or encode it for --json.
 *
 * JSON only at the edges: load_report_json is the one encoder (the
 * "load" member of `run --json`, the whole of `upload --json`, the text
 * kept in the state) and load_report_from_text the one decoder (of that
 * text, for `status`).
 * Strings are owned by the report; load_report_release frees them.
 */
#ifndef LOADREPORT_H
#define LOADREPORT_H

#include <stddef.h>

#include <jansson.h>

#include "formats/bs_err.h"

/* Failed records of an object with one Salesforce error code. */
struct load_report_code {
	char *code;                 /* "(none)" when Salesforce gave none */
	unsigned long long n;
};

struct load_report_object {
	char *object, *operation;
	unsigned long long files, sent, created, updated, failed, unprocessed;
	struct load_report_code *codes;   /* failed records by error code */
	size_t ncodes;
};

/* A job's last known state. */
struct load_report_job {
	char *file, *job_id, *state, *error_message;
	unsigned attempt;
	unsigned long long rows;
};

struct load_report {
	int exit_code;              /* the code the command gives */
	char *error;                /* why the load stopped early, or NULL */
	unsigned long long files_total, files_loaded, files_failed,
			   files_skipped, files_unfinished;
	unsigned long long jobs_created, api_calls, logins;
	/* the org's daily allocations as the load last saw them (max 0: not
	   known); not in the JSON */
	unsigned long long api_max, api_remaining, batches_max,
			   batches_remaining;
	struct load_report_object *objects;
	size_t nobjects;
	struct load_report_job *jobs;
	size_t njobs;
	unsigned long long failures;  /* records failed or not processed */
	char *failures_csv;           /* where they are; NULL when none */
	int deletes;                  /* the report of a run's delete jobs:
					 an object's `updated` counts the
					 records deleted ("deleted" in JSON) */
	struct load_report *deletes_load; /* the delete jobs' load that
					 followed this one (owned), or NULL */
};

void load_report_init(struct load_report *r);
void load_report_release(struct load_report *r);
void load_report_free(struct load_report *r);   /* release + free(r);
						   NULL is harmless */

/* The object's entry (added, zeroed, when missing with add set), or NULL
 * (not found, or out of memory). */
struct load_report_object *load_report_object(struct load_report *r,
					      const char *object, int add);
/* Counts one failed record with code; -1 when out of memory. */
int load_report_count_code(struct load_report_object *o, const char *code);
/* The job's line (added when missing); NULL when out of memory. */
struct load_report_job *load_report_job(struct load_report *r,
					const char *job_id);

/* The "status" word of an exit code ("ok", "records_failed", ...). */
const char *load_report_status(int exit_code);

/* The one encoder; NULL when out of memory. */
json_t *load_report_json(const struct load_report *r);
/* The one decoder, of the JSON text load_report_json's encoding was
 * written as: fills *r (initialised here; release it even on failure); -1
 * with err (BS_E_INPUT) when text is NULL, not JSON or not a load report,
 * BS_E_NOMEM when out of memory. */
int load_report_from_text(const char *text, struct load_report *r,
			  struct bs_err *err);

#endif
