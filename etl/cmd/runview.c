/* runview.c - printing what a sync run did (see runview.h). */
#include "runview.h"

#include "base/msg.h"
#include "postrun.h"
#include "report.h"
#include "runexit.h"
#include "setup.h"
#include "stateview.h"

/* With --quiet, no tables: what the exit code stands for is a warning
 * on stderr, and a run with nothing to report prints nothing. */
static void on_exported(void *vctx, const struct sync_result *res)
{
	struct bs_ctx *ctx = vctx;
	size_t i;

	if (ctx->json)
		return;
	if (!ctx->quiet) {
		report_export(ctx, res->manifest, res->work_dir, NULL);
		return;
	}
	for (i = 0; res->manifest && i < res->manifest->nobjects; i++) {
		const struct manifest_object *o = &res->manifest->objects[i];

		if (o->counts.rejected)
			msg_warn(ctx->msg, "%s: %llu row%s rejected: see "
				 "%s/%s/rejects.csv", o->object,
				 o->counts.rejected,
				 o->counts.rejected == 1 ? "" : "s",
				 res->work_dir, o->object);
	}
}

static void on_loaded(void *vctx, const struct load_report *r)
{
	struct bs_ctx *ctx = vctx;

	if (ctx->json)
		return;
	if (!ctx->quiet)
		runview_load_summary(ctx->out, r);
	else if (r->failures)
		msg_warn(ctx->msg, "%llu record%s failed or %s not processed: "
			 "see %s", r->failures, r->failures == 1 ? "" : "s",
			 r->failures == 1 ? "was" : "were", r->failures_csv);
}

void runview_env(struct bs_ctx *ctx, struct sync_env *env)
{
	env->msg = ctx->msg;
	env->stop = ctx->stop;
	env->errs = &ctx->errs;
	env->hooks.ctx = ctx;
	env->hooks.export_progress = !ctx->quiet && !ctx->json ?
				     report_object_progress : NULL;
	env->hooks.export_tick = !ctx->quiet && !ctx->json ?
				 report_export_tick : NULL;
	env->hooks.exported = on_exported;
	env->hooks.loaded = on_loaded;
	env->exit_code = run_exit_code;
}

void runview_load_summary(FILE *out, const struct load_report *r)
{
	unsigned long long t[5] = { 0, 0, 0, 0, 0 };
	size_t i, k;

	if (!r->nobjects)
		goto deletes;
	fprintf(out, "%-32s %10s %10s %10s %10s %12s\n", r->deletes ?
		"deleted in Salesforce" : "object", "sent", "created",
		r->deletes ? "deleted" : "updated", "failed", "unprocessed");
	for (i = 0; i < r->nobjects; i++) {
		const struct load_report_object *o = &r->objects[i];

		fprintf(out, "%-32s %10llu %10llu %10llu %10llu %12llu\n",
			o->object, o->sent, o->created, o->updated, o->failed,
			o->unprocessed);
		for (k = 0; k < o->ncodes; k++)
			fprintf(out, "  failed with %s: %llu\n", o->codes[k].code,
				o->codes[k].n);
		t[0] += o->sent;
		t[1] += o->created;
		t[2] += o->updated;
		t[3] += o->failed;
		t[4] += o->unprocessed;
	}
	fprintf(out, "%-32s %10llu %10llu %10llu %10llu %12llu\n", "total", t[0],
		t[1], t[2], t[3], t[4]);
	fprintf(out, "%llu of %llu files loaded (%llu skipped, %llu not "
		"finished), %llu jobs, %llu API calls\n", r->files_loaded,
		r->files_total, r->files_skipped, r->files_unfinished,
		r->jobs_created, r->api_calls);
	if (r->failures)
		fprintf(out, "%llu records failed or were not processed: see %s\n",
			r->failures, r->failures_csv);
deletes:
	if (r->deletes_load) {   /* the run's delete jobs, after its upserts */
		fputc('\n', out);
		runview_load_summary(out, r->deletes_load);
	}
}

/* The exit code once the report is out (--json): standard output that
 * could not be written turns a 0 into 4 (cli_output_done), and the run's
 * record in the state (run, when this process wrote it) is brought in
 * line with it. */
static int finish(struct bs_ctx *ctx, const struct config *cfg,
		  const struct sync_result *res, long long run,
		  const struct bs_err *err)
{
	struct bs_err e;
	int code;

	if (err->kind != BS_E_NONE)
		ctx->err = *err;
	code = cli_output_done(ctx, res->code);
	if (code != res->code && run &&
	    sync_record_exit(cfg, run, code, &e) < 0)
		msg_warn(ctx->msg, "the state does not record exit %d: %s",
			 code, e.msg);
	return code;
}

/* The report on ctx->out with --json (and rc 0), then metrics and alerts
 * with the exit code the process exits with. */
static int report_and_finish(struct bs_ctx *ctx, const struct config *cfg,
			     const struct sync_result *res, long long run,
			     int rc, const struct bs_err *err,
			     enum postrun_report kind)
{
	int code;

	if (ctx->json && rc == 0)
		stateview_json(ctx, postrun_report_json(res, kind, res->code));
	code = finish(ctx, cfg, res, run, err);
	postrun(ctx, cfg, res, kind, code);
	return code;
}

int runview_finish_run(struct bs_ctx *ctx, const struct config *cfg,
		       const struct sync_result *res, int rc,
		       const struct bs_err *err)
{
	return report_and_finish(ctx, cfg, res, res->run, rc, err,
				 POSTRUN_RUN);
}

void runview_not_started(struct bs_ctx *ctx, const struct config *cfg,
			 int code)
{
	struct sync_result res;

	sync_result_init(&res);
	res.code = code;
	postrun(ctx, cfg, &res, POSTRUN_RUN, code);
	sync_result_release(&res);
}

int runview_finish_upload(struct bs_ctx *ctx, const struct config *cfg,
			  const struct sync_result *res, int rc,
			  const struct bs_err *err)
{
	/* an upload of a folder already loaded wrote no run; --json says
	   which run loaded it, and that nothing was sent */
	if (ctx->json && res->already_loaded)
		stateview_json(ctx, json_pack("{s:s, s:b, s:{s:I, s:s, s:i}, "
					      "s:i}", "status", "already_loaded",
					      "sent", 0, "loaded_by", "run",
					      (json_int_t)res->run,
					      "finished_at",
					      res->loaded_finished,
					      "exit_code", res->loaded_code,
					      "exit_code", res->code));
	return report_and_finish(ctx, cfg, res, res->loaded ? res->run : 0,
				 rc, err, POSTRUN_UPLOAD);
}

int runview_sync(struct bs_ctx *ctx, struct setup *s,
		 const struct sync_opts *o)
{
	struct sync_env env;
	struct sync_result res;
	struct bs_err err;
	int rc, code;

	bs_err_clear(&err);
	runview_env(ctx, &env);
	rc = sync_run(s->cfg, s->maps, o, &env, &res, &err);
	code = runview_finish_run(ctx, s->cfg, &res, rc, &err);
	sync_result_release(&res);
	return code;
}
