/*
 * runview.h - what the commands that run the sync driver (run, retry,
 * resync, upload) show of a run: the export's progress and table, each
 * load's per-object table, and the run's report with --json.  The driver
 * (state/sync.h) returns what happened; this is where it is printed.
 */
#ifndef RUNVIEW_H
#define RUNVIEW_H

#include "base/cli.h"
#include "state/sync.h"

struct setup;

/* Runs sync_run on s's configuration and mappings and shows it; returns
 * the exit code (run, retry, resync). */
int runview_sync(struct bs_ctx *ctx, struct setup *s,
		 const struct sync_opts *o);

/* The driver's environment for ctx: its messages, stop flag, error list,
 * and hooks that print (tables on ctx->out unless --json; export progress
 * unless --quiet or --json). */
void runview_env(struct bs_ctx *ctx, struct sync_env *env);

/* The per-object table and totals of a load, for people. */
void runview_load_summary(FILE *out, const struct load_report *r);

/* After sync_run (rc its return): err into ctx->err, the run's report on
 * ctx->out with --json, metrics and alerts (postrun.h, from cfg); returns
 * the exit code. */
int runview_finish_run(struct bs_ctx *ctx, const struct config *cfg,
		       const struct sync_result *res, int rc,
		       const struct bs_err *err);
/* When the command stopped before the driver ran (a mapping mistake,
 * exit code code) but the configuration was read: metrics and alerts all
 * the same, with a report that says only the exit code. */
void runview_not_started(struct bs_ctx *ctx, const struct config *cfg,
			 int code);
/* The same after sync_upload: the load's report and its run with --json. */
int runview_finish_upload(struct bs_ctx *ctx, const struct config *cfg,
			  const struct sync_result *res, int rc,
			  const struct bs_err *err);

#endif
