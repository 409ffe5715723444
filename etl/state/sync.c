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

#include "formats/sbuf.h"
#include "export/bulkdir.h"
#include "base/config.h"
#include "map/datetime.h"
#include "export/export.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "cmd/report.h"
#include "session.h"
#include "cmd/setup.h"
#include "state.h"

#define SYNC_KEEP_RUN_DIRS 3        /* bulk files of the last runs kept */
#define FAILURES_NAME "failures.csv"

/* ---- which records a run sends ------------------------------------------ */

/* A mapping's watermark for this run (docs/state.md, "Watermark"). */
struct mark {
	int has_hash;
	struct state_hash hash;         /* of the mapping file */
	char floor[DT_ISO_LEN + 1];     /* "" when every row is read */
	char stored[40];                /* the stored watermark, or "" */
};

struct change {
	struct state *st;
	long long run;
	const struct sync_opts *o;
	const struct mapset *maps;
	struct mark *marks;             /* one per mapping of maps */
	unsigned char *id_sent;         /* one per o->ids: something sent */
};

/* The index of the --id that key is, or -1 (always 0 without --id). */
static long selected_id(const struct sync_opts *o, const char *key,
			size_t len)
{
	size_t i;

	if (!o->nids)
		return 0;
	for (i = 0; i < o->nids; i++)
		if (strlen(o->ids[i]) == len && !memcmp(o->ids[i], key, len))
			return (long)i;
	return -1;
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
	long id = 0;

	if (!key_len)   /* insert mappings are refused before the export */
		return bs_err_at(err, BS_E_INTERNAL, mapping_file(m), 0,
				 "a record without a key to sync");
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
		id = selected_id(c->o, key, key_len);
		send = known && (r.status == REC_FAILED ||
				 r.status == REC_RETRIED) && id >= 0;
		break;
	case SYNC_RESYNC:
		id = selected_id(c->o, key, key_len);
		send = known && (r.status == REC_SYNCED ||
				 r.status == REC_RESYNCED) && id >= 0;
		forced = 1;
		break;
	}
	if (!send)
		return 0;
	if (c->o->nids)
		c->id_sent[id] = 1;
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
		       json_t *resumed, const struct manifest *manifest,
		       json_t *load, json_t *extra, int code)
{
	json_t *root = json_pack("{s:I, s:s, s:i, s:o?, s:o?, s:o?}",
				 "run", (json_int_t)run, "mode", mode,
				 "exit_code", code, "resumed", resumed,
				 "export", manifest ?
				 manifest_to_json(manifest) : NULL,
				 "load", load);

	if (root && extra)
		json_object_update(root, extra);
	json_decref(extra);
	if (root) {
		json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	}
	json_decref(root);
}

static void warn(struct bs_ctx *ctx, const char *fmt, ...) BS_PRINTF(2, 3);

/* A warning that explains an exit code: printed even with --quiet. */
static void warn(struct bs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("billsync: warning: ", ctx->log);
	va_start(ap, fmt);
	vfprintf(ctx->log, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->log);
}

/* The options of the command as typed, for the runs table (status shows
 * them, and a run killed before it sent anything names them). */
static void options_text(const struct sync_opts *o, struct sbuf *sb)
{
	size_t i;

	if (o->mode == SYNC_FULL && !o->since && !o->until)
		sbuf_addf(sb, " --full");
	if (o->since)
		sbuf_addf(sb, " --since %s", o->since);
	if (o->until)
		sbuf_addf(sb, " --until %s", o->until);
	for (i = 0; o->objects && i < o->nobjects; i++)
		sbuf_addf(sb, o->mode == SYNC_RETRY || o->mode == SYNC_RESYNC ?
			  " --object %s" : i ? ",%s" : " --objects %s",
			  o->objects[i]);
	for (i = 0; i < o->nids; i++)
		sbuf_addf(sb, " --id %s", o->ids[i]);
}

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
 * Returns -1 to go on with a new run, -2 to go on but exit at least 1
 * (records of the earlier run failed, or it was a backfill, --full, retry
 * or resync killed before it sent anything), or the exit code to stop
 * with. */
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
		/* nothing was sent yet: a daily run is simply the next one;
		   a backfill, --full, retry or resync is not, and is said */
		int other = strcmp(ur.command, "run") ||
			    strcmp(ur.mode, "incremental") || ur.options[0];

		if (other)
			warn(ctx, "run %lld (billsync %s%s%s) stopped while "
			     "writing its bulk files, so none of it was sent: "
			     "run that command again", ur.id, ur.command,
			     ur.options[0] ? " " : "", ur.options);
		else
			say(ctx, "run %lld stopped while writing its bulk "
			    "files; starting over", ur.id);
		if (state_run_set_phase(st, ur.id, RUN_FAILED, 0,
					"interrupted while writing bulk files",
					NULL, &ctx->err) < 0)
			return cli_exit_for(ctx->err.kind);
		return other ? -2 : -1;   /* -2: the exit code says so */
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

