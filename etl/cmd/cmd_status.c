/* cmd_status.c - `billsync status`: the last runs, the files and jobs of
 * one of them, and how many records have each status, read from the state
 * directory without taking its lock. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "export/manifest.h"
#include "state/loadreport.h"
#include "state/state.h"
#include "stateview.h"
#include "table.h"

#define STATUS_DEFAULT_RUNS 10
#define STATUS_CELL_MAX 60      /* characters of a table cell */

enum { OPT_LIMIT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_RUN, OPT_STATE };

const char usage_status[] =
	"usage: billsync status [--limit N] [--run ID] [options]\n"
	"Show the last runs, newest first (phase, exit code, counts), the bulk\n"
	"files and Salesforce jobs of the latest run (or --run ID), and how many\n"
	"records have each status. Reads the state directory without taking its\n"
	"lock, so it works while a run is going on.\n\n"
	"      --limit N            runs to show (default 10; 0: all)\n"
	"      --run ID             show this run's files and jobs\n"
	"      --state DIR          the state directory (instead of [state] dir)\n"
	"\nExit codes: 0 (also when no run has happened yet: \"no runs yet\"),\n"
	"2 usage, 3 configuration, 4 the state database cannot be read.\n";

/* ---- reading ------------------------------------------------------------ */

/* What status adds to a run of the state: its counts and outcome. */
struct run_view {
	const struct state_run_info *run;
	int has_export;                 /* its manifest could be read ... */
	struct manifest_totals export;  /* ... and these are its totals */
	int has_load;                   /* its load report could be read ... */
	unsigned long long load[5];     /* ... sent, created, updated, failed,
					   unprocessed, summed over objects */
	const char *outcome;            /* no exit code: "running" or
					   "killed"; else NULL */
};

/* The export counts of a run, from the manifest in its work directory
 * (kept for the last few runs only). */
static void export_counts(struct run_view *v)
{
	const char *dir = v->run->work_dir;
	struct manifest *mf;
	struct bs_err err;
	char path[4096];

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	mf = manifest_load(path, &err);
	if (!mf)
		return;
	manifest_totals(mf, &v->export);
	manifest_free(mf);
	v->has_export = 1;
}

/* Sums the run's load report's per-object counts. */
static void load_counts(struct run_view *v)
{
	struct load_report r;
	struct bs_err err;
	size_t i;

	if (load_report_from_text(v->run->report, &r, &err) == 0) {
		for (i = 0; i < r.nobjects; i++) {
			v->load[0] += r.objects[i].sent;
			v->load[1] += r.objects[i].created;
			v->load[2] += r.objects[i].updated;
			v->load[3] += r.objects[i].failed;
			v->load[4] += r.objects[i].unprocessed;
		}
		v->has_load = 1;
	}
	load_report_release(&r);
}

/* newest: the run is the latest; held: a process holds the state's lock.
 * A run without an exit code is going on (the latest, while the lock is
 * held) or was killed: the outcome says which. */
static void view_run(struct run_view *v, const struct state_run_info *run,
		     int newest, int held)
{
	memset(v, 0, sizeof(*v));
	v->run = run;
	export_counts(v);
	load_counts(v);
	if (!run->has_exit_code)
		v->outcome = newest && held ? "running" : "killed";
}

/* ---- --json ------------------------------------------------------------- */

static json_t *jobs_json(const struct state_file_info *f)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < f->njobs; i++) {
		const struct state_job_info *j = &f->jobs[i];

		json_array_append_new(a, json_pack(
			"{s:s?, s:I, s:I, s:s?, s:I, s:I, s:s?}", "id", j->id,
			"attempt", (json_int_t)j->attempt,
			"rows", (json_int_t)j->rows, "state", j->state,
			"processed", (json_int_t)j->processed,
			"failed", (json_int_t)j->failed,
			"error_message", j->error_message));
	}
	return a;
}

static json_t *files_json(const struct state_run_info *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->nfiles; i++) {
		const struct state_file_info *f = &r->files[i];

		json_array_append_new(a, json_pack(
			"{s:s?, s:s?, s:I, s:s?, s:o}", "path", f->path,
			"object", f->object, "rows", (json_int_t)f->rows,
			"status", f->status, "jobs", jobs_json(f)));
	}
	return a;
}

static json_t *export_json(const struct run_view *v)
{
	const struct manifest_totals *t = &v->export;
	json_t *m;

	if (!v->has_export)
		return json_null();
	m = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		      "read", (json_int_t)t->read,
		      "written", (json_int_t)t->written,
		      "filtered", (json_int_t)t->filtered,
		      "rejected", (json_int_t)t->rejected,
		      "duplicates", (json_int_t)t->duplicates,
		      "unchanged", (json_int_t)t->unchanged);
	if (m && t->watermarks)
		json_object_set_new(m, "below_watermark",
				    json_integer((json_int_t)t->below_watermark));
	return m;
}

