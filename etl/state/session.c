/* session.c - loading an export directory with progress, summaries, a
 * failures file and the sync state's ledger (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "export/bulkdir.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/msg.h"
#include "load/progress.h"
#include "sf/http.h"
#include "sf/sf_auth.h"
#include "state.h"

#define DRAW_EVERY_MS 150
#define OUTCOME_BATCH 10000     /* record outcomes per commit */

struct session {
	struct msg *msg;
	volatile sig_atomic_t *stop;
	const struct bulkdir *bd;
	struct state *state;         /* the ledger; NULL: none */
	long long run;
	int deletes;                 /* session_opts.deletes */
	int (*keep_values)(const void *ctx, const char *object);
	const void *keep_ctx;        /* session_opts.keep_values, keep_ctx */
	unsigned long batched;       /* outcomes in the open transaction */
	struct sbuf row;             /* a failures CSV row being encoded */
	struct load_report rep;      /* objects in bd's order, and jobs */
	char *failures_path;
	FILE *failures;
	int failures_append;
	unsigned long long failures_n;
	int display;                 /* progress is drawn (msg_has_display) */
	int drawn;
	unsigned long long last_draw;
	struct rate rate;            /* rows processed per second, ETA */
	struct loader_progress prog;
};

/* ---- progress display -------------------------------------------- */

static void draw(struct session *u, int force)
{
	unsigned long long now = clock_now_ms();
	struct sbuf sb;

	if (!u->display || (!force && now - u->last_draw < DRAW_EVERY_MS))
		return;
	u->last_draw = now;
	sbuf_init(&sb, 0);
	load_progress_line(&sb, &u->prog, &u->rate, now);
	/* Best-effort display: a line that ran out of memory is not drawn
	 * (the next draw shows the counters) rather than drawn short. */
	if (!sbuf_failed(&sb)) {
		msg_progress(u->msg, "%s", sb.buf);
		u->drawn = 1;
	}
	sbuf_release(&sb);
}

/* ---- loader hooks ------------------------------------------------- */

static int on_file_start(void *ctx, const struct loader_file *f,
			 enum loader_start *start, char job_id[SF_ID_SIZE],
			 struct bs_err *err)
{
	struct session *u = ctx;
	enum state_file_status fs;
	char job[32];
	int known;

	if (!u->state)
		return 0;
	known = state_file_get(u->state, u->run, f->path, &fs, job, err);
	if (known < 0)
		return -1;
	if (!known)
		return state_file_add(u->state, u->run, f->path, f->object,
				      f->rows, err);
	if (fs == FILE_DONE || fs == FILE_FAILED) {
		*start = LOADER_START_SKIP;
		msg_line(u->msg, "%s: loaded by an earlier run; skipped", f->path);
	} else if (job[0]) {
		*start = LOADER_START_RESUME;
		snprintf(job_id, SF_ID_SIZE, "%s", job);
		msg_line(u->msg, "%s: resuming job %s", f->path, job_id);
	}
	return 0;
}

static int remember_job(struct session *u, const struct loader_job *j,
			struct bs_err *err)
{
	struct load_report_job *l = load_report_job(&u->rep, j->job_id);

	if (!l || (!l->file && !(l->file = strdup(j->file->path))))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	free(l->state);
	free(l->error_message);
	l->state = strdup(sf_job_state_name(j->state));
	l->error_message = strdup(j->error_message);
	if (!l->state || !l->error_message)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	l->attempt = j->attempt;
	l->rows = j->rows;
	return 0;
}

static int on_job_created(void *ctx, const struct loader_job *j,
			  struct bs_err *err)
{
	struct session *u = ctx;

	if (u->state && state_job_add(u->state, u->run, j->file->path,
				      j->job_id, j->attempt, j->rows,
				      j->file->object, err) < 0)
		return -1;
	if (msg_is_verbose(u->msg) || !u->display)
		msg_line(u->msg, "%s: job %s created (%s%llu rows, %s)", j->file->path,
		      j->job_id, j->attempt ? "re-sending rows, " : "",
		      j->rows, j->gzip ? "gzip" : "uncompressed");
	return remember_job(u, j, err);
}

static int on_job_state(void *ctx, const struct loader_job *j,
			struct bs_err *err)
{
	struct session *u = ctx;

