/* loadreport.c - a load's report, its encoder and decoder (see
 * loadreport.h). */
#include "loadreport.h"

#include <stdlib.h>
#include <string.h>

#include "formats/jsonerr.h"

void load_report_init(struct load_report *r)
{
	memset(r, 0, sizeof(*r));
}

void load_report_release(struct load_report *r)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < r->nobjects; i++) {
		struct load_report_object *o = &r->objects[i];

		for (k = 0; k < o->ncodes; k++)
			free(o->codes[k].code);
		free(o->codes);
		free(o->object);
		free(o->operation);
	}
	for (i = 0; i < r->njobs; i++) {
		free(r->jobs[i].file);
		free(r->jobs[i].job_id);
		free(r->jobs[i].state);
		free(r->jobs[i].error_message);
	}
	free(r->objects);
	free(r->jobs);
	free(r->error);
	free(r->failures_csv);
	load_report_free(r->deletes_load);
	load_report_init(r);
}

void load_report_free(struct load_report *r)
{
	if (!r)
		return;
	load_report_release(r);
	free(r);
}

/* Grows *v (of *n elements of size sz) by one zeroed element. */
static void *grow(void *vp, size_t *n, size_t sz)
{
	void **v = vp;
	char *p = realloc(*v, (*n + 1) * sz);

	if (!p)
		return NULL;
	memset(p + *n * sz, 0, sz);
	*v = p;
	return p + (*n)++ * sz;
}

struct load_report_object *load_report_object(struct load_report *r,
					      const char *object, int add)
{
	struct load_report_object *o;
	size_t i;

	for (i = 0; i < r->nobjects; i++)
		if (!strcmp(r->objects[i].object, object))
			return &r->objects[i];
	if (!add)
		return NULL;
	o = grow(&r->objects, &r->nobjects, sizeof(*o));
	if (o && !(o->object = strdup(object))) {
		r->nobjects--;
		return NULL;
	}
	return o;
}

int load_report_count_code(struct load_report_object *o, const char *code)
{
	struct load_report_code *c;
	size_t i;

	if (!code || !*code)
		code = "(none)";
	for (i = 0; i < o->ncodes; i++) {
		if (!strcmp(o->codes[i].code, code)) {
			o->codes[i].n++;
			return 0;
		}
	}
	c = grow(&o->codes, &o->ncodes, sizeof(*c));
	if (!c)
		return -1;
	if (!(c->code = strdup(code))) {
		o->ncodes--;
		return -1;
	}
	c->n = 1;
	return 0;
}

struct load_report_job *load_report_job(struct load_report *r,
					const char *job_id)
{
	struct load_report_job *j;
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (!strcmp(r->jobs[i].job_id, job_id))
			return &r->jobs[i];
	j = grow(&r->jobs, &r->njobs, sizeof(*j));
	if (j && !(j->job_id = strdup(job_id))) {
		r->njobs--;
		return NULL;
	}
	return j;
}

const char *load_report_status(int code)
{
	static const char *const status[] = {
		"ok", "records_failed", "usage", "config", "input",
		"salesforce_error", "internal", "locked", "paused",
		"deletes_held"
	};

	return code >= 0 && code <= 9 ? status[code] : "error";
}

/* ---- encoding ------------------------------------------------------ */

static json_t *objects_json(const struct load_report *r)
{
	json_t *a = json_array();
	size_t i, k;

	for (i = 0; a && i < r->nobjects; i++) {
		const struct load_report_object *o = &r->objects[i];
		json_t *codes = json_object();

		for (k = 0; codes && k < o->ncodes; k++)
			json_object_set_new(codes, o->codes[k].code,
					    json_integer((json_int_t)o->codes[k].n));
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			"object", o->object,
			"operation", o->operation ? o->operation : "",
			"files", (json_int_t)o->files,
			"sent", (json_int_t)o->sent,
			"created", (json_int_t)o->created,
			/* a delete job's records are deleted, not updated */
			r->deletes ? "deleted" : "updated",
			(json_int_t)o->updated,
			"failed", (json_int_t)o->failed,
			"unprocessed", (json_int_t)o->unprocessed,
			"failed_by_code", codes ? codes : json_object()));
	}
	return a;
}

static json_t *jobs_json(const struct load_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->njobs; i++) {
		const struct load_report_job *j = &r->jobs[i];

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:I, s:I, s:s, s:s}",
			"file", j->file ? j->file : "", "job_id", j->job_id,
			"attempt", (json_int_t)j->attempt,
			"rows", (json_int_t)j->rows,
			"state", j->state ? j->state : "",
			"error_message", j->error_message ?
			j->error_message : ""));
	}
	return a;
}

json_t *load_report_json(const struct load_report *r)
{
	json_t *j = json_pack(
		"{s:s, s:i, s:s?, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I,"
		" s:o, s:o, s:s?}",
		"status", load_report_status(r->exit_code),
		"exit_code", r->exit_code,
		"error", r->error,
		"files", "total", (json_int_t)r->files_total,
		"loaded", (json_int_t)r->files_loaded,
		"failed", (json_int_t)r->files_failed,
		"skipped", (json_int_t)r->files_skipped,
		"unfinished", (json_int_t)r->files_unfinished,
		"jobs_created", (json_int_t)r->jobs_created,
		"api_calls", (json_int_t)r->api_calls,
		"logins", (json_int_t)r->logins,
		"objects", objects_json(r), "jobs", jobs_json(r),
		"failures_csv", r->failures ? r->failures_csv : NULL);

	if (j && r->deletes_load)
		json_object_set_new(j, "deletes",
				    load_report_json(r->deletes_load));
	return j;
}