/* 1 when the mapping is one the command works on. */
static int selected_map(const struct sync_opts *o, const struct mapping *m)
{
	return mapping_chosen(m, o->objects, o->objects ? o->nobjects : 0);
}

/* An insert mapping has no key: nothing tells a run which of its rows were
 * sent already, so every run would create them all again.  Each one among
 * the chosen objects is a configuration mistake (at its `operation`). */
static int refuse_inserts(struct bs_ctx *ctx, const struct mapset *maps,
			  const struct sync_opts *o)
{
	size_t i, n = 0;

	for (i = 0; i < mapset_count(maps); i++) {
		const struct mapping *m = mapset_at(maps, i);
		struct bs_err e;

		if (mapping_op(m) != MAP_INSERT || !selected_map(o, m))
			continue;
		bs_err_clear(&e);
		bs_err_at(&e, BS_E_CONFIG, mapping_file(m),
			  mapping_key_line(m, "operation"),
			  "%s: operation = insert cannot be synced by `billsync "
			  "%s`: an insert has no key to remember its records by, "
			  "so every run would create them all again; for a "
			  "scheduled sync use 'operation = upsert' with an "
			  "External ID field ('external_id = ...'), for a "
			  "one-off load `billsync export` then `billsync "
			  "upload`%s", mapping_object(m),
			  o->mode == SYNC_RETRY ? "retry" :
			  o->mode == SYNC_RESYNC ? "resync" : "run",
			  o->nobjects ? "" : o->mode == SYNC_RETRY ||
			  o->mode == SYNC_RESYNC ? " (or choose the other "
			  "objects with --object)" : " (or leave it out with "
			  "--objects)");
		bs_errlist_add(&ctx->errs, &e);   /* main prints them all */
		n++;
	}
	return n ? BS_EXIT_CONFIG : 0;
}

/* ---- the watermark ------------------------------------------------------- */

/* The hash of a mapping file's text: a watermark read under another
 * version of the mapping is void.  0 if the file cannot be read. */
static int mapping_hash(const struct mapping *m, struct state_hash *h)
{
	FILE *f = fopen(mapping_file(m), "rb");
	struct sbuf sb;
	char buf[8192];
	size_t n;
	int ok;

	if (!f)
		return 0;
	sbuf_init(&sb, 0);
	ok = 1;
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = sbuf_add(&sb, buf, n) == 0;
	ok = ok && !ferror(f);
	fclose(f);
	if (ok)
		state_hash_row(sb.buf ? sb.buf : "", sb.len, h);
	sbuf_release(&sb);
	return ok;
}

/* Reads each chosen watermarked mapping's stored watermark; for an
 * incremental run, the floor below which its rows are not read: the
 * stored value less the lookback, unless the mapping changed since. */
static int marks_prepare(struct bs_ctx *ctx, struct change *c)
{
	size_t i, n = mapset_count(c->maps);

	c->marks = calloc(n ? n : 1, sizeof(*c->marks));
	if (!c->marks)
		return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		struct mark *k = &c->marks[i];
		struct state_watermark w;
		struct dt_instant t;
		struct bs_err ignored;
		int found;

		if (!mapping_watermark_column(m) || !selected_map(c->o, m))
			continue;
		k->has_hash = mapping_hash(m, &k->hash);
		found = state_watermark_get(c->st, mapping_object(m), &w,
					    &ctx->err);
		if (found < 0)
			return -1;
		if (!found)
			continue;
		snprintf(k->stored, sizeof(k->stored), "%s", w.value);
		if (c->o->mode != SYNC_INCREMENTAL)
			continue;
		if (!k->has_hash || memcmp(&w.mapping, &k->hash,
					   sizeof(k->hash))) {
			say(ctx, "%s: %s changed since the watermark was "
			    "stored: every row is read", mapping_object(m),
			    mapping_file(m));
			continue;
		}
		if (dt_parse_instant(w.value, strlen(w.value), NULL, &t,
				     &ignored) < 0 ||
		    t.sec - mapping_lookback(m) < -62135596800LL)
			continue;   /* before 0001-01-01: read everything */
		t.sec -= mapping_lookback(m);
		dt_format_iso(&t, k->floor);
		say(ctx, "%s: watermark %s less lookback %s: rows whose %s is "
		    "before %s are not read", mapping_object(m), w.value,
		    mapping_lookback_text(m), mapping_watermark_column(m),
		    k->floor);
	}
	return 0;
}

