/* sync.c - a run's state machine against the sync state: resume what an
 * earlier run left, export what changed, load it, record the outcome (see
 * sync.h and docs/state.md). */
#include "sync_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/msg.h"
#include "export/bulkdir.h"
#include "export/export.h"
#include "formats/sbuf.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "deletes.h"
#include "session.h"
#include "syncdel.h"

#define FAILURES_NAME "failures.csv"

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

/* session_opts.keep_values of a run: its mapping says (mapping.h); an
 * object no mapping has any more keeps none. */
static int keeps_values(const void *maps, const char *object)
{
	const struct mapping *m = mapset_find(maps, object);

	return m && mapping_keep_values(m);
}

/* Loads run's directory (its upserts, then its delete jobs: syncdel.h) and
 * records the run's end (maps: the values of the records synced are kept
 * as their mappings say; NULL, an upload: left as they are); *report gets
 * the load's report (*loaded set) unless it stopped before loading, with
 * the delete jobs' in report->deletes_load.  verify: every bulk file is
 * checked against the manifest's sha256 first (a folder handed to
 * `upload`, which may have been copied or changed since its export).
 * Returns the outcome; err says why a load stopped (set only if it was
 * clear). */
static enum sync_outcome load_dir(const struct config *cfg,
				  const struct sync_env *env,
				  const struct mapset *maps, struct state *st,
				  long long run, const char *dir,
				  const char *failures, int resumed, int verify,
				  struct load_report *report, int *loaded,
				  struct bs_err *err)
{
	struct session_opts so = { failures, resumed, st, run, env->msg,
				   env->stop, 0, maps ? keeps_values : NULL,
				   maps };
	struct loader_summary sum;
	struct session *ses = NULL;
	struct bulkdir *bd, *dbd = NULL;
	struct load_report *dreport = NULL;
	unsigned long long dfailed = 0;
	struct bs_err lerr;
	enum state_run_phase phase;
	enum sync_outcome out;
	json_t *j;
	char *text;
	int rc;

	*loaded = 0;
	bs_err_clear(&lerr);
	bd = bulkdir_load(dir, err);
	if (!bd || (verify && bulkdir_verify(bd, env->stop, err) < 0) ||
	    syncdel_dir(dir, &dbd, err) < 0 ||
	    state_begin(st, err) < 0 ||
	    file_registered(st, run, bd, err) < 0 ||
	    (dbd && file_registered(st, run, dbd, err) < 0) ||
	    state_commit(st, err) < 0 ||
	    state_run_set_phase(st, run, RUN_LOADING, 0, NULL, NULL, err) < 0 ||
	    !(ses = session_new(bd, &so, err))) {
		/* stopped before sending anything: the run ends here, failed,
		   with why (its registered files, if any, still resume it) */
		state_rollback(st);
		state_run_set_phase(st, run, RUN_FAILED,
				    sync_code(env, SYNC_STOPPED, err),
				    err->msg, NULL, &lerr);
		bulkdir_free(bd);
		bulkdir_free(dbd);
		return SYNC_STOPPED;
	}
	rc = session_load(ses, cfg, &sum, &lerr);
	/* deletes go after the upserts, and only once they all ended */
	if (rc == 0 && dbd)
		rc = syncdel_load(cfg, env, st, run, dbd, failures, &dreport,
				  &dfailed, &lerr);
	out = rc < 0 ? SYNC_STOPPED : session_failures(ses) || dfailed ?
	      SYNC_DONE_RECORDS : SYNC_DONE;
	phase = rc == 0 ? RUN_DONE : lerr.kind == BS_E_LIMIT ? RUN_PAUSED :
		RUN_FAILED;
	*loaded = session_report(ses, &sum, sync_code(env, out, &lerr), &lerr,
				 report, err) == 0;
	if (*loaded) {
		report->deletes_load = dreport;
		dreport = NULL;
	}
	load_report_free(dreport);
	if (!*loaded) {   /* out of memory: what was loaded is recorded */
		out = SYNC_STOPPED;
		phase = RUN_FAILED;
	}
	j = *loaded ? load_report_json(report) : NULL;
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	/* the code of the error the caller gets: err's when set, else lerr */
	if (state_run_set_phase(st, run, phase, sync_code(env, out,
				err->kind != BS_E_NONE ? err : &lerr),
				rc < 0 ? lerr.msg : !*loaded ? err->msg : NULL,
				text, err) < 0)
		out = SYNC_STOPPED;
	free(text);
	if (*loaded && env->hooks.loaded)
		env->hooks.loaded(env->hooks.ctx, report);
	if (rc < 0 && err->kind == BS_E_NONE)
		*err = lerr;
	session_free(ses);
	bulkdir_free(bd);
	bulkdir_free(dbd);
	return out;
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

static struct state *open_state(const struct config *cfg, struct bs_err *err)
{
	char *dir = config_get_path(cfg, "state", "dir");
	struct state *st;