	if (u->state && state_job_update(u->state, j->job_id,
					 sf_job_state_name(j->state), j->processed,
					 j->failed, j->error_message, err) < 0)
		return -1;
	if (msg_is_verbose(u->msg) || (!u->display && sf_job_state_final(j->state)))
		msg_line(u->msg, "%s: job %s %s (%llu processed, %llu failed)%s%s",
		      j->file->path, j->job_id, sf_job_state_name(j->state),
		      j->processed, j->failed, j->error_message[0] ? ": " : "",
		      j->error_message);
	return remember_job(u, j, err);
}

static const char *const failure_columns[] = {
	"object", "source", "line", "key", "status", "error_code",
	"error_message", "error_fields", "sf_id", "job_id", "record"
};

#define NFAILURE_COLUMNS (sizeof(failure_columns) / sizeof(failure_columns[0]))

static int open_failures(struct session *u, struct bs_err *err)
{
	struct sbuf head;
	int r = 0;

	u->failures = fopen(u->failures_path, u->failures_append ? "a" : "w");
	if (!u->failures)
		return bs_err_set(err, BS_E_IO, "cannot write '%s': %s",
				  u->failures_path, strerror(errno));
	if (u->failures_append && ftell(u->failures) != 0)
		return 0;
	sbuf_init(&head, 0);
	if (csvw_record_strs(&head, failure_columns, NULL, NFAILURE_COLUMNS,
			     CSVW_SPREADSHEET, err) < 0)
		r = -1;   /* out of memory, said in err */
	else if (fwrite(head.buf, 1, head.len, u->failures) != head.len)
		r = bs_err_set(err, BS_E_IO, "cannot write '%s'",
			       u->failures_path);
	sbuf_release(&head);
	return r;
}

