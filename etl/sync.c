/* sync.c - runs against the sync state: resume, export what changed, load,
 * record outcomes (see sync.h and docs/state.md). */
#define _XOPEN_SOURCE 700   /* nftw */
#include "sync.h"

#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "../formats/sbuf.h"
#include "bulkdir.h"
#include "config.h"
#include "export.h"
#include "mapping.h"
#include "report.h"
#include "session.h"
#include "setup.h"
#include "state.h"

#define SYNC_KEEP_RUN_DIRS 3        /* bulk files of the last runs kept */
#define FAILURES_NAME "failures.csv"

/* ---- which records a run sends ------------------------------------------ */

struct change {
	struct state *st;
	long long run;
	const struct sync_opts *o;
	struct sbuf obj;                /* the object, NUL-terminated */
};

static int selected_id(const struct sync_opts *o, const char *key,
		       size_t len)
{
	size_t i;

	if (!o->nids)
		return 1;
	for (i = 0; i < o->nids; i++)
		if (strlen(o->ids[i]) == len && !memcmp(o->ids[i], key, len))
			return 1;
	return 0;
}

static int keep_row(void *ctx, const struct mapping *m, const char *key,
		    size_t key_len, const char *row, size_t row_len,
		    const char *source, unsigned long line, struct bs_err *err)
{
	struct change *c = ctx;
	const char *object = mapping_object(m);
	struct state_record r;
	struct state_hash h;
	int known, unchanged, send = 0, forced = 0;

	if (!key_len)
		return 1;   /* insert: no key to compare, always sent */
	state_hash_row(row, row_len, &h);
	known = state_record_get(c->st, object, key, key_len, &r, err);
	if (known < 0)
		return -1;
	unchanged = known && r.has_hash &&
		    (r.status == REC_SYNCED || r.status == REC_RESYNCED) &&
		    !memcmp(&r.hash, &h, sizeof(h));
	switch (c->o->mode) {
	case SYNC_INCREMENTAL:
		send = !unchanged;
		break;
	case SYNC_FULL:
		send = 1;
		forced = unchanged;
		break;
	case SYNC_RETRY:
		send = known && (r.status == REC_FAILED ||
				 r.status == REC_RETRIED) &&
		       selected_id(c->o, key, key_len);
		break;
	case SYNC_RESYNC:
		send = known && (r.status == REC_SYNCED ||
				 r.status == REC_RESYNCED) &&
		       selected_id(c->o, key, key_len);
		forced = 1;
		break;
	}
	if (!send)
		return 0;
	return state_record_sending(c->st, c->run, object, key, key_len, &h,
				    forced, source, line, err) < 0 ? -1 : 1;
}

static int skip_row(void *ctx, const struct mapping *m, const char *key,
		    size_t key_len, const char *filter, const char *source,
		    unsigned long line, struct bs_err *err)
{
	struct change *c = ctx;

	return state_record_skipped(c->st, c->run, mapping_object(m), key,
				    key_len, filter, source, line, err);
}

/* ---- loading a run's directory ------------------------------------------ */

static int file_registered(struct state *st, long long run,
			   const struct bulkdir *bd, struct bs_err *err)
{
	size_t i, j;

	for (i = 0; i < bd->nobjects; i++)
		for (j = 0; j < bd->objects[i].nfiles; j++)
			if (state_file_add(st, run, bd->objects[i].files[j].path,
					   bd->objects[i].object,
					   bd->objects[i].files[j].rows, err) < 0)
				return -1;
	return 0;
}

/* Loads run's directory; records the run's end; prints or returns (in
 * *report) its load report.  Returns the exit code. */
static int load_dir(struct bs_ctx *ctx, const struct config *cfg,
		    struct state *st, long long run, const char *dir,
		    const char *failures, int resumed, json_t **report)
{
	struct session_opts so = { failures, resumed, st, run };
	struct loader_summary sum;
	struct session *ses = NULL;
	struct bulkdir *bd;
	struct bs_err lerr;
	enum state_run_phase phase;
	char *text;
	int rc, code;

	*report = NULL;
	bs_err_clear(&lerr);
	bd = bulkdir_load(dir, &ctx->err);
	if (!bd || state_begin(st, &ctx->err) < 0 ||
	    file_registered(st, run, bd, &ctx->err) < 0 ||
	    state_commit(st, &ctx->err) < 0 ||
	    state_run_set_phase(st, run, RUN_LOADING, 0, NULL, NULL,
				&ctx->err) < 0 ||
	    !(ses = session_new(ctx, bd, &so, &ctx->err))) {
		bulkdir_free(bd);
		return cli_exit_for(ctx->err.kind);
	}
	rc = session_load(ses, cfg, &sum, &lerr);
	code = rc < 0 ? cli_exit_for(lerr.kind) :
	       session_failures(ses) ? BS_EXIT_RECORDS : BS_EXIT_OK;
	phase = rc == 0 ? RUN_DONE : lerr.kind == BS_E_LIMIT ? RUN_PAUSED :
		RUN_FAILED;
	*report = session_json(ses, &sum, code, &lerr);
	text = *report ? json_dumps(*report, JSON_COMPACT) : NULL;
	if (state_run_set_phase(st, run, phase, code,
				rc < 0 ? lerr.msg : NULL, text, &ctx->err) < 0)
		code = cli_exit_for(ctx->err.kind);
	free(text);
	if (!ctx->json)
		session_print_summary(ses, &sum);
	if (rc < 0 && ctx->err.kind == BS_E_NONE)
		ctx->err = lerr;
	session_free(ses);
	bulkdir_free(bd);
	return code;
}

