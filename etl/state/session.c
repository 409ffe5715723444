/* session.c - loading an export directory with progress, summaries, a
 * failures file and the sync state's ledger (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "export/bulkdir.h"
#include "base/clock.h"
#include "base/config.h"
#include "sf/http.h"
#include "sf/sf_auth.h"
#include "state.h"

#define DRAW_EVERY_MS 150
#define OUTCOME_BATCH 10000     /* record outcomes per commit */

struct code_count {
	char *code;
	unsigned long long n;
};

/* Per-object counts for the summary. */
struct obj_stats {
	const char *object;
	const char *operation;
	size_t files;
	unsigned long long sent, created, updated, failed, unprocessed;
	struct code_count *codes;   /* failed records by error code */
	size_t ncodes;
};

/* A job's last known state, for the --json report. */
struct job_line {
	char file[512];
	char job_id[SF_ID_SIZE];
	unsigned attempt;
	unsigned long long rows;
	enum sf_job_state state;
	char error[SF_JOB_MESSAGE_MAX];
};

struct session {
	struct bs_ctx *ctx;
	const struct bulkdir *bd;
	struct state *state;         /* the ledger; NULL: none */
	long long run;
	unsigned long batched;       /* outcomes in the open transaction */
	struct sbuf row;             /* a failures CSV row being encoded */
	struct obj_stats *objs;
	struct job_line *jobs;
	size_t njobs, jobs_alloc;
	char *failures_path;
	FILE *failures;
	int failures_append;
	unsigned long long failures_n;
	int display;                 /* a progress line is on the terminal */
	int drawn;
	unsigned long long last_draw;
	struct loader_progress prog;
};

/* ---- output helpers ---------------------------------------------- */

static void say(struct session *u, const char *fmt, ...) BS_PRINTF(2, 3);

/* A log line on stderr (clearing the progress line first). */
static void say(struct session *u, const char *fmt, ...)
{
	va_list ap;

	if (u->ctx->quiet)
		return;
	if (u->drawn) {
		fputs("\r\033[K", u->ctx->log);
		u->drawn = 0;
	}
	va_start(ap, fmt);
	vfprintf(u->ctx->log, fmt, ap);
	va_end(ap);
	fputc('\n', u->ctx->log);
	fflush(u->ctx->log);
}

static struct obj_stats *stats_for(struct session *u, const char *object)
{
	size_t i;

	for (i = 0; i < u->bd->nobjects; i++)
		if (!strcmp(u->objs[i].object, object))
			return &u->objs[i];
	return NULL;
}

static int count_code(struct obj_stats *o, const char *code)
{
	struct code_count *c;
	size_t i;

	if (!code || !*code)
		code = "(none)";
	for (i = 0; i < o->ncodes; i++) {
		if (!strcmp(o->codes[i].code, code)) {
			o->codes[i].n++;
			return 0;
		}
	}
	c = realloc(o->codes, (o->ncodes + 1) * sizeof(*c));
	if (!c)
		return -1;
	o->codes = c;
	c[o->ncodes].code = strdup(code);
	if (!c[o->ncodes].code)
		return -1;
	c[o->ncodes++].n = 1;
	return 0;
}

/* ---- progress display -------------------------------------------- */

static void draw(struct session *u, int force)
{
	const struct loader_progress *p = &u->prog;
	unsigned long long now = clock_now_ms();
	int s;

	if (!u->display || (!force && now - u->last_draw < DRAW_EVERY_MS))
		return;
	u->last_draw = now;
	fprintf(u->ctx->log, "\r\033[Kfiles %zu/%zu  rows %llu/%llu  created %llu  "
		"updated %llu  failed %llu  unprocessed %llu  api calls %llu  jobs:",
		p->files_done, p->files_total, p->rows_processed, p->rows_total,
		p->created, p->updated, p->failed, p->unprocessed, p->api_calls);
	for (s = 0; s <= SF_JOB_ABORTED; s++)
		if (p->jobs_in_state[s])
			fprintf(u->ctx->log, " %u %s", p->jobs_in_state[s],
				s ? sf_job_state_name((enum sf_job_state)s) :
				    "starting");
	if (!p->jobs_running)
		fputs(" none", u->ctx->log);
	fflush(u->ctx->log);
	u->drawn = 1;
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
		say(u, "%s: loaded by an earlier run; skipped", f->path);
	} else if (job[0]) {
		*start = LOADER_START_RESUME;
		snprintf(job_id, SF_ID_SIZE, "%s", job);
		say(u, "%s: resuming job %s", f->path, job_id);
	}
	return 0;
}