	if (!dir) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	st = state_open(dir, err);
	free(dir);
	return st;
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

const char *sync_mode_name(const struct sync_opts *o)
{
	switch (o->mode) {
	case SYNC_INCREMENTAL: return "incremental";
	case SYNC_FULL: return o->since || o->until ? "backfill" : "full";
	case SYNC_RETRY: return "retry";
	case SYNC_RESYNC: return "resync";
	}
	return "?";
}

/* ---- resuming ----------------------------------------------------------- */

/* Finishes what the last run left (res->continued: it loaded files).
 * Returns 0 to go on with a new run, 1 to go on but end at least
 * SYNC_DONE_RECORDS (records of the earlier run failed, or it was a
 * backfill, --full, retry or resync killed before it sent anything), or -1
 * to stop, err saying why (then res->run and res->mode are the earlier
 * run's). */
static int resume(const struct config *cfg, const struct sync_env *env,
		  const struct mapset *maps, struct state *st,
		  struct sync_result *res, struct bs_err *err)
{
	struct state_run ur;
	char *failures;
	enum sync_outcome out;
	int found;

	found = state_run_unfinished(st, &ur, err);
	if (found <= 0)
		return found;
	if (ur.phase == RUN_EXPORTING || !ur.work_dir[0]) {
		/* nothing was sent yet: a daily run is simply the next one;
		   a backfill, --full, retry or resync is not, and is said */
		int other = strcmp(ur.command, "run") ||
			    strcmp(ur.mode, "incremental") || ur.options[0];

		if (other)
			msg_warn(env->msg, "run %lld (billsync %s%s%s) stopped "
				 "while writing its bulk files, so none of it "
				 "was sent: run that command again", ur.id,
				 ur.command, ur.options[0] ? " " : "",
				 ur.options);
		else
			msg_note(env->msg, "run %lld stopped while writing its "
				 "bulk files; starting over", ur.id);
		if (state_run_set_phase(st, ur.id, RUN_FAILED, -1,
					"interrupted while writing bulk files",
					NULL, err) < 0)
			return -1;
		return other;   /* 1: the outcome says so */
	}
	res->run = ur.id;
	snprintf(res->mode, sizeof(res->mode), "%s", ur.mode);
	msg_note(env->msg, "continuing run %lld (%s, started %s): loading what "
		 "it left in %s", ur.id, ur.mode, ur.started_at, ur.work_dir);
	failures = join_path(ur.work_dir, FAILURES_NAME);
	if (!failures)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	out = load_dir(cfg, env, maps, st, ur.id, ur.work_dir, failures, 1, 0,
		       &res->continued_load, &res->continued, err);
	free(failures);
	if (out == SYNC_STOPPED)
		return -1;
	return out == SYNC_DONE_RECORDS;   /* go on */
}

/* ---- a new run ---------------------------------------------------------- */

/* Starts the run in the state and makes its directory's paths. */
static int begin_run(struct change *c, struct sync_result *res,
		     struct state_run *run, char **failures, struct bs_err *err)
{
	struct sbuf opts;
	char id[32];
	int r;