/* A run as the runs table has it (the load report embedded as stored),
 * then export_counts, load_counts (when its report can be read) and
 * outcome (when it has no exit code). */
static json_t *run_json(const struct run_view *v)
{
	const struct state_run_info *r = v->run;
	json_t *report = r->report ? json_loads(r->report, 0, NULL) : NULL;
	json_t *j = json_pack(
		"{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, "
		"s:o, s:o, s:o}", "id", (json_int_t)r->id, "command", r->command,
		"mode", r->mode, "options", r->options, "started_at",
		r->started_at, "finished_at", r->finished_at, "phase", r->phase,
		"exit_code", r->has_exit_code ?
		json_integer(r->exit_code) : json_null(),
		"message", r->message, "work_dir", r->work_dir,
		"report", report ? report : json_null(),
		"files", files_json(r), "export_counts", export_json(v));

	if (j && v->has_load)
		json_object_set_new(j, "load_counts", json_pack(
			"{s:I, s:I, s:I, s:I, s:I}",
			"sent", (json_int_t)v->load[0],
			"created", (json_int_t)v->load[1],
			"updated", (json_int_t)v->load[2],
			"failed", (json_int_t)v->load[3],
			"unprocessed", (json_int_t)v->load[4]));
	if (j && v->outcome)
		json_object_set_new(j, "outcome", json_string(v->outcome));
	return j;
}

static json_t *runs_json(const struct run_view *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, run_json(&v[i]));
	return a;
}

