/* sf_bulk.c - Bulk API 2.0 ingest calls and /limits (see sf_bulk.h). */
#include "sf_bulk.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats/jsonerr.h"
#include "base/calendar.h"
#include "sf_api.h"
#include "sf_bulk_int.h"

#define JSON_RESPONSE_MAX (1 << 20)
#define PATH_MAX_LEN 160
#define LIST_PATH_MAX 512
#define LIST_PAGES_MAX 10000

static const char *const state_names[] = {
	"Unknown", "Open", "UploadComplete", "InProgress", "JobComplete",
	"Failed", "Aborted"
};

const char *sf_job_state_name(enum sf_job_state s)
{
	return state_names[s];
}

int sf_job_state_final(enum sf_job_state s)
{
	return s == SF_JOB_COMPLETE || s == SF_JOB_FAILED ||
	       s == SF_JOB_ABORTED;
}

static enum sf_job_state state_of(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(state_names) / sizeof(state_names[0]);
	     i++)
		if (!strcmp(name, state_names[i]))
			return (enum sf_job_state)i;
	return SF_JOB_UNKNOWN;
}

int sf_id_check(const char *id)
{
	size_t n = 0;

	if (!id)
		return -1;
	for (; id[n]; n++)
		if (!isalnum((unsigned char)id[n]) || n + 1 >= SF_ID_SIZE)
			return -1;
	return n ? 0 : -1;
}

/* The path of a job's resource; -1 when id is not a job id. */
static int job_path(char *buf, const char *id, const char *tail,
		    struct bs_err *err)
{
	if (sf_id_check(id) < 0)
		return bs_err_set(err, BS_E_REMOTE,
				  "'%.40s' is not a Salesforce job id",
				  id ? id : "");
	snprintf(buf, PATH_MAX_LEN, "/jobs/ingest/%s%s", id, tail);
	return 0;
}

/* Makes a JSON call; the answer is left in resp. */
static int json_call(struct sf_api *api, enum http_method m, const char *path,
		     const char *body, struct http_resp *resp, struct sf_call *c,
		     struct bs_err *err)
{
	memset(c, 0, sizeof(*c));
	c->method = m;
	c->path = path;
	c->json = body;
	return sf_api_call(api, c, resp, err);
}

static unsigned long long jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (unsigned long long)json_integer_value(v);
	/* a real is taken when it fits (1e300 does not: no conversion) */
	if (json_is_real(v) && json_real_value(v) >= 0 &&
	    json_real_value(v) < 18446744073709551616.0)   /* 2^64 */
		return (unsigned long long)json_real_value(v);
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int sf_bulk_parse_job(const struct http_resp *resp, struct sf_job *job,
		      struct bs_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body.buf, resp->body.len, 0, &je);
	const char *id = jstr(j, "id"), *msg = jstr(j, "errorMessage");

	if (!j && jsonerr_oom(&je))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (!json_is_object(j) || sf_id_check(id) < 0) {
		json_decref(j);
		return bs_err_set(err, BS_E_REMOTE,
				  "Salesforce answered with a job description "
				  "billsync cannot read");
	}
	memset(job, 0, sizeof(*job));
	snprintf(job->id, sizeof(job->id), "%s", id);
	job->state = state_of(jstr(j, "state"));
	job->processed = jnum(j, "numberRecordsProcessed");
	job->failed = jnum(j, "numberRecordsFailed");
	job->retries = (unsigned long)jnum(j, "retries");
	job->processing_ms = jnum(j, "totalProcessingTime");
	snprintf(job->error_message, sizeof(job->error_message), "%s",
		 msg ? msg : "");
	if (sf_id_check(jstr(j, "createdById")) == 0)
		snprintf(job->created_by, sizeof(job->created_by), "%s",
			 jstr(j, "createdById"));
	job->created_ms = sf_time_ms(jstr(j, "createdDate"));
	json_decref(j);
	return 0;
}