static char *join_path(const char *a, const char *b)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (sbuf_addf(&sb, "%s/%s", a, b) < 0) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

/* ---- housekeeping ------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the bulk files of finished runs but the last few. */
static void prune_runs(const char *state_dir, long long current)
{
	char path[4096];
	long long id;

	for (id = current - SYNC_KEEP_RUN_DIRS; id > 0 &&
	     id > current - SYNC_KEEP_RUN_DIRS - 50; id--) {
		snprintf(path, sizeof(path), "%s/runs/%lld", state_dir, id);
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
}

static struct state *open_state(struct bs_ctx *ctx, const struct config *cfg)
{
	char *dir = config_get_path(cfg, "state", "dir");
	struct state *st;

	if (!dir) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	st = state_open(dir, &ctx->err);
	free(dir);
	return st;
}

static void say(struct bs_ctx *ctx, const char *fmt, ...) BS_PRINTF(2, 3);

static void say(struct bs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	fputs("billsync: ", ctx->log);
	va_start(ap, fmt);
	vfprintf(ctx->log, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->log);
}

static void print_json(struct bs_ctx *ctx, long long run, const char *mode,
		       json_t *resumed, json_t *manifest, json_t *load,
		       int code)
{
	json_t *root = json_pack("{s:I, s:s, s:i, s:o?, s:o?, s:o?}",
				 "run", (json_int_t)run, "mode", mode,
				 "exit_code", code, "resumed", resumed,
				 "export", manifest, "load", load);

	if (root) {
		json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	}
	json_decref(root);
}

/* ---- run, retry, resync ------------------------------------------------- */

static const char *mode_name(const struct sync_opts *o)
{
	switch (o->mode) {
	case SYNC_INCREMENTAL: return "incremental";
	case SYNC_FULL: return o->since || o->until ? "backfill" : "full";
	case SYNC_RETRY: return "retry";
	case SYNC_RESYNC: return "resync";
	}
	return "?";
}

/* Finishes what the last run left (*run: the run continued, id 0 if none).
 * Returns -1 to go on with a new run, or the exit code to stop with. */
static int resume(struct bs_ctx *ctx, const struct config *cfg,
		  struct state *st, struct state_run *run, json_t **report)
{
	struct state_run ur;
	char *failures;
	int found, code;

	*report = NULL;
	memset(run, 0, sizeof(*run));
	found = state_run_unfinished(st, &ur, &ctx->err);
	if (found < 0)
		return cli_exit_for(ctx->err.kind);
	if (!found)
		return -1;
	if (ur.phase == RUN_EXPORTING || !ur.work_dir[0]) {
		/* nothing was sent yet: the new run does it all again */
		say(ctx, "run %lld stopped while writing its bulk files; "
		    "starting over", ur.id);
		return state_run_set_phase(st, ur.id, RUN_FAILED, 0,
					   "interrupted while writing bulk files",
					   NULL, &ctx->err) < 0 ?
		       cli_exit_for(ctx->err.kind) : -1;
	}
	*run = ur;
	say(ctx, "continuing run %lld (%s, started %s): loading what it left "
	    "in %s", ur.id, ur.mode, ur.started_at, ur.work_dir);
	failures = join_path(ur.work_dir, FAILURES_NAME);
	if (!failures)
		return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
		       BS_EXIT_INTERNAL;
	code = load_dir(ctx, cfg, st, ur.id, ur.work_dir, failures, 1, report);
	free(failures);
	if (code == BS_EXIT_OK || code == BS_EXIT_RECORDS)
		return -1 - (code == BS_EXIT_RECORDS);   /* go on */
	return code;
}

int sync_run(struct bs_ctx *ctx, struct setup *s, const struct sync_opts *o)
{
	struct change c;
	struct export_opts eo;
	struct state_run run, earlier;
	struct export_totals t;
	json_t *resumed = NULL, *manifest = NULL, *load = NULL;
	char *work = NULL, *failures = NULL, id[32];
	int code, rc, earlier_records = 0;

	memset(&c, 0, sizeof(c));
	memset(&eo, 0, sizeof(eo));
	sbuf_init(&c.obj, 0);
	c.o = o;
	if (session_check_config(s->cfg, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	c.st = open_state(ctx, s->cfg);
	if (!c.st)
		return cli_exit_for(ctx->err.kind);
	code = resume(ctx, s->cfg, c.st, &earlier, &resumed);
	if (code >= 0) {
		/* the continued run stopped again: its report is the answer */
		if (ctx->json && resumed) {
			print_json(ctx, earlier.id, earlier.mode, resumed, NULL,
				   NULL, code);
			resumed = NULL;
		}
		goto out;
	}
	earlier_records = code == -2;

	/* a new run: write the bulk files of what is to be sent */
	if (state_run_begin(c.st, o->mode == SYNC_RETRY ? "retry" :
			    o->mode == SYNC_RESYNC ? "resync" : "run",
			    mode_name(o), "", &run, &ctx->err) < 0)
		goto fail;
	c.run = run.id;
	snprintf(id, sizeof(id), "runs/%lld", run.id);
	work = join_path(state_dir(c.st), id);
	failures = work ? join_path(work, FAILURES_NAME) : NULL;
	if (!failures) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		goto fail;
	}
	if (export_opts_from_config(&eo, s->cfg, &ctx->err) < 0)
		goto fail;
	eo.out_dir = work;
	eo.objects = o->objects;
	eo.nobjects = o->nobjects;
	eo.temp_dir = config_get(s->cfg, "output", "temp_dir");
	eo.keep = keep_row;
	eo.skipped = skip_row;
	eo.keep_ctx = &c;
	eo.since = o->since;
	eo.until = o->until;
	if (!ctx->quiet && !ctx->json) {
		eo.progress = report_object_progress;
		eo.progress_ctx = ctx;
	}
	if (export_check_objects(s->maps, &eo, &ctx->err) < 0 ||
	    state_run_set_work_dir(c.st, run.id, work, &ctx->err) < 0 ||
	    state_begin(c.st, &ctx->err) < 0)
		goto fail;
	rc = export_run(s->cfg, s->maps, &eo, &manifest, &ctx->err);
	if (state_commit(c.st, rc < 0 ? NULL : &ctx->err) < 0 || rc < 0)
		goto fail;
	export_totals(manifest, &t);
	if (!ctx->json)
		report_export(ctx, manifest, work, NULL);

	if (!t.written) {
		code = t.rejected || earlier_records ? BS_EXIT_RECORDS :
		       BS_EXIT_OK;
		say(ctx, "nothing to send: every record is as it was last "
		    "synced");
		if (state_run_set_phase(c.st, run.id, RUN_DONE, code, NULL,
					NULL, &ctx->err) < 0)
			goto fail;
	} else {
		code = load_dir(ctx, s->cfg, c.st, run.id, work, failures, 0,
				&load);
		if (code == BS_EXIT_OK && (t.rejected || earlier_records))
			code = BS_EXIT_RECORDS;
	}
	if (code == BS_EXIT_OK || code == BS_EXIT_RECORDS)
		prune_runs(state_dir(c.st), run.id);
	if (ctx->json) {
		print_json(ctx, run.id, mode_name(o), resumed, manifest, load,
			   code);
		manifest = load = resumed = NULL;   /* print_json took them */
	}
	goto out;
fail:
	code = cli_exit_for(ctx->err.kind);
	if (c.run)
		state_run_set_phase(c.st, c.run, RUN_FAILED, code, ctx->err.msg,
				    NULL, NULL);
out:
	json_decref(resumed);
	json_decref(manifest);
	json_decref(load);
	free(work);
	free(failures);
	sbuf_release(&c.obj);
	state_close(c.st);
	return code;
}

/* ---- upload ------------------------------------------------------------- */

int sync_upload(struct bs_ctx *ctx, const struct config *cfg,
		const char *dir, const char *failures, int restart)
{
	struct state *st;
	struct state_run run;
	char *real = NULL, *fail_path = NULL;
	json_t *load = NULL;
	int found, code, resumed = 0;

	if (session_check_config(cfg, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	st = open_state(ctx, cfg);
	if (!st)
		return cli_exit_for(ctx->err.kind);
	real = realpath(dir, NULL);
	if (!real) {
		bs_err_at(&ctx->err, BS_E_INPUT, dir, 0, "cannot open: %s",
			  strerror(errno));
		goto fail;
	}
	found = state_run_unfinished(st, &run, &ctx->err);
	if (found < 0)
		goto fail;
	if (found && !restart && !strcmp(run.command, "upload") &&
	    !strcmp(run.work_dir, real)) {
		resumed = 1;
		say(ctx, "continuing the upload of %s (run %lld, started %s)",
		    real, run.id, run.started_at);
	} else {
		if (found && state_run_set_phase(st, run.id, RUN_FAILED, 0,
						 "left unfinished: a newer "
						 "run started", NULL,
						 &ctx->err) < 0)
			goto fail;
		if (state_run_begin(st, "upload", "upload", real, &run,
				    &ctx->err) < 0 ||
		    state_run_set_work_dir(st, run.id, real, &ctx->err) < 0)
			goto fail;
	}
	fail_path = failures ? strdup(failures) : join_path(real, FAILURES_NAME);
	if (!fail_path) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		goto fail;
	}
	code = load_dir(ctx, cfg, st, run.id, real, fail_path, resumed, &load);
	if (ctx->json && load) {
		json_object_set_new(load, "run", json_integer(run.id));
		json_dumpf(load, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	}
	goto out;
fail:
	code = cli_exit_for(ctx->err.kind);
out:
	json_decref(load);
	free(real);
	free(fail_path);
	state_close(st);
	return code;
}