static struct job_line *job_line(struct session *u, const struct loader_job *j)
{
	size_t i;

	for (i = 0; i < u->njobs; i++)
		if (!strcmp(u->jobs[i].job_id, j->job_id))
			return &u->jobs[i];
	if (u->njobs == u->jobs_alloc) {
		size_t na = u->jobs_alloc ? u->jobs_alloc * 2 : 16;
		struct job_line *nj = realloc(u->jobs, na * sizeof(*nj));

		if (!nj)
			return NULL;
		u->jobs = nj;
		u->jobs_alloc = na;
	}
	memset(&u->jobs[u->njobs], 0, sizeof(u->jobs[0]));
	snprintf(u->jobs[u->njobs].job_id, SF_ID_SIZE, "%s", j->job_id);
	snprintf(u->jobs[u->njobs].file, sizeof(u->jobs[0].file), "%s",
		 j->file->path);
	return &u->jobs[u->njobs++];
}

static int remember_job(struct session *u, const struct loader_job *j,
			struct bs_err *err)
{
	struct job_line *l = job_line(u, j);

	if (!l)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	l->attempt = j->attempt;
	l->rows = j->rows;
	l->state = j->state;
	snprintf(l->error, sizeof(l->error), "%s", j->error_message);
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
	if (u->ctx->verbose || !u->display)
		say(u, "%s: job %s created (%s%llu rows, %s)", j->file->path,
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
	if (u->ctx->verbose || (!u->display && sf_job_state_final(j->state)))
		say(u, "%s: job %s %s (%llu processed, %llu failed)%s%s",
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
			     CSVW_SPREADSHEET, err) < 0 ||
	    fwrite(head.buf, 1, head.len, u->failures) != head.len)
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
			     CSVW_SPREADSHEET, err) < 0 ||
	    fwrite(u->row.buf, 1, u->row.len, u->failures) != u->row.len)
		rc = bs_err_set(err, BS_E_IO, "cannot write '%s'",
				u->failures_path);
	free(rec);
	u->failures_n++;
	return rc;
}

static int on_record(void *ctx, const struct loader_record *r,
		     struct bs_err *err)
{
	struct session *u = ctx;
	struct obj_stats *o = stats_for(u, r->file->object);
	int ok = r->outcome == LOADER_CREATED || r->outcome == LOADER_UPDATED;

	/* outcomes are written in batches: one commit per record would cost
	   a sync of the disk each; a file is marked done only after a commit
	   of everything before it (state.h), and the results of a file not
	   done are read again on resume */
	if (u->state && r->key[0] &&
	    (state_begin(u->state, err) < 0 ||
	     state_record_outcome(u->state, u->run, r->file->object, r->key,
				  ok, r->sf_id, r->error_code,
				  r->error_message, err) < 0 ||
	     (++u->batched % OUTCOME_BATCH == 0 &&
	      state_commit(u->state, err) < 0)))
		return -1;
	switch (r->outcome) {
	case LOADER_CREATED: o->created++; return 0;
	case LOADER_UPDATED: o->updated++; return 0;
	case LOADER_FAILED:
		o->failed++;
		if (count_code(o, r->error_code) < 0)
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
	struct obj_stats *o = stats_for(u, f->object);

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
			say(u, "%s: %s", f->path, res->message);
		else if (!u->display || u->ctx->verbose)
			say(u, "%s: done: %llu created, %llu updated, %llu "
			      "failed, %llu unprocessed", f->path, res->created,
			      res->updated, res->failed, res->unprocessed);
		break;
	case LOADER_FILE_UNFINISHED:
		say(u, "%s: not finished%s%s", f->path,
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
		say(u, "%s: %s", f->path, msg);
	else
		say(u, "%s", msg);
}

/* ---- reports ------------------------------------------------------ */

static void print_summary(struct session *u, const struct loader_summary *s)
{
	FILE *out = u->ctx->out;
	unsigned long long t[5] = { 0, 0, 0, 0, 0 };
	size_t i, k;

	fprintf(out, "%-32s %10s %10s %10s %10s %12s\n", "object", "sent",
		"created", "updated", "failed", "unprocessed");
	for (i = 0; i < u->bd->nobjects; i++) {
		const struct obj_stats *o = &u->objs[i];

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
	fprintf(out, "%zu of %zu files loaded (%zu skipped, %zu not finished), "
		"%u jobs, %llu API calls\n", s->files_done + s->files_failed,
		s->files_total, s->files_skipped, s->files_unfinished, s->jobs,
		s->api_calls);
	if (u->failures_n)
		fprintf(out, "%llu records failed or were not processed: see %s\n",
			u->failures_n, u->failures_path);
}

static json_t *objects_json(const struct session *u)
{
	json_t *a = json_array();
	size_t i, k;

	for (i = 0; a && i < u->bd->nobjects; i++) {
		const struct obj_stats *o = &u->objs[i];
		json_t *codes = json_object();

		for (k = 0; codes && k < o->ncodes; k++)
			json_object_set_new(codes, o->codes[k].code,
					    json_integer((json_int_t)o->codes[k].n));
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			"object", o->object, "operation", o->operation,
			"files", (json_int_t)o->files,
			"sent", (json_int_t)o->sent,
			"created", (json_int_t)o->created,
			"updated", (json_int_t)o->updated,
			"failed", (json_int_t)o->failed,
			"unprocessed", (json_int_t)o->unprocessed,
			"failed_by_code", codes ? codes : json_object()));
	}
	return a;
}

static json_t *jobs_json(const struct session *u)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < u->njobs; i++) {
		const struct job_line *j = &u->jobs[i];

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:i, s:I, s:s, s:s}", "file", j->file,
			"job_id", j->job_id, "attempt", (int)j->attempt,
			"rows", (json_int_t)j->rows,
			"state", sf_job_state_name(j->state),
			"error_message", j->error));
	}
	return a;
}

