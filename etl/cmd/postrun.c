/* postrun.c - metrics and alerts after a run (see postrun.h). */
#include "postrun.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/config.h"
#include "base/msg.h"
#include "metrics.h"
#include "notify.h"
#include "state/state.h"

int postrun_check_config(struct bs_ctx *ctx, const struct config *cfg)
{
	struct notify_opts o;

	if (notify_opts_from_config(cfg, &o, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	return 0;
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The entry of object in objs[0..*n), added when missing. */
static struct metrics_object *entry(struct metrics_object *objs, size_t *n,
				    const char *object)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(objs[i].object, object))
			return &objs[i];
	memset(&objs[*n], 0, sizeof(objs[*n]));
	objs[*n].object = object;
	return &objs[(*n)++];
}

static void add_load(struct metrics_run *m, struct metrics_object *objs,
		     size_t *n, const struct load_report *r)
{
	size_t i;

	for (i = 0; i < r->nobjects; i++) {
		const struct load_report_object *o = &r->objects[i];
		struct metrics_object *e = entry(objs, n, o->object);

		e->sent += o->sent;
		e->created += o->created;
		e->updated += o->updated;
		e->failed += o->failed;
		e->unprocessed += o->unprocessed;
	}
	m->api_calls += r->api_calls;
	m->jobs += r->jobs_created;
	m->failed += r->failures;
	if (r->api_max) {
		m->api_max = r->api_max;
		m->api_remaining = r->api_remaining;
	}
	if (r->batches_max) {
		m->batches_max = r->batches_max;
		m->batches_remaining = r->batches_remaining;
	}
}

static void write_metrics(struct bs_ctx *ctx, const struct config *cfg,
			  const struct sync_result *res, int code)
{
	char *path = config_get_path(cfg, "metrics", "textfile");
	const struct manifest *man = res->manifest;
	size_t cap = (man ? man->nobjects : 0) + res->load.nobjects +
		     res->continued_load.nobjects + 1, n = 0, i;
	struct metrics_object *objs = calloc(cap, sizeof(*objs));
	struct metrics_run m;
	struct bs_err err;

	if (!path || !objs) {
		free(path);
		free(objs);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.command = ctx->command;
	m.run = res->run;
	m.code = code;
	m.start = ctx->started;
	m.end = now_s();
	for (i = 0; man && i < man->nobjects; i++) {
		const struct manifest_object *o = &man->objects[i];

		entry(objs, &n, o->object)->rejected = o->counts.rejected;
		m.rejected += o->counts.rejected;
	}
	if (res->continued)
		add_load(&m, objs, &n, &res->continued_load);
	if (res->loaded)
		add_load(&m, objs, &n, &res->load);
	m.objects = objs;
	m.nobjects = n;
	if (metrics_write(path, &m, &err) < 0)
		msg_warn(ctx->msg, "%s (the exit code stays %d)", err.msg, code);
	free(objs);
	free(path);
}

/* The exit code of the run before res's, or -1 when unknown. */
static int previous_code(const struct config *cfg,
			 const struct sync_result *res)
{
	char *dir = config_get_path(cfg, "state", "dir");
	struct state *st;
	struct bs_err err;
	int code = -1;

	st = dir && state_exists(dir) ? state_open_readonly(dir, &err) : NULL;
	if (st && state_previous_exit_code(st, res->run, &code, &err) != 1)
		code = -1;
	state_close(st);
	free(dir);
	return code;
}

json_t *postrun_report_json(const struct sync_result *res,
			    enum postrun_report kind, int code)
{
	json_t *j = kind == POSTRUN_UPLOAD ? load_report_json(&res->load) :
		    sync_result_json(res);

	if (j && kind == POSTRUN_UPLOAD)
		json_object_set_new(j, "run", json_integer(res->run));
	if (j && code != res->code)
		json_object_set_new(j, "exit_code", json_integer(code));
	return j;
}

static void notify(struct bs_ctx *ctx, const struct config *cfg,
		   const struct sync_result *res, enum postrun_report kind,
		   int code)
{
	struct notify_opts o;
	struct notify_run r;
	struct bs_err err;
	json_t *report;
	char *text;

	if (notify_opts_from_config(cfg, &o, &err) < 0 || !o.command)
		return;
	if (!notify_wanted(&o, code, o.on == NOTIFY_CHANGE ?
			   previous_code(cfg, res) : -1))
		return;
	r.command = ctx->command;
	r.run = res->run;
	r.code = code;
	r.status = load_report_status(code);
	report = postrun_report_json(res, kind, code);
	text = report ? json_dumps(report, JSON_COMPACT) : NULL;
	json_decref(report);
	if (notify_send(&o, &r, text ? text : "{}", text ? strlen(text) : 2,
			&err) < 0)
		msg_warn(ctx->msg, "%s (the exit code stays %d)", err.msg, code);
	free(text);
}

void postrun(struct bs_ctx *ctx, const struct config *cfg,
	     const struct sync_result *res, enum postrun_report kind,
	     int code)
{
	write_metrics(ctx, cfg, res, code);
	notify(ctx, cfg, res, kind, code);
}
