/*
 * session.h - one load of an export directory into Salesforce, as the
 * commands run it: the loader with its hooks wired to the sync state (the
 * job ledger and per-record outcomes), a progress display on a terminal or
 * log lines otherwise (through base/msg.h), the failed records in a CSV
 * file for people, and the load's report (loadreport.h).
 *
 * With a state, a file the ledger has as done is skipped and a file with a
 * job is resumed instead of sent again (loader.h file_start), so a run
 * killed at any point goes on without creating a job, or a record, twice.
 */
#ifndef SESSION_H
#define SESSION_H

#include <signal.h>

#include "formats/bs_err.h"
#include "load/loader.h"
#include "loadreport.h"

struct bulkdir;
struct config;
struct msg;
struct state;

struct session_opts {
	const char *failures_path;  /* the failed records CSV */
	int append_failures;        /* a resumed run adds to it */
	struct state *state;        /* NULL: no ledger */
	long long run;              /* the run in the state */
	struct msg *msg;            /* log lines and progress (NULL: none) */
	volatile sig_atomic_t *stop; /* set on SIGINT/SIGTERM, or NULL */
	int deletes;                /* the files are the run's delete jobs
				       (deletes.h): outcomes go to the
				       records by Salesforce Id, and an Id
				       already gone counts as deleted */
	/* 1 when the values of object's records are kept as they sync
	   (state_values_keep), 0 when its values are forgotten; NULL: the
	   values kept are left as they are (upload) */
	int (*keep_values)(const void *ctx, const char *object);
	const void *keep_ctx;
};

struct session;

/* bd and the members of o are borrowed for the session's life. */
struct session *session_new(const struct bulkdir *bd,
			    const struct session_opts *o, struct bs_err *err);
void session_free(struct session *s);

/* Checks cfg's [salesforce] and [load] settings and reads the secrets
 * they name, without contacting Salesforce: run before anything is
 * exported, so that a configuration mistake stops a run that has read
 * and sent nothing.  0, or -1 with err (BS_E_CONFIG, file and line). */
int session_check_config(const struct config *cfg, struct bs_err *err);

/* Loads every file with cfg's [salesforce] and [load] settings; like
 * loader_run, 0 when every file was processed, -1 with err when the load
 * stopped early.  *sum is filled either way. */
int session_load(struct session *s, const struct config *cfg,
		 struct loader_summary *sum, struct bs_err *err);

/* Moves the load's report into *out (the caller's to release): sum from
 * session_load, code the exit code the command will give, why the error
 * that stopped the load (or NULL).  0, or -1 with err (out of memory). */
int session_report(struct session *s, const struct loader_summary *sum,
		   int code, const struct bs_err *why, struct load_report *out,
		   struct bs_err *err);

/* Records that failed or were not processed, and where they were written. */
unsigned long long session_failures(const struct session *s);
const char *session_failures_path(const struct session *s);

#endif
