/*
 * postrun.h - what happens after run, upload, retry and resync, whatever
 * their outcome: the [metrics] textfile is written (metrics.h) and the
 * [notify] command run when its `on` says so (notify.h), with the run's
 * JSON report.  Neither ever changes the exit code: a failure of either is
 * a warning on the log.
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

/* After the command: res is its result, code its exit code, report its
 * JSON report (borrowed; NULL when out of memory). */
void postrun(struct bs_ctx *ctx, const struct config *cfg,
	     const struct sync_result *res, int code, const json_t *report);

#endif