/* n digits at *p into *v; 0, or -1 when they are not there. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

long long sf_time_ms(const char *s)
{
	int y, mo, d, h, mi, sec, ms = 0, oh = 0, om = 0, sign = 0;
	long long t;

	if (!s || digits(&s, 4, &y) < 0 || *s++ != '-' ||
	    digits(&s, 2, &mo) < 0 || *s++ != '-' || digits(&s, 2, &d) < 0 ||
	    *s++ != 'T' || digits(&s, 2, &h) < 0 || *s++ != ':' ||
	    digits(&s, 2, &mi) < 0 || *s++ != ':' || digits(&s, 2, &sec) < 0)
		return 0;
	if (*s == '.') {
		int scale = 100;

		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			ms += (*s - '0') * scale;
	}
	if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) < 0)
			return 0;
		if (*s == ':')
			s++;
		if (digits(&s, 2, &om) < 0)
			return 0;
	} else if (*s == 'Z') {
		s++;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return 0;
	t = (long long)cal_days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - sign * (oh * 3600 + om * 60);
	return t * 1000 + ms;
}

int sf_bulk_create(struct sf_api *api, const struct sf_job_spec *spec,
		   struct sf_job *job, unsigned *uncertain, struct bs_err *err)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "object",
				 spec->object, "operation", spec->operation,
				 "contentType", "CSV", "lineEnding", "LF",
				 "columnDelimiter", "COMMA");
	struct http_resp resp;
	struct sf_call c;
	char *text;
	int rc;

	if (body && spec->external_id &&
	    json_object_set_new(body, "externalIdFieldName",
				json_string(spec->external_id)) < 0) {
		json_decref(body);
		body = NULL;
	}
	text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		      NULL;
	json_decref(body);
	if (!text)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	memset(&c, 0, sizeof(c));
	c.method = HTTP_POST;
	c.path = "/jobs/ingest";
	c.json = text;
	c.flags = SF_CALL_ENDPOINT | SF_CALL_NOT_TWICE;
	rc = sf_api_call(api, &c, &resp, err);
	*uncertain = c.uncertain_tries;
	if (rc == 0)
		rc = sf_bulk_parse_job(&resp, job, err);
	free(text);
	http_resp_release(&resp);
	return rc;
}

static int refuses_gzip(const struct sf_call *c)
{
	return c->status == 415 ||
	       (c->status == 400 && (strstr(c->error_message, "Content-Encoding") ||
				     strstr(c->error_message, "compress")));
}

int sf_bulk_upload(struct sf_api *api, const char *job_id,
		   const struct sf_upload *up, enum sf_upload_result *res,
		   long *retry_after_s, struct bs_err *err)
{
	char path[PATH_MAX_LEN];
	struct http_resp resp;
	struct sf_call c;
	int rc;

	*res = SF_UPLOAD_FAILED;
	*retry_after_s = -1;
	if (job_path(path, job_id, "/batches", err) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.method = HTTP_PUT;
	c.path = path;
	c.read = up->read;
	c.read_ctx = up->ctx;
	c.read_len = up->len;
	c.content_type = "text/csv";
	c.content_encoding = up->gzip ? "gzip" : NULL;
	c.flags = SF_CALL_ONCE;
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	rc = sf_api_call(api, &c, &resp, err);
	http_resp_release(&resp);
	*retry_after_s = c.retry_after_s;
	if (rc == 0) {
		*res = SF_UPLOAD_DONE;
		return 0;
	}
	if (c.status == 400 && !strcmp(c.error_code, "BULK_API_ERROR") &&
	    (strstr(c.error_message, "Found multipe contents") ||
	     strstr(c.error_message, "Found multiple contents"))) {
		*res = SF_UPLOAD_ALREADY;
		return 0;
	}
	if (err->kind == BS_E_LIMIT)
		*res = SF_UPLOAD_FAILED;
	else if (c.uncertain)
		*res = SF_UPLOAD_UNCERTAIN;
	else if (up->gzip && refuses_gzip(&c))
		*res = SF_UPLOAD_GZIP_REFUSED;
	return -1;
}

static int patch_state(struct sf_api *api, const char *job_id,
		       const char *state, struct sf_call *c, struct bs_err *err)
{
	char path[PATH_MAX_LEN], body[64];
	struct http_resp resp;
	int rc;

	if (job_path(path, job_id, "", err) < 0)
		return -1;
	snprintf(body, sizeof(body), "{\"state\":\"%s\"}", state);
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	rc = json_call(api, HTTP_PATCH, path, body, &resp, c, err);
	http_resp_release(&resp);
	return rc;
}

int sf_bulk_close(struct sf_api *api, const char *job_id, struct bs_err *err)
{
	struct sf_call c;

	return patch_state(api, job_id, "UploadComplete", &c, err);
}

int sf_bulk_abort(struct sf_api *api, const char *job_id, struct bs_err *err)
{
	struct sf_call c;

	if (patch_state(api, job_id, "Aborted", &c, err) == 0)
		return 0;
	if (!strcmp(c.error_code, "INVALIDJOBSTATE")) {
		bs_err_clear(err);
		return 0;
	}
	return -1;
}

int sf_bulk_get(struct sf_api *api, const char *job_id, struct sf_job *job,
		long *retry_after_s, int *not_found, struct bs_err *err)
{
	char path[PATH_MAX_LEN];
	struct http_resp resp;
	struct sf_call c;
	int rc;

	*not_found = 0;
	*retry_after_s = -1;
	if (job_path(path, job_id, "", err) < 0)
		return -1;
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	rc = json_call(api, HTTP_GET, path, NULL, &resp, &c, err);
	if (rc == 0) {
		rc = sf_bulk_parse_job(&resp, job, err);
		*retry_after_s = resp.retry_after_s;
	} else if (c.status == 404) {
		*not_found = 1;
	}
	http_resp_release(&resp);
	return rc;
}

int sf_bulk_results(struct sf_api *api, const char *job_id,
		    enum sf_result_kind kind, FILE *sink, struct bs_err *err)
{
	static const char *const tails[] = {
		"/successfulResults/", "/failedResults/", "/unprocessedrecords/"
	};
	char path[PATH_MAX_LEN];
	struct http_resp resp;
	struct sf_call c;
	int rc;

	if (job_path(path, job_id, tails[kind], err) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.method = HTTP_GET;
	c.path = path;
	c.accept = "text/csv";
	c.sink = sink;
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	rc = sf_api_call(api, &c, &resp, err);
	http_resp_release(&resp);
	if (rc == 0 && fflush(sink) != 0)
		return bs_err_set(err, BS_E_IO,
				  "cannot write the results of job %s", job_id);
	return rc;
}

/* The path under /services/data/vXX.X of a nextRecordsUrl, into buf;
 * -1 when it is not a further page of the ingest job list. */