static const char *mark_floor(void *ctx, const struct mapping *m)
{
	struct change *c = ctx;
	size_t i;

	for (i = 0; i < mapset_count(c->maps); i++)
		if (mapset_at(c->maps, i) == m)
			return c->marks[i].floor[0] ? c->marks[i].floor : NULL;
	return NULL;
}

/* The entry of object in the load report's "objects", or NULL. */
static const json_t *report_object(const json_t *report, const char *object)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(report, "objects"), i, o)
		if (!strcmp(json_string_value(json_object_get(o, "object")),
			    object))
			return o;
	return NULL;
}

static unsigned long long json_count(const json_t *o, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(o, key));
}

/* Before loading: a run other than an incremental one reads rows below the
 * floor, and those that fail would hide under it; so each watermarked
 * object it sends records of forgets its watermark (the next incremental
 * run reads every row once). */
static int marks_before_load(struct bs_ctx *ctx, struct change *c,
			     const struct manifest *manifest)
{
	size_t i;

	if (c->o->mode == SYNC_INCREMENTAL)
		return 0;
	for (i = 0; i < mapset_count(c->maps); i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		const struct manifest_object *o =
			manifest_find(manifest, mapping_object(m));

		if (!c->marks[i].stored[0] || !o || !o->counts.written)
			continue;
		if (state_watermark_clear(c->st, mapping_object(m),
					  &ctx->err) < 0)
			return -1;
		c->marks[i].stored[0] = '\0';
	}
	return 0;
}

/* 1 when the load of object in this run ended with every file done and no
 * record failed or unprocessed (load: the load report, NULL if nothing was
 * loaded). */
static int object_loaded(struct bs_ctx *ctx, struct change *c,
			 const char *object, const json_t *load,
			 unsigned long long written)
{
	unsigned long long left;
	const json_t *o;

	if (!written)
		return 1;
	if (state_files_left(c->st, c->run, object, &left, &ctx->err) < 0)
		return -1;
	o = report_object(load, object);
	return !left && o && !json_count(o, "failed") &&
	       !json_count(o, "unprocessed");
}

/* After loading: an incremental or full run whose load of an object
 * succeeded stores the newest watermark value it read.  Returns the
 * "watermarks" report (NULL if no object has one), or NULL with ctx->err
 * set. */
static json_t *marks_after_load(struct bs_ctx *ctx, struct change *c,
				const struct manifest *manifest,
				const json_t *load,
				int code, int *failed)
{
	json_t *report = NULL;
	size_t i;

	*failed = 0;
	for (i = 0; i < mapset_count(c->maps); i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		const char *object = mapping_object(m);
		const struct manifest_object *o = manifest_find(manifest,
								object);
		const char *max;
		unsigned long long rejected;
		int ok, store;

		if (!o || !o->has_watermark)
			continue;
		max = o->watermark.max;
		store = (c->o->mode == SYNC_INCREMENTAL ||
			 (c->o->mode == SYNC_FULL && !c->o->since &&
			  !c->o->until)) && max && c->marks[i].has_hash &&
			(code == BS_EXIT_OK || code == BS_EXIT_RECORDS);
		/* a rejected row is read again only below the watermark's
		   floor if the watermark stays: it is fixed in the source
		   later, and must then be found */
		rejected = o->counts.rejected;
		ok = store && !rejected ? object_loaded(ctx, c, object, load,
				o->counts.written) : 0;
		if (ok < 0) {
			*failed = 1;
			json_decref(report);
			return NULL;
		}
		if (ok) {
			if (state_watermark_set(c->st, object, max,
						&c->marks[i].hash, c->run,
						&ctx->err) < 0) {
				*failed = 1;
				json_decref(report);
				return NULL;
			}
			snprintf(c->marks[i].stored, sizeof(c->marks[i].stored),
				 "%s", max);
		} else if (store && c->marks[i].stored[0]) {
			say(ctx, "%s: watermark kept at %s: records of this run "
			    "%s, and the next run reads them again", object,
			    c->marks[i].stored, rejected ? "were rejected" :
			    "failed or were not loaded");
		}
		if (!report)
			report = json_array();
		json_array_append_new(report, json_pack(
			"{s:s, s:s?, s:b}", "object", object,
			"watermark", c->marks[i].stored[0] ?
			c->marks[i].stored : NULL, "advanced", ok));
	}
	return report;
}