	sbuf_init(&opts, 0);
	options_text(c->o, &opts);
	if (sbuf_failed(&opts)) {       /* options_text's appends */
		sbuf_release(&opts);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	r = state_run_begin(c->st, c->o->mode == SYNC_RETRY ? "retry" :
			    c->o->mode == SYNC_RESYNC ? "resync" : "run",
			    sync_mode_name(c->o), opts.len ? opts.buf + 1 : "",
			    run, err);
	sbuf_release(&opts);
	if (r < 0)
		return -1;
	c->run = res->run = run->id;
	snprintf(res->mode, sizeof(res->mode), "%s", sync_mode_name(c->o));
	snprintf(id, sizeof(id), "runs/%lld", run->id);
	res->work_dir = join_path(state_dir(c->st), id);
	*failures = res->work_dir ? join_path(res->work_dir, FAILURES_NAME) :
		    NULL;
	if (!*failures)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return 0;
}

int sync_export_opts(const struct config *cfg, const struct sync_env *env,
		     struct change *c, const char *out_dir, const char *cap,
		     struct export_opts *eo, struct bs_err *err)
{
	memset(eo, 0, sizeof(*eo));
	eo->objects = c->o->objects;
	eo->nobjects = c->o->nobjects;
	if (export_opts_from_config(eo, cfg, err) < 0 ||
	    sync_marks_prepare(c, err) < 0)
		return -1;
	eo->out_dir = out_dir;
	eo->temp_dir = config_get(cfg, "output", "temp_dir");
	eo->stop = env->stop;
	eo->keep = sync_keep_row;
	eo->skipped = sync_skip_row;
	eo->held = sync_held_row;
	eo->keep_ctx = c;
	eo->since = c->o->since;
	eo->until = c->o->until;
	eo->watermark_floor = sync_mark_floor;
	eo->watermark_cap = cap;
	eo->progress = env->hooks.export_progress;
	eo->tick = env->hooks.export_tick;
	eo->progress_ctx = env->hooks.ctx;
	eo->errs = env->errs;
	return 0;
}

/* Writes the bulk files of what is to be sent (res->manifest). */
static int export_changes(const struct config *cfg, const struct mapset *maps,
			  const struct sync_env *env, struct change *c,
			  const struct state_run *run, struct sync_result *res,
			  struct bs_err *err)
{
	struct export_opts eo;
	int rc;

	if (sync_export_opts(cfg, env, c, res->work_dir, run->started_at, &eo,
			     err) < 0)
		return -1;
	eo.unchanged = &sync_unchanged;   /* plan asks keep of every row */
	c->del = syncdel_new(c->st, maps, c->o, err);
	if (!c->del && err->kind != BS_E_NONE)
		return -1;
	if (state_run_set_work_dir(c->st, run->id, res->work_dir, err) < 0 ||
	    state_begin(c->st, err) < 0)
		return -1;
	rc = export_run(cfg, maps, &eo, &res->manifest, err);
	if (rc < 0) {
		/* nothing was sent: every record as it was (issue 13) */
		state_rollback(c->st);
		return -1;
	}
	if (state_commit(c->st, err) < 0)
		return -1;
	if (env->hooks.exported)
		env->hooks.exported(env->hooks.ctx, res);
	return 0;
}

/* Copies the deletes planned into res (what `run --json` says of them). */
static int keep_plans(const struct deletes *d, struct sync_result *res)
{
	const struct delete_plan *p;
	size_t n = deletes_plans(d, &p);

	res->deletes = n ? malloc(n * sizeof(*p)) : NULL;
	if (n && !res->deletes)
		return -1;
	if (n)
		memcpy(res->deletes, p, n * sizeof(*p));
	res->ndeletes = n;
	return 0;
}

/* Loads what the export wrote (or records that there was nothing to
 * send): *out says how that ended (SYNC_STOPPED: err says why); -1 with
 * err when it could not start. */
static int load_changes(const struct config *cfg, const struct sync_env *env,
			struct change *c, const char *failures,
			int earlier_records, struct sync_result *res,
			enum sync_outcome *out, struct bs_err *err)
{
	struct manifest_totals t;
	unsigned long long drows = 0;
	char *ddir;
	int rc, records;