/* ---- decoding ------------------------------------------------------ */

static unsigned long long num(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (unsigned long long)v : 0;
}

/* A copy of o's string member key, or NULL (absent); *oom on failure. */
static char *str(const json_t *o, const char *key, int *oom)
{
	const char *v = json_string_value(json_object_get(o, key));
	char *s;

	if (!v)
		return NULL;
	s = strdup(v);
	if (!s)
		*oom = 1;
	return s;
}

/* An entry of "objects"; -1 with err when it has no name or repeats one
 * (each object has one entry), or when memory ran out. */
static int decode_object(const json_t *jo, struct load_report *r, int *oom,
			 struct bs_err *err)
{
	const char *name = json_string_value(json_object_get(jo, "object"));
	struct load_report_object *o;
	const char *code;
	const json_t *n;

	if (!name)
		return bs_err_set(err, BS_E_INPUT, "load report: an object "
				  "without a name");
	if (load_report_object(r, name, 0))
		return bs_err_set(err, BS_E_INPUT, "load report: object "
				  "'%.200s' listed twice", name);
	o = load_report_object(r, name, 1);
	if (!o) {
		*oom = 1;
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	o->operation = str(jo, "operation", oom);
	o->files = num(jo, "files");
	o->sent = num(jo, "sent");
	o->created = num(jo, "created");
	o->updated = num(jo, json_object_get(jo, "deleted") ? "deleted" :
			 "updated");
	o->failed = num(jo, "failed");
	o->unprocessed = num(jo, "unprocessed");
	json_object_foreach((json_t *)json_object_get(jo, "failed_by_code"),
			    code, n) {
		struct load_report_code *c = grow(&o->codes, &o->ncodes,
						  sizeof(*c));

		if (!c || !(c->code = strdup(code))) {
			if (c)
				o->ncodes--;
			*oom = 1;
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
		c->n = json_is_integer(n) && json_integer_value(n) > 0 ?
		       (unsigned long long)json_integer_value(n) : 0;
	}
	return 0;
}

/* An entry of "jobs", as decode_object. */
static int decode_job(const json_t *jj, struct load_report *r, int *oom,
		      struct bs_err *err)
{
	const char *id = json_string_value(json_object_get(jj, "job_id"));
	struct load_report_job *j;
	size_t i;

	if (!id)
		return bs_err_set(err, BS_E_INPUT, "load report: a job without "
				  "an id");
	for (i = 0; i < r->njobs; i++)
		if (!strcmp(r->jobs[i].job_id, id))
			return bs_err_set(err, BS_E_INPUT, "load report: job "
					  "'%.200s' listed twice", id);
	j = load_report_job(r, id);
	if (!j) {
		*oom = 1;
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	j->file = str(jj, "file", oom);
	j->state = str(jj, "state", oom);
	j->error_message = str(jj, "error_message", oom);
	j->attempt = (unsigned)num(jj, "attempt");
	j->rows = num(jj, "rows");
	return 0;
}

static int decode(const json_t *j, struct load_report *r,
		  struct bs_err *err)
{
	const json_t *files = json_object_get(j, "files"), *v;
	const json_t *code = json_object_get(j, "exit_code");
	int oom = 0;
	size_t i;

	load_report_init(r);
	/* an exit status is 0..255 */
	if (!json_is_object(j) || !json_is_integer(code) ||
	    json_integer_value(code) < 0 || json_integer_value(code) > 255)
		return bs_err_set(err, BS_E_INPUT, "not a load report");
	r->exit_code = (int)json_integer_value(code);
	r->error = str(j, "error", &oom);
	r->files_total = num(files, "total");
	r->files_loaded = num(files, "loaded");
	r->files_failed = num(files, "failed");
	r->files_skipped = num(files, "skipped");
	r->files_unfinished = num(files, "unfinished");
	r->jobs_created = num(j, "jobs_created");
	r->api_calls = num(j, "api_calls");
	r->logins = num(j, "logins");
	r->failures_csv = str(j, "failures_csv", &oom);
	json_array_foreach(json_object_get(j, "objects"), i, v) {
		if (decode_object(v, r, &oom, err) < 0)
			return -1;
		r->failures += num(v, "failed") + num(v, "unprocessed");
	}
	json_array_foreach(json_object_get(j, "jobs"), i, v)
		if (decode_job(v, r, &oom, err) < 0)
			return -1;
	v = json_object_get(j, "deletes");
	if (v && !oom) {
		r->deletes_load = malloc(sizeof(*r->deletes_load));
		if (!r->deletes_load)
			oom = 1;
		else if (decode(v, r->deletes_load, err) < 0)
			return -1;
		else
			r->deletes_load->deletes = 1;
	}
	if (oom)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return 0;
}

int load_report_from_text(const char *text, struct load_report *r,
			  struct bs_err *err)
{
	json_error_t je;
	json_t *j;
	int rc;

	if (!text) {
		load_report_init(r);
		return bs_err_set(err, BS_E_INPUT, "no load report");
	}
	j = json_loads(text, 0, &je);
	if (!j) {
		load_report_init(r);
		if (jsonerr_oom(&je))
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		return bs_err_set(err, BS_E_INPUT, "load report: %s (line %d)",
				  je.text, je.line);
	}
	rc = decode(j, r, err);
	json_decref(j);
	return rc;
}
