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

struct collect {
	json_t *runs;      /* array, newest first */
	int failed;        /* a run's JSON could not be kept */
};

static int keep_run(void *ctx, const char *text)
{
	struct collect *c = ctx;
	json_t *run = json_loads(text, 0, NULL);

	if (!run || json_array_append_new(c->runs, run) < 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

/* The export counts of a run, from the manifest in its work directory
 * (kept for the last few runs only), or NULL. */
static json_t *export_counts(const json_t *run)
{
	const char *dir = json_string_value(json_object_get(run, "work_dir"));
	struct manifest_totals t;
	struct manifest *mf;
	struct bs_err err;
	char path[4096];
	json_t *m;

	if (!dir || !*dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	mf = manifest_load(path, &err);
	if (!mf)
		return NULL;
	manifest_totals(mf, &t);
	manifest_free(mf);
	m = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		      "read", (json_int_t)t.read,
		      "written", (json_int_t)t.written,
		      "filtered", (json_int_t)t.filtered,
		      "rejected", (json_int_t)t.rejected,
		      "duplicates", (json_int_t)t.duplicates,
		      "unchanged", (json_int_t)t.unchanged);
	if (m && t.watermarks)
		json_object_set_new(m, "below_watermark",
				    json_integer((json_int_t)t.below_watermark));
	return m;
}

/* A number of a JSON object as text, "" when absent. */
static const char *num(const json_t *o, const char *key, char *buf,
		       size_t size)
{
	const json_t *v = json_object_get(o, key);

	buf[0] = '\0';
	if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* Sums a load report's per-object counts into "load_counts". */
static void add_load_counts(json_t *run)
{
	struct load_report r;
	struct bs_err err;
	json_int_t sum[5] = { 0 };
	size_t i;

	bs_err_clear(&err);
	if (load_report_from_json(json_object_get(run, "report"), &r,
				  &err) == 0) {
		for (i = 0; i < r.nobjects; i++) {
			sum[0] += (json_int_t)r.objects[i].sent;
			sum[1] += (json_int_t)r.objects[i].created;
			sum[2] += (json_int_t)r.objects[i].updated;
			sum[3] += (json_int_t)r.objects[i].failed;
			sum[4] += (json_int_t)r.objects[i].unprocessed;
		}
		json_object_set_new(run, "load_counts", json_pack(
			"{s:I, s:I, s:I, s:I, s:I}", "sent", sum[0],
			"created", sum[1], "updated", sum[2], "failed", sum[3],
			"unprocessed", sum[4]));
	}
	load_report_release(&r);
}

/* newest: the run is the latest; held: a process holds the state's lock.
 * A run without an exit code is going on (the latest, while the lock is
 * held) or was killed: "outcome" says which. */
static void add_counts(json_t *run, int newest, int held)
{
	json_t *e = export_counts(run);

	json_object_set_new(run, "export_counts", e ? e : json_null());
	add_load_counts(run);
	if (!json_is_integer(json_object_get(run, "exit_code")))
		json_object_set_new(run, "outcome", json_string(
			newest && held ? "running" : "killed"));
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

static void print_runs(FILE *out, const json_t *runs)
{
	static const char *const head[] = { "run", "command", "mode",
		"started (UTC)", "finished (UTC)", "phase", "exit", "read",
		"written", "unchanged", "rejected", "created", "updated",
		"failed", "message" };
	static const char *const ekeys[] = { "read", "written", "unchanged",
		"rejected" };
	static const char *const lkeys[] = { "created", "updated" };
	struct table *t = table_new(15, head);
	const json_t *run;
	size_t i, k;

	if (!t)
		return;
	for (k = 0; k < 14; k++)
		if (k == 0 || k >= 6)
			table_align_right(t, k);
	json_array_foreach(runs, i, run) {
		const json_t *e = json_object_get(run, "export_counts"),
			*l = json_object_get(run, "load_counts");
		char n[9][24], started[20], finished[20];
		const char *cells[15];

		cells[0] = num(run, "id", n[0], sizeof(n[0]));
		cells[1] = json_string_value(json_object_get(run, "command"));
		cells[2] = json_string_value(json_object_get(run, "mode"));
		cells[3] = stateview_time(json_string_value(
			json_object_get(run, "started_at")), started);
		cells[4] = stateview_time(json_string_value(
			json_object_get(run, "finished_at")), finished);
		cells[5] = json_string_value(json_object_get(run, "phase"));
		cells[6] = json_object_get(run, "outcome") ? json_string_value(
			json_object_get(run, "outcome")) :
			num(run, "exit_code", n[1], sizeof(n[1]));
		for (k = 0; k < 4; k++)
			cells[7 + k] = num(e, ekeys[k], n[2 + k], sizeof(n[0]));
		for (k = 0; k < 2; k++)
			cells[11 + k] = num(l, lkeys[k], n[6 + k], sizeof(n[0]));
		n[8][0] = '\0';
		if (l)   /* refused or left unprocessed: both are "failed" */
			snprintf(n[8], sizeof(n[8]), "%lld", (long long)(
				json_integer_value(json_object_get(l, "failed")) +
				json_integer_value(json_object_get(l,
								   "unprocessed"))));
		cells[13] = n[8];
		cells[14] = json_string_value(json_object_get(run, "message"));
		table_add(t, cells, NULL);
	}
	table_print(t, out, STATUS_CELL_MAX);
	table_free(t);
}

static void print_jobs(FILE *out, const json_t *run)
{
	static const char *const head[] = { "file", "object", "rows",
		"status", "job", "attempt", "state", "processed", "failed",
		"error" };
	const json_t *files = json_object_get(run, "files"), *f, *jobs, *j;
	struct table *t = table_new(10, head);
	size_t i, k;
	char id[24];

	if (!t)
		return;
	for (k = 2; k < 9; k++)
		if (k != 3 && k != 4 && k != 6)
			table_align_right(t, k);
	json_array_foreach(files, i, f) {
		char n[4][24];
		const char *cells[10] = { NULL };

		cells[0] = json_string_value(json_object_get(f, "path"));
		cells[1] = json_string_value(json_object_get(f, "object"));
		cells[2] = num(f, "rows", n[0], sizeof(n[0]));
		cells[3] = json_string_value(json_object_get(f, "status"));
		jobs = json_object_get(f, "jobs");
		if (!json_array_size(jobs)) {
			table_add(t, cells, NULL);
			continue;
		}
		json_array_foreach(jobs, k, j) {
			cells[4] = json_string_value(json_object_get(j, "id"));
			cells[5] = num(j, "attempt", n[1], sizeof(n[1]));
			cells[6] = json_string_value(json_object_get(j, "state"));
			cells[7] = num(j, "processed", n[2], sizeof(n[2]));
			cells[8] = num(j, "failed", n[3], sizeof(n[3]));
			cells[9] = json_string_value(json_object_get(
				j, "error_message"));
			table_add(t, cells, NULL);
			cells[0] = cells[1] = cells[2] = cells[3] = NULL;
		}
	}
	fprintf(out, "\nrun %s (%s, %s, %s): %zu file%s\n",
		num(run, "id", id, sizeof(id)),
		json_string_value(json_object_get(run, "command")),
		json_string_value(json_object_get(run, "mode")),
		json_string_value(json_object_get(run, "phase")),
		json_array_size(files), json_array_size(files) == 1 ? "" : "s");
	if (json_string_value(json_object_get(run, "message")))
		fprintf(out, "  %s\n",
			json_string_value(json_object_get(run, "message")));
	if (json_array_size(files))
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
	struct collect runs = { json_array(), 0 }, one = { json_array(), 0 };
	unsigned long long counts[REC_COUNT];
	json_t *sel, *run;
	json_int_t newest;
	int rc = BS_EXIT_OK, found = 1, held;
	size_t i;

	if (state_runs_each(st, limit ? limit : -1, keep_run, &runs,
			    &ctx->err) < 0 ||
	    (run_id && (found = state_run_json(st, run_id, keep_run, &one,
					       &ctx->err)) < 0) ||
	    state_record_counts(st, NULL, counts, &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	if (runs.failed || one.failed) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		rc = BS_EXIT_INTERNAL;
		goto out;
	}
	if (!found) {
		rc = cli_usage(ctx, "no run %lld in %s", run_id, dir);
		goto out;
	}
	held = state_lock_held(dir);
	newest = json_array_size(runs.runs) ? json_integer_value(json_object_get(
		json_array_get(runs.runs, 0), "id")) : 0;
	json_array_foreach(runs.runs, i, run)
		add_counts(run, i == 0, held);
	json_array_foreach(one.runs, i, run)
		add_counts(run, json_integer_value(json_object_get(run, "id")) ==
			   newest, held);
	/* the run whose files and jobs are shown: --run, else the newest */
	sel = json_array_get(run_id ? one.runs : runs.runs, 0);
	if (ctx->json) {
		stateview_json(ctx, json_pack("{s:s, s:O, s:O?, s:o}", "state_dir",
					  dir, "runs", runs.runs, "run", sel,
					  "records", counts_json(counts)));
		goto out;
	}
	fprintf(ctx->out, "state: %s\n\n", dir);
	print_runs(ctx->out, runs.runs);
	if (sel)
		print_jobs(ctx->out, sel);
	print_records(ctx->out, counts);
out:
	json_decref(runs.runs);
	json_decref(one.runs);
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