/* ---- --id keys that sent nothing ----------------------------------------- */

/* Says, for each --id that sent nothing, what it is; returns the list for
 * --json (NULL when every --id sent something), or NULL with *failed. */
static json_t *ids_not_sent(struct bs_ctx *ctx, struct change *c, int *failed)
{
	const char *want = c->o->mode == SYNC_RETRY ? "failed" : "synced";
	json_t *list = NULL;
	size_t i, j;

	*failed = 0;
	for (i = 0; i < c->o->nids; i++) {
		const char *key = c->o->ids[i], *object = NULL;
		struct state_record r;
		int found = 0;

		if (c->id_sent[i])
			continue;
		for (j = 0; j < mapset_count(c->maps) && !found; j++) {
			const struct mapping *m = mapset_at(c->maps, j);

			if (!selected_map(c->o, m))
				continue;
			found = state_record_get(c->st, mapping_object(m), key,
						 strlen(key), &r, &ctx->err);
			if (found < 0) {
				*failed = 1;
				json_decref(list);
				return NULL;
			}
			object = mapping_object(m);
		}
		if (!found) {
			warn(ctx, "--id %s: no record of %s has this key: "
			     "nothing sent", key, c->o->nobjects ?
			     "the chosen objects" : "any object");
		} else if ((c->o->mode == SYNC_RETRY &&
			    (r.status == REC_FAILED || r.status == REC_RETRIED)) ||
			   (c->o->mode == SYNC_RESYNC &&
			    (r.status == REC_SYNCED || r.status == REC_RESYNCED))) {
			warn(ctx, "--id %s: %s %s is %s, but no row of the "
			     "source makes it any more (removed, or rejected: "
			     "see rejects.csv): nothing sent", key, object, key,
			     state_rec_status_name(r.status));
		} else {
			warn(ctx, "--id %s: %s %s is %s, not %s: nothing sent%s",
			     key, object, key, state_rec_status_name(r.status),
			     want, c->o->mode == SYNC_RETRY &&
			     (r.status == REC_SYNCED ||
			      r.status == REC_RESYNCED) ?
			     " (billsync resync sends it again)" :
			     c->o->mode == SYNC_RESYNC &&
			     (r.status == REC_FAILED ||
			      r.status == REC_RETRIED) ?
			     " (billsync retry sends it again)" : "");
		}
		if (!list)
			list = json_array();
		json_array_append_new(list, json_pack(
			"{s:s, s:s?, s:s?}", "id", key, "object",
			found ? object : NULL, "status", found ?
			state_rec_status_name(r.status) : NULL));
	}
	return list;
}