static int next_page_path(const char *url, char *buf, size_t size)
{
	const char *p;
	size_t i;

	if (!url || strncmp(url, "/services/data/v", 16))
		return -1;
	p = strchr(url + 16, '/');
	if (!p || strncmp(p, "/jobs/ingest?", 13) || strlen(p) >= size)
		return -1;
	for (i = 0; p[i]; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr("/?&=-_.%", p[i]))
			return -1;
	memcpy(buf, p, i + 1);
	return 0;
}

int sf_bulk_parse_list(const struct http_resp *resp, char *next, size_t size,
		       int (*fn)(void *, const struct sf_job_entry *,
				 struct bs_err *),
		       void *ctx, struct bs_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body.buf, resp->body.len, 0, &je);
	json_t *recs = json_object_get(j, "records"), *r;
	const char *url = jstr(j, "nextRecordsUrl");
	size_t i;
	int rc = 0;

	if (!j && jsonerr_oom(&je))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (!json_is_object(j) || !json_is_array(recs)) {
		json_decref(j);
		return bs_err_set(err, BS_E_REMOTE, "GET /jobs/ingest: Salesforce "
				  "answered with a job list billsync cannot read");
	}
	next[0] = '\0';
	if (!json_is_true(json_object_get(j, "done")) &&
	    next_page_path(url, next, size) < 0) {
		/* the message first: url is j's */
		bs_err_set(err, BS_E_REMOTE, "GET /jobs/ingest: the job list is "
			   "not done but its nextRecordsUrl '%.200s' is not one",
			   url ? url : "");
		json_decref(j);
		return -1;
	}
	json_array_foreach(recs, i, r) {
		struct sf_job_entry e;
		const char *ext = jstr(r, "externalIdFieldName");
		const char *by = jstr(r, "createdById");

		e.id = jstr(r, "id");
		if (sf_id_check(e.id) < 0)
			continue;
		e.state = state_of(jstr(r, "state"));
		e.object = jstr(r, "object") ? jstr(r, "object") : "";
		e.operation = jstr(r, "operation") ? jstr(r, "operation") : "";
		e.external_id = ext ? ext : "";
		e.created_by = by ? by : "";
		e.created_ms = sf_time_ms(jstr(r, "createdDate"));
		rc = fn(ctx, &e, err);
		if (rc < 0)
			break;
	}
	json_decref(j);
	return rc;
}

