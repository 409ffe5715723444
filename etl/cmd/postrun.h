/*
 * postrun.h - what happens after run, upload, retry and resync, whatever
 * their outcome: the [metrics] textfile is written (metrics.h) and the
 * [notify] command run when its `on` says so (notify.h), with the run's
 * JSON report, encoded here from the typed result.  Neither ever changes
 * the exit code: a failure of either is a warning on the log.
 */
#ifndef POSTRUN_H
#define POSTRUN_H

#include <jansson.h>

#include "base/cli.h"
#include "state/sync.h"

struct config;

/* Checks [notify] and [metrics] before a command starts (a bad `on` is a
 * configuration error then, not after the run); 0 or an exit code with
 * ctx->err set. */
int postrun_check_config(struct bs_ctx *ctx, const struct config *cfg);

/* Which report a command gives (with --json, and to the alert command). */
enum postrun_report {
	POSTRUN_RUN,      /* run, retry, resync: the run's, sync_result_json */
	POSTRUN_UPLOAD    /* upload: its load's, load_report_json, with the
			     run's id as "run" */
};

/* The report of kind about res, with code as its exit_code: for --json
 * output and the alert command; NULL when out of memory. */
json_t *postrun_report_json(const struct sync_result *res,
			    enum postrun_report kind, int code);

/* After the command: res is its result (borrowed), kind the report it
 * gives, code its exit code. */
void postrun(struct bs_ctx *ctx, const struct config *cfg,
	     const struct sync_result *res, enum postrun_report kind,
	     int code);

#endif