int sync_run(struct bs_ctx *ctx, struct setup *s, const struct sync_opts *o)
{
	struct change c;
	struct export_opts eo;
	struct state_run run, earlier;
	struct manifest_totals t;
	struct manifest *manifest = NULL;
	json_t *resumed = NULL, *load = NULL, *extra = NULL, *ids = NULL,
	       *marks = NULL;
	char *work = NULL, *failures = NULL, id[32];
	int code, rc, earlier_records = 0, failed;

	memset(&c, 0, sizeof(c));
	memset(&eo, 0, sizeof(eo));
	c.o = o;
	c.maps = s->maps;
	eo.objects = o->objects;
	eo.nobjects = o->nobjects;
	if (export_check_objects(s->maps, &eo, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	code = refuse_inserts(ctx, s->maps, o);
	if (code)
		return code;
	if (session_check_config(s->cfg, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	c.id_sent = calloc(o->nids ? o->nids : 1, 1);
	if (!c.id_sent)
		return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
		       BS_EXIT_INTERNAL;
	c.st = open_state(ctx, s->cfg);
	if (!c.st) {
		free(c.id_sent);
		return cli_exit_for(ctx->err.kind);
	}
	code = resume(ctx, s->cfg, c.st, &earlier, &resumed);
	if (code >= 0) {
		/* the continued run stopped again: its report is the answer */
		if (ctx->json && resumed) {
			print_json(ctx, earlier.id, earlier.mode, resumed, NULL,
				   NULL, NULL, code);
			resumed = NULL;
		}
		goto out;
	}
	earlier_records = code == -2;

	/* a new run: write the bulk files of what is to be sent */
	{
		struct sbuf opts;
		int r;

		sbuf_init(&opts, 0);
		options_text(o, &opts);
		r = state_run_begin(c.st, o->mode == SYNC_RETRY ? "retry" :
				    o->mode == SYNC_RESYNC ? "resync" : "run",
				    mode_name(o), opts.len ? opts.buf + 1 : "",
				    &run, &ctx->err);
		sbuf_release(&opts);
		if (r < 0)
			goto fail;
	}
	c.run = run.id;
	snprintf(id, sizeof(id), "runs/%lld", run.id);
	work = join_path(state_dir(c.st), id);
	failures = work ? join_path(work, FAILURES_NAME) : NULL;
	if (!failures) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		goto fail;
	}
	if (export_opts_from_config(&eo, s->cfg, &ctx->err) < 0 ||
	    marks_prepare(ctx, &c) < 0)
		goto fail;
	eo.out_dir = work;
	eo.temp_dir = config_get(s->cfg, "output", "temp_dir");
	eo.stop = ctx->stop;
	eo.keep = keep_row;
	eo.skipped = skip_row;
	eo.keep_ctx = &c;
	eo.since = o->since;
	eo.until = o->until;
	eo.watermark_floor = mark_floor;
	eo.watermark_cap = run.started_at;
	if (!ctx->quiet && !ctx->json) {
		eo.progress = report_object_progress;
		eo.progress_ctx = ctx;
	}
	if (state_run_set_work_dir(c.st, run.id, work, &ctx->err) < 0 ||
	    state_begin(c.st, &ctx->err) < 0)
		goto fail;
	rc = export_run(s->cfg, s->maps, &eo, &manifest, &ctx->err);
	if (state_commit(c.st, rc < 0 ? NULL : &ctx->err) < 0 || rc < 0)
		goto fail;
	manifest_totals(manifest, &t);
	if (!ctx->json)
		report_export(ctx, manifest, work, NULL);
	if (marks_before_load(ctx, &c, manifest) < 0)
		goto fail;
	ids = ids_not_sent(ctx, &c, &failed);   /* before loading: the
						   statuses are the export's */
	if (failed)
		goto fail;

	if (!t.written) {
		code = t.rejected || earlier_records || ids ? BS_EXIT_RECORDS :
		       BS_EXIT_OK;
		say(ctx, "nothing to send: every record is as it was last "
		    "synced");
		if (state_run_set_phase(c.st, run.id, RUN_DONE, code, NULL,
					NULL, &ctx->err) < 0)
			goto fail;
	} else {
		code = load_dir(ctx, s->cfg, c.st, run.id, work, failures, 0,
				&load);
		if (code == BS_EXIT_OK && (t.rejected || earlier_records ||
					   ids))
			code = BS_EXIT_RECORDS;   /* ids: an --id sent nothing */
	}
	marks = marks_after_load(ctx, &c, manifest, load, code, &failed);
	if (failed)
		goto fail;
	if (code == BS_EXIT_OK || code == BS_EXIT_RECORDS)
		prune_runs(state_dir(c.st), run.id);
	if (ctx->json) {
		extra = json_pack("{s:o?, s:o?}", "ids_not_sent", ids,
				  "watermarks", marks);
		ids = marks = NULL;
		print_json(ctx, run.id, mode_name(o), resumed, manifest, load,
			   extra, code);
		load = resumed = NULL;   /* print_json took them */
	}
	goto out;
fail:
	code = cli_exit_for(ctx->err.kind);
	if (c.run)
		state_run_set_phase(c.st, c.run, RUN_FAILED, code, ctx->err.msg,
				    NULL, NULL);
out:
	json_decref(resumed);
	manifest_free(manifest);
	json_decref(load);
	json_decref(ids);
	json_decref(marks);
	free(work);
	free(failures);
	free(c.marks);
	free(c.id_sent);
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