int sf_bulk_list(struct sf_api *api,
		 int (*fn)(void *ctx, const struct sf_job_entry *job,
			   struct bs_err *err),
		 void *ctx, struct bs_err *err)
{
	char path[LIST_PATH_MAX] = "/jobs/ingest?jobType=V2Ingest";
	struct http_resp resp;
	struct sf_call c;
	unsigned pages = 0;
	int rc = 0;

	while (rc == 0 && path[0]) {
		if (++pages > LIST_PAGES_MAX)
			return bs_err_set(err, BS_E_REMOTE, "GET /jobs/ingest: "
					  "more than %d pages of jobs",
					  LIST_PAGES_MAX);
		http_resp_init(&resp, JSON_RESPONSE_MAX);
		rc = json_call(api, HTTP_GET, path, NULL, &resp, &c, err);
		if (rc == 0)
			rc = sf_bulk_parse_list(&resp, path, sizeof(path), fn,
						ctx, err);
		http_resp_release(&resp);
	}
	return rc;
}

static int limit_pair(json_t *j, const char *name, unsigned long long *max,
		      unsigned long long *remaining)
{
	json_t *o = json_object_get(j, name);

	if (!json_is_object(o) || !json_object_get(o, "Max"))
		return 0;
	*max = jnum(o, "Max");
	*remaining = jnum(o, "Remaining");
	return 1;
}

void sf_bulk_parse_limits(const struct http_resp *resp, struct sf_limits *lim)
{
	json_t *j = json_loadb(resp->body.buf, resp->body.len, 0, NULL);

	memset(lim, 0, sizeof(*lim));
	lim->have_api = limit_pair(j, "DailyApiRequests", &lim->api_max,
				   &lim->api_remaining);
	lim->have_batches = limit_pair(j, "DailyBulkApiBatches",
				       &lim->batches_max,
				       &lim->batches_remaining);
	lim->have_storage = limit_pair(j, "DataStorageMB",
				       &lim->storage_max_mb,
				       &lim->storage_remaining_mb);
	json_decref(j);
}

int sf_bulk_limits(struct sf_api *api, struct sf_limits *lim,
		   struct bs_err *err)
{
	struct http_resp resp;
	struct sf_call c;
	int rc;

	memset(lim, 0, sizeof(*lim));
	http_resp_init(&resp, JSON_RESPONSE_MAX);
	rc = json_call(api, HTTP_GET, "/limits/", NULL, &resp, &c, err);
	if (rc == 0)
		sf_bulk_parse_limits(&resp, lim);
	http_resp_release(&resp);
	return rc;
}

/* 1 when s is a comma-separated list of field API names. */
static int looks_like_fields(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.,", *s))
			return 0;
	return 1;
}

void sf_row_error_parse(const char *s, char *buf, size_t size,
			struct sf_row_error *out)
{
	char *colon, *end, *last;
	size_t n;

	snprintf(buf, size, "%s", s ? s : "");
	out->code = out->message = out->fields = buf + strlen(buf);
	colon = strchr(buf, ':');
	if (!colon) {
		out->code = buf;
		return;
	}
	*colon = '\0';
	out->code = buf;
	out->message = colon + 1;
	n = strlen(out->message);
	end = colon + 1 + n;
	if (n < 2 || strcmp(end - 2, "--"))
		return;                        /* not the "... --" form */
	end -= 2;
	while (end > out->message && end[-1] == ' ')
		end--;
	*end = '\0';
	if (end > out->message && end[-1] == ':') {   /* "message:--" */
		end[-1] = '\0';
		return;
	}
	last = strrchr(out->message, ':');             /* "message:Fields --" */
	if (last && looks_like_fields(last + 1)) {
		*last = '\0';
		out->fields = last + 1;
	}
}