	manifest_totals(res->manifest, &t);
	if (c->del) {
		ddir = join_path(res->work_dir, SYNCDEL_DIR);
		if (!ddir)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		rc = syncdel_prepare(env->msg, c->del, c->o, c->run,
				     res->manifest, ddir, &drows,
				     &res->deletes_held, err);
		free(ddir);
		if (rc < 0)
			return -1;
		if (keep_plans(c->del, res) < 0)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	/* nids: an --id sent nothing */
	records = t.rejected || earlier_records || res->nids;
	if (!t.written && !drows) {
		*out = records ? SYNC_DONE_RECORDS : SYNC_DONE;
		msg_note(env->msg, "nothing to send: every record is as it "
			 "was last synced");
		return state_run_set_phase(c->st, c->run, RUN_DONE,
					   sync_code(env, *out, err), NULL,
					   NULL, err);
	}
	*out = load_dir(cfg, env, c->maps, c->st, c->run, res->work_dir,
			failures, 0, 0, &res->load, &res->loaded, err);
	if (*out == SYNC_DONE && records)
		*out = SYNC_DONE_RECORDS;
	return 0;
}

enum sync_outcome sync_precheck(const struct config *cfg,
				const struct mapset *maps,
				const struct sync_opts *o,
				const struct sync_env *env, int check_sf,
				struct bs_err *err)
{
	struct export_opts eo;

	memset(&eo, 0, sizeof(eo));
	eo.objects = o->objects;
	eo.nobjects = o->nobjects;
	if (export_check_objects(maps, &eo, err) < 0)
		return SYNC_STOPPED;
	if (sync_refuse_inserts(maps, o, env->errs, err) < 0)
		return SYNC_REFUSED;
	if (syncdel_check_allow(maps, o, err) < 0 ||
	    (check_sf && session_check_config(cfg, err) < 0))
		return SYNC_STOPPED;
	return SYNC_DONE;
}

/* Sets res's outcome and its exit code; returns -1 (sync_run: stopped). */
static int ended(const struct sync_env *env, struct sync_result *res,
		 enum sync_outcome out, const struct bs_err *err)
{
	res->outcome = out;
	res->code = sync_code(env, out, err);
	return -1;
}

int sync_run(const struct config *cfg, const struct mapset *maps,
	     const struct sync_opts *o, const struct sync_env *env,
	     struct sync_result *res, struct bs_err *err)
{
	struct change c;
	struct state_run run;
	char *failures = NULL;
	enum sync_outcome out;
	int earlier_records, reported = 0;

	sync_result_init(res);
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.maps = maps;
	c.msg = env->msg;
	out = sync_precheck(cfg, maps, o, env, 1, err);
	if (out != SYNC_DONE)
		return ended(env, res, out, err);
	c.id_sent = calloc(o->nids ? o->nids : 1, 1);
	if (!c.id_sent) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return ended(env, res, SYNC_STOPPED, err);
	}
	c.st = open_state(cfg, err);
	if (!c.st) {
		free(c.id_sent);
		return ended(env, res, SYNC_STOPPED, err);
	}
	earlier_records = resume(cfg, env, maps, c.st, res, err);
	if (earlier_records < 0) {
		/* the continued run stopped again: its report is the answer */
		res->continued_only = 1;
		reported = res->continued;
		out = SYNC_STOPPED;
		goto out;
	}
	if (begin_run(&c, res, &run, &failures, err) < 0 ||
	    export_changes(cfg, maps, env, &c, &run, res, err) < 0 ||
	    sync_marks_before_load(&c, res->manifest, err) < 0 ||
	    sync_ids_not_sent(&c, res, err) < 0)   /* before loading: the
						      statuses are the export's */
		goto fail;
	if (load_changes(cfg, env, &c, failures, earlier_records, res, &out,
			 err) < 0 ||
	    sync_marks_after_load(&c, res->manifest, res->loaded ? &res->load :
				  NULL, out, res, err) < 0)
		goto fail;
	if (res->deletes_held && (out == SYNC_DONE ||
				  out == SYNC_DONE_RECORDS))
		out = SYNC_DONE_DELETES;   /* an object's deletes were held */
	if (out != SYNC_STOPPED)
		sync_prune_runs(c.st, c.run);
	reported = 1;
	goto out;
fail:
	out = SYNC_STOPPED;
	if (c.run)
		state_run_set_phase(c.st, c.run, RUN_FAILED,
				    sync_code(env, out, err), err->msg, NULL,
				    NULL);
out:
	ended(env, res, out, err);
	{
		struct bs_err e;   /* the state then holds the exit code the
				      process exits with (as good as it can) */

		if (c.run)
			state_run_set_exit(c.st, c.run, res->code, &e);
	}
	free(failures);
	free(c.marks);
	free(c.id_sent);
	deletes_free(c.del);
	state_close(c.st);
	return reported ? 0 : -1;
}

int sync_record_exit(const struct config *cfg, long long run, int code,
		     struct bs_err *err)
{
	struct state *st = open_state(cfg, err);
	int rc;