/* Record counts by status, and their total. */
static json_t *counts_json(const unsigned long long c[REC_COUNT])
{
	unsigned long long total = 0;
	json_t *o = json_object();
	int k;

	for (k = 0; k < REC_COUNT; k++) {
		json_object_set_new(o, state_rec_status_name(k),
				    json_integer((json_int_t)c[k]));
		total += c[k];
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

/* ---- printing ------------------------------------------------------------ */

/* n as text in buf; "" when the count is not known. */
static const char *num(int known, long long n, char buf[24])
{
	buf[0] = '\0';
	if (known)
		snprintf(buf, 24, "%lld", n);
	return buf;
}

static void print_runs(FILE *out, const struct run_view *v, size_t nruns)
{
	static const char *const head[] = { "run", "command", "mode",
		"started (UTC)", "finished (UTC)", "phase", "exit", "read",
		"written", "unchanged", "rejected", "created", "updated",
		"failed", "message" };
	struct table *t = table_new(15, head);
	size_t i, k;

	if (!t)
		return;
	for (k = 0; k < 14; k++)
		if (k == 0 || k >= 6)
			table_align_right(t, k);
	for (i = 0; i < nruns; i++) {
		const struct state_run_info *r = v[i].run;
		const struct manifest_totals *e = &v[i].export;
		const unsigned long long ec[4] = { e->read, e->written,
			e->unchanged, e->rejected };
		char n[9][24], started[20], finished[20];
		const char *cells[15];

		cells[0] = num(1, r->id, n[0]);
		cells[1] = r->command;
		cells[2] = r->mode;
		cells[3] = stateview_time(r->started_at, started);
		cells[4] = stateview_time(r->finished_at, finished);
		cells[5] = r->phase;
		cells[6] = v[i].outcome ? v[i].outcome :
			   num(r->has_exit_code, r->exit_code, n[1]);
		for (k = 0; k < 4; k++)
			cells[7 + k] = num(v[i].has_export, (long long)ec[k],
					   n[2 + k]);
		for (k = 0; k < 2; k++)   /* created, updated */
			cells[11 + k] = num(v[i].has_load,
					    (long long)v[i].load[1 + k], n[6 + k]);
		/* refused or left unprocessed: both are "failed" */
		cells[13] = num(v[i].has_load, (long long)(v[i].load[3] +
							    v[i].load[4]), n[8]);
		cells[14] = r->message;
		table_add(t, cells, NULL);
	}
	table_print(t, out, STATUS_CELL_MAX);
	table_free(t);
}

static void print_jobs(FILE *out, const struct state_run_info *run)
{
	static const char *const head[] = { "file", "object", "rows",
		"status", "job", "attempt", "state", "processed", "failed",
		"error" };
	struct table *t = table_new(10, head);
	size_t i, k;
	char id[24];

	if (!t)
		return;
	for (k = 2; k < 9; k++)
		if (k != 3 && k != 4 && k != 6)
			table_align_right(t, k);
	for (i = 0; i < run->nfiles; i++) {
		const struct state_file_info *f = &run->files[i];
		char n[4][24];
		const char *cells[10] = { NULL };

		cells[0] = f->path;
		cells[1] = f->object;
		cells[2] = num(1, f->rows, n[0]);
		cells[3] = f->status;
		if (!f->njobs) {
			table_add(t, cells, NULL);
			continue;
		}
		for (k = 0; k < f->njobs; k++) {
			const struct state_job_info *j = &f->jobs[k];

			cells[4] = j->id;
			cells[5] = num(1, j->attempt, n[1]);
			cells[6] = j->state;
			cells[7] = num(1, j->processed, n[2]);
			cells[8] = num(1, j->failed, n[3]);
			cells[9] = j->error_message;
			table_add(t, cells, NULL);
			cells[0] = cells[1] = cells[2] = cells[3] = NULL;
		}
	}
	fprintf(out, "\nrun %s (%s, %s, %s): %zu file%s\n", num(1, run->id, id),
		run->command, run->mode, run->phase, run->nfiles,
		run->nfiles == 1 ? "" : "s");
	if (run->message)
		fprintf(out, "  %s\n", run->message);
	if (run->nfiles)
		table_print(t, out, STATUS_CELL_MAX);
	table_free(t);
}

static void print_records(FILE *out,
			  const unsigned long long c[REC_COUNT])
{
	unsigned long long total = 0;
	int k;

	fputs("\nrecords (all objects):", out);
	for (k = 0; k < REC_COUNT; k++) {
		fprintf(out, " %llu %s,", c[k], state_rec_status_name(k));
		total += c[k];
	}
	fprintf(out, " %llu in all\n", total);
}

/* ---- the command ----------------------------------------------------------- */

static int report(struct bs_ctx *ctx, struct state *st, const char *dir,
		  int limit, long long run_id)
{
	struct state_runs runs = { NULL, 0 }, one = { NULL, 0 };
	unsigned long long counts[REC_COUNT];
	struct run_view *views = NULL, sel;
	int rc = BS_EXIT_OK, found = 1, held;
	long long newest;
	size_t i;

	if (state_runs_read(st, limit ? limit : -1, &runs, &ctx->err) < 0 ||
	    (run_id && (found = state_run_read(st, run_id, &one,
					       &ctx->err)) < 0) ||
	    state_record_counts(st, NULL, counts, &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	if (!found) {
		rc = cli_usage(ctx, "no run %lld in %s", run_id, dir);
		goto out;
	}
	views = calloc(runs.n + 1, sizeof(*views));
	if (!views) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		rc = BS_EXIT_INTERNAL;
		goto out;
	}
	held = state_lock_held(dir);
	newest = runs.n ? runs.runs[0].id : 0;
	for (i = 0; i < runs.n; i++)
		view_run(&views[i], &runs.runs[i], i == 0, held);
	/* the run whose files and jobs are shown: --run, else the newest */
	if (run_id)
		view_run(&sel, &one.runs[0], one.runs[0].id == newest, held);
	else if (runs.n)
		sel = views[0];
	if (ctx->json) {
		stateview_json(ctx, json_pack("{s:s, s:o, s:o, s:o}", "state_dir",
					  dir, "runs", runs_json(views, runs.n),
					  "run", run_id || runs.n ? run_json(&sel) :
					  json_null(), "records",
					  counts_json(counts)));
		goto out;
	}
	fprintf(ctx->out, "state: %s\n\n", dir);
	print_runs(ctx->out, views, runs.n);
	if (run_id || runs.n)
		print_jobs(ctx->out, sel.run);
	print_records(ctx->out, counts);
out:
	free(views);
	state_runs_release(&runs);
	state_runs_release(&one);
	return rc;
}

/* Nothing has run yet: said on the output, not an error. */
static void no_runs(struct bs_ctx *ctx, const char *dir, const char *note)
{
	unsigned long long counts[REC_COUNT] = { 0 };

	if (ctx->json)
		stateview_json(ctx, json_pack("{s:s, s:[], s:n, s:o}", "state_dir",
					  dir, "runs", "run", "records",
					  counts_json(counts)));
	else
		fprintf(ctx->out, "%s\n", note);
}

int cmd_status(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "state", required_argument, NULL, OPT_STATE },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long limit = STATUS_DEFAULT_RUNS, run_id = 0;
	const char *state_arg = NULL;
	struct state *st;
	char *dir, note[BS_ERR_MSG_MAX];
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_status, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (opt == OPT_LIMIT) {
			if (cli_parse_count(optarg, &limit) < 0 || limit > INT_MAX)
				return cli_usage(ctx, "--limit takes a number of "
						 "runs, not '%s'", optarg);
		} else if (opt == OPT_RUN) {
			if (cli_parse_count(optarg, &run_id) < 0 || !run_id ||
			    run_id > LLONG_MAX)
				return cli_usage(ctx, "--run takes a run id, not "
						 "'%s'", optarg);
		} else if (opt == OPT_STATE) {
			state_arg = optarg;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	rc = stateview_open(ctx, state_arg, &st, &dir, note);
	if (!rc && st)
		rc = report(ctx, st, dir, (int)limit, (long long)run_id);
	else if (!rc)
		no_runs(ctx, dir, note);
	state_close(st);
	free(dir);
	return rc;
}