json_t *session_json(struct session *u, const struct loader_summary *s,
		     int code, const struct bs_err *err)
{
	static const char *const status[] = {
		"ok", "records_failed", "usage", "config", "input",
		"salesforce_error", "internal", "locked", "paused"
	};

	return json_pack(
		"{s:s, s:i, s:s?, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I,"
		" s:o, s:o, s:s?}",
		"status", code >= 0 && code <= 8 ? status[code] : "error",
		"exit_code", code,
		"error", err && err->kind != BS_E_NONE ? err->msg : NULL,
		"files", "total", (json_int_t)s->files_total,
		"loaded", (json_int_t)(s->files_done + s->files_failed),
		"failed", (json_int_t)s->files_failed,
		"skipped", (json_int_t)s->files_skipped,
		"unfinished", (json_int_t)s->files_unfinished,
		"jobs_created", (json_int_t)s->jobs,
		"api_calls", (json_int_t)s->api_calls,
		"logins", (json_int_t)s->logins,
		"objects", objects_json(u), "jobs", jobs_json(u),
		"failures_csv", u->failures_n ? u->failures_path : NULL);
}

/* ---- the session --------------------------------------------------- */

struct session *session_new(struct bs_ctx *ctx, const struct bulkdir *bd,
			    const struct session_opts *o, struct bs_err *err)
{
	struct session *u = calloc(1, sizeof(*u));
	size_t i;

	if (!u)
		goto oom;
	u->ctx = ctx;
	u->bd = bd;
	u->state = o->state;
	u->run = o->run;
	u->display = ctx->tty && !ctx->quiet;
	u->failures_append = o->append_failures;
	sbuf_init(&u->row, 0);
	u->objs = calloc(bd->nobjects ? bd->nobjects : 1, sizeof(*u->objs));
	u->failures_path = strdup(o->failures_path);
	if (!u->objs || !u->failures_path)
		goto oom;
	for (i = 0; i < bd->nobjects; i++) {
		u->objs[i].object = bd->objects[i].object;
		u->objs[i].operation = bd->objects[i].operation;
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
	size_t i, k;

	if (!u)
		return;
	if (u->failures)
		fclose(u->failures);
	for (i = 0; u->objs && i < u->bd->nobjects; i++) {
		for (k = 0; k < u->objs[i].ncodes; k++)
			free(u->objs[i].codes[k].code);
		free(u->objs[i].codes);
	}
	free(u->objs);
	free(u->jobs);
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
	o.stop = u->ctx->stop;
	auth = sf_auth_from_config(cfg, err);
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
		fputc('\n', u->ctx->log);
		u->drawn = 0;
	}
	if (u->failures && fflush(u->failures) != 0 && rc == 0)
		rc = bs_err_set(err, BS_E_IO, "cannot write '%s'",
				u->failures_path);
	return rc;
}

void session_print_summary(struct session *u, const struct loader_summary *s)
{
	if (u->bd->nobjects)
		print_summary(u, s);
}

unsigned long long session_failures(const struct session *u)
{
	return u->failures_n;
}

const char *session_failures_path(const struct session *u)
{
	return u->failures_path;
}