	if (!st)
		return -1;
	rc = state_run_set_exit(st, run, code, err);
	state_close(st);
	return rc;
}

/* ---- upload ------------------------------------------------------------- */

/* The upload's run: the unfinished upload of the same directory, or a new
 * one (an unfinished run of anything else is closed first).  1 (and a
 * warning) when the directory was loaded already: nothing to do without
 * restart. */
static int upload_run(const struct sync_env *env, struct state *st,
		      const char *dir, int restart, struct state_run *run,
		      int *resumed, struct sync_result *res,
		      struct bs_err *err)
{
	int found = state_run_unfinished(st, run, err), code;
	char *finished = res->loaded_finished;

	*resumed = 0;
	if (found < 0)
		return -1;
	if (found && !restart && !strcmp(run->command, "upload") &&
	    !strcmp(run->work_dir, dir)) {
		*resumed = 1;
		msg_note(env->msg, "continuing the upload of %s (run %lld, "
			 "started %s)", dir, run->id, run->started_at);
		return 0;
	}
	if (!found && !restart) {
		found = state_run_last_done(st, "upload", dir, run, &code,
					    finished, err);
		if (found < 0)
			return -1;
		if (found) {
			msg_warn(env->msg, "%s was already loaded by run %lld "
				 "(finished %s, exit %d: %s): nothing sent; "
				 "--restart loads it again", dir, run->id,
				 finished, code, code ? "some records failed; "
				 "see 'billsync records --status failed'" :
				 "every record loaded");
			res->already_loaded = 1;
			res->loaded_code = code;
			return 1;
		}
	}
	if (found && state_run_set_phase(st, run->id, RUN_FAILED, -1,
					 "left unfinished: a newer run started",
					 NULL, err) < 0)
		return -1;
	if (state_run_begin(st, "upload", "upload", dir, run, err) < 0 ||
	    state_run_set_work_dir(st, run->id, dir, err) < 0)
		return -1;
	return 0;
}

int sync_upload(const struct config *cfg, const char *dir,
		const char *failures, int restart, const struct sync_env *env,
		struct sync_result *res, struct bs_err *err)
{
	struct state *st;
	struct state_run run;
	char real[PATH_MAX], *fail_path = NULL;
	int resumed = 0;

	sync_result_init(res);
	snprintf(res->mode, sizeof(res->mode), "upload");
	if (session_check_config(cfg, err) < 0)
		return ended(env, res, SYNC_STOPPED, err);
	st = open_state(cfg, err);
	if (!st)
		return ended(env, res, SYNC_STOPPED, err);
	/* into a buffer of ours: realpath's own allocation would be one the
	 * allocation-failure tests cannot fail */
	if (!realpath(dir, real)) {
		bs_err_at(err, BS_E_INPUT, dir, 0, "cannot open: %s",
			  strerror(errno));
		goto fail;
	}
	switch (upload_run(env, st, real, restart, &run, &resumed, res, err)) {
	case -1:
		goto fail;
	case 1:
		res->run = run.id;
		ended(env, res, SYNC_DONE, err);
		goto out;
	}
	res->run = run.id;
	fail_path = failures ? strdup(failures) : join_path(real, FAILURES_NAME);
	if (!fail_path) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto fail;
	}
	ended(env, res, load_dir(cfg, env, NULL, st, run.id, real, fail_path,
				   resumed, 1, &res->load, &res->loaded, err),
		err);
	if (state_run_set_exit(st, run.id, res->code, err) < 0)
		ended(env, res, SYNC_STOPPED, err);
	goto out;
fail:
	ended(env, res, SYNC_STOPPED, err);
out:
	free(fail_path);
	state_close(st);
	return res->loaded ? 0 : -1;
}