/* The record as Salesforce echoed it, as a JSON object. */
static char *record_json(const struct loader_record *r)
{
	json_t *o = json_object();
	char *s;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < r->ncols; i++) {
		json_t *v = json_stringn(r->values[i].s, r->values[i].len);

		if (v)
			json_object_set_new(o, r->names[i], v);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* One failed or unprocessed record: where it came from, Salesforce's
 * error, and the record.  Made for people: spreadsheet-safe cells. */
static int write_failure(struct session *u, const struct loader_record *r,
			 struct bs_err *err)
{
	const char *cells[NFAILURE_COLUMNS];
	char line[32];
	char *rec;
	int rc = 0;

	if (!u->failures && open_failures(u, err) < 0)
		return -1;
	snprintf(line, sizeof(line), "%lu", r->line);
	rec = record_json(r);
	cells[0] = r->file->object;
	cells[1] = r->source;
	cells[2] = r->line ? line : "";
	cells[3] = r->key;
	cells[4] = r->outcome == LOADER_FAILED ? "failed" : "unprocessed";
	cells[5] = r->error_code;
	cells[6] = r->error_message;
	cells[7] = r->error_fields;
	cells[8] = r->sf_id;
	cells[9] = r->job_id;
	cells[10] = rec ? rec : "";
	sbuf_reset(&u->row);
	if (csvw_record_strs(&u->row, cells, NULL, NFAILURE_COLUMNS,
			     CSVW_SPREADSHEET, err) < 0)
		rc = -1;   /* out of memory, said in err */
	else if (fwrite(u->row.buf, 1, u->row.len, u->failures) != u->row.len)
		rc = bs_err_set(err, BS_E_IO, "cannot write '%s'",
				u->failures_path);
	free(rec);
	u->failures_n++;
	return rc;
}

/* A delete of an Id Salesforce no longer has (in the recycle bin, or
 * removed for good) did what it was for: a resumed run never fails on
 * its own earlier work. */
static int already_gone(const struct loader_record *r)
{
	return r->outcome == LOADER_FAILED && r->error_code &&
	       (!strcmp(r->error_code, "ENTITY_IS_DELETED") ||
		!strcmp(r->error_code, "INVALID_CROSS_REFERENCE_KEY"));
}

/* The state's word on one record of a file. */
static int record_outcome(struct session *u, const struct loader_record *r,
			  int ok, struct bs_err *err)
{
	char msg[SF_JOB_MESSAGE_MAX + 64];

	if (!u->deletes)
		return state_record_outcome(u->state, u->run, r->file->object,
					    r->key, ok, r->sf_id,
					    r->error_code, r->error_message,
					    err);
	if (!already_gone(r))
		return state_delete_outcome(u->state, u->run, r->file->object,
					    r->key, ok, ok ? NULL :
					    r->error_code, ok ? NULL :
					    r->error_message, err);
	snprintf(msg, sizeof(msg), "already gone from Salesforce: %s",
		 r->error_message ? r->error_message : "");
	return state_delete_outcome(u->state, u->run, r->file->object, r->key,
				    1, r->error_code, msg, err);
}

/* A record synced: its values as Salesforce took them are kept (or its
 * object's forgotten, when its mapping keeps none). */
static int keep_values(struct session *u, const struct loader_record *r,
		       struct bs_err *err)
{
	const char *object = r->file->object;

	if (!u->keep_values)
		return 0;
	if (!u->keep_values(u->keep_ctx, object))
		return state_values_forget_object(u->state, object, err);
	return state_values_keep(u->state, object, r->key, r->ncols, r->names,
				 r->values, err);
}

static int on_record(void *ctx, const struct loader_record *r,
		     struct bs_err *err)
{
	struct session *u = ctx;
	struct load_report_object *o = load_report_object(&u->rep,
								    r->file->object, 0);
	int ok = r->outcome == LOADER_CREATED || r->outcome == LOADER_UPDATED ||
		 (u->deletes && already_gone(r));

	/* outcomes are written in batches: one commit per record would cost
	   a sync of the disk each; a file is marked done only after a commit
	   of everything before it (state.h), and the results of a file not
	   done are read again on resume */
	if (u->state && r->key[0] &&
	    (state_begin(u->state, err) < 0 ||
	     record_outcome(u, r, ok, err) < 0 ||
	     (ok && !u->deletes && keep_values(u, r, err) < 0) ||
	     (++u->batched % OUTCOME_BATCH == 0 &&
	      state_commit(u->state, err) < 0)))
		return -1;
	if (ok && u->deletes) {
		o->updated++;   /* shown as deleted */
		return 0;
	}
	switch (r->outcome) {
	case LOADER_CREATED: o->created++; return 0;
	case LOADER_UPDATED: o->updated++; return 0;
	case LOADER_FAILED:
		o->failed++;
		if (load_report_count_code(o, r->error_code) < 0)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		break;
	case LOADER_UNPROCESSED:
		o->unprocessed++;
		break;
	}
	return write_failure(u, r, err);
}

static int on_file_done(void *ctx, const struct loader_file *f,
			const struct loader_file_result *res,
			struct bs_err *err)
{
	struct session *u = ctx;
	struct load_report_object *o = load_report_object(&u->rep,
								    f->object, 0);

	switch (res->status) {
	case LOADER_FILE_DONE:
	case LOADER_FILE_FAILED:
		o->files++;
		o->sent += f->rows;
		if (u->state && state_file_set(u->state, u->run, f->path,
					       res->status == LOADER_FILE_DONE ?
					       FILE_DONE : FILE_FAILED, err) < 0)
			return -1;
		if (res->status == LOADER_FILE_FAILED)
			msg_line(u->msg, "%s: %s", f->path, res->message);
		else if (!u->display || msg_is_verbose(u->msg))
			msg_line(u->msg, "%s: done: %llu created, %llu updated, %llu "
			      "failed, %llu unprocessed", f->path, res->created,
			      res->updated, res->failed, res->unprocessed);
		break;
	case LOADER_FILE_UNFINISHED:
		msg_line(u->msg, "%s: not finished%s%s", f->path,
		      res->message[0] ? ": " : "", res->message);
		if (u->state && state_file_set(u->state, u->run, f->path,
					       FILE_UNFINISHED, err) < 0)
			return -1;
		break;
	case LOADER_FILE_SKIPPED:
		break;
	}
	return 0;
}

static void on_progress(void *ctx, const struct loader_progress *p)
{
	struct session *u = ctx;

	u->prog = *p;
	draw(u, 0);
}

static void on_note(void *ctx, const struct loader_file *f, const char *msg)
{
	struct session *u = ctx;

	if (f)
		msg_line(u->msg, "%s: %s", f->path, msg);
	else
		msg_line(u->msg, "%s", msg);
}

/* ---- the report --------------------------------------------------- */

int session_report(struct session *u, const struct loader_summary *s,
		   int code, const struct bs_err *why, struct load_report *out,
		   struct bs_err *err)
{
	struct load_report *r = &u->rep;

	r->exit_code = code;
	r->deletes = u->deletes;
	free(r->error);
	r->error = NULL;
	if (why && why->kind != BS_E_NONE && !(r->error = strdup(why->msg)))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	r->files_total = s->files_total;
	r->files_loaded = s->files_done + s->files_failed;
	r->files_failed = s->files_failed;
	r->files_skipped = s->files_skipped;
	r->files_unfinished = s->files_unfinished;
	r->jobs_created = s->jobs;
	r->api_calls = s->api_calls;
	r->logins = s->logins;
	r->api_max = s->api_max;
	r->api_remaining = s->api_remaining;
	r->batches_max = s->batches_max;
	r->batches_remaining = s->batches_remaining;
	r->failures = u->failures_n;
	free(r->failures_csv);
	r->failures_csv = strdup(u->failures_path);
	if (!r->failures_csv)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	*out = *r;
	load_report_init(r);
	return 0;
}

/* ---- the session --------------------------------------------------- */

struct session *session_new(const struct bulkdir *bd,
			    const struct session_opts *o, struct bs_err *err)
{
	struct session *u = calloc(1, sizeof(*u));
	size_t i;

	if (!u)
		goto oom;
	u->msg = o->msg;
	u->stop = o->stop;
	u->bd = bd;
	u->state = o->state;
	u->run = o->run;
	u->deletes = o->deletes;
	u->keep_values = o->keep_values;
	u->keep_ctx = o->keep_ctx;
	u->display = msg_has_display(o->msg);
	u->failures_append = o->append_failures;
	sbuf_init(&u->row, 0);
	load_report_init(&u->rep);
	u->failures_path = strdup(o->failures_path);
	if (!u->failures_path)
		goto oom;
	for (i = 0; i < bd->nobjects; i++) {
		struct load_report_object *ro = load_report_object(
			&u->rep, bd->objects[i].object, 1);

		if (!ro || (!ro->operation &&
			    !(ro->operation = strdup(bd->objects[i].operation))))
			goto oom;
	}
	if (!u->failures_append && unlink(u->failures_path) != 0 &&
	    errno != ENOENT) {
		bs_err_set(err, BS_E_IO, "cannot remove '%s': %s",
			   u->failures_path, strerror(errno));
		session_free(u);
		return NULL;
	}
	return u;
oom:
	session_free(u);
	bs_err_set(err, BS_E_NOMEM, "out of memory");
	return NULL;
}

void session_free(struct session *u)
{
	if (!u)
		return;
	if (u->failures)
		fclose(u->failures);
	load_report_release(&u->rep);
	free(u->failures_path);
	sbuf_release(&u->row);
	free(u);
}

int session_check_config(const struct config *cfg, struct bs_err *err)
{
	struct loader_opts o;
	struct sf_auth *auth;

	if (loader_opts_from_config(cfg, &o, err) < 0)
		return -1;
	loader_opts_release(&o);
	auth = sf_auth_from_config(cfg, err);
	sf_auth_free(auth);
	return auth ? 0 : -1;
}

int session_load(struct session *u, const struct config *cfg,
		 struct loader_summary *sum, struct bs_err *err)
{
	struct loader_hooks hooks = {
		u, on_file_start, on_job_created, on_job_state, on_record,
		on_file_done, on_progress, on_note
	};
	struct loader_opts o;
	struct sf_auth *auth = NULL;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	if (loader_opts_from_config(cfg, &o, err) < 0)
		goto out;
	o.stop = u->stop;
	auth = sf_auth_from_config(cfg, err);
	rate_init(&u->rate, clock_now_ms());
	if (auth && http_global_init(err) == 0) {
		rc = loader_run(u->bd, auth, &o, &hooks, sum, err);
		http_global_cleanup();
	}
	if (u->state && state_commit(u->state, rc < 0 ? NULL : err) < 0)
		rc = -1;
	sf_auth_free(auth);
	loader_opts_release(&o);
out:
	if (u->drawn) {
		draw(u, 1);
		msg_progress_done(u->msg);
		u->drawn = 0;
	}
	if (u->failures && fflush(u->failures) != 0 && rc == 0)
		rc = bs_err_set(err, BS_E_IO, "cannot write '%s'",
				u->failures_path);
	return rc;
}

unsigned long long session_failures(const struct session *u)
{
	return u->failures_n;
}

const char *session_failures_path(const struct session *u)
{
	return u->failures_path;
}
