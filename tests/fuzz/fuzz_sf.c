/* fuzz_sf.c - the readers of Salesforce's answers in etl/sf: any bytes as
 * the body of each response billsync reads (an error body, a JobInfo, a
 * page of the job list, GET /limits, the OAuth token endpoint's answer,
 * for each kind of log-in and a few statuses), as a Sforce-Limit-Info
 * value, as an sf__Error value of a failed record (into a roomy and a tiny
 * buffer) and as a createdDate.  What they accept is within the bounds the
 * callers rely on: ids that fit a URL, strings cut to their buffers, a
 * next-page path under /jobs/ingest, an instance URL without a trailing
 * slash that is still https (or http to a loopback host). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "formats/sbuf.h"
#include "fuzz.h"
#include "sf/sf_api.h"
#include "sf/sf_auth_int.h"
#include "sf/sf_bulk_int.h"

static int on_job(void *ctx, const struct sf_job_entry *e, struct bs_err *err)
{
	size_t *n = ctx;

	(void)err;
	assert(sf_id_check(e->id) == 0);
	assert(e->object && e->operation && e->external_id && e->created_by);
	assert((unsigned)e->state <= SF_JOB_ABORTED);
	/* the caller may stop the listing: the third job does */
	return ++*n == 3 ? -1 : 0;
}

static void row_error(const char *s, size_t size)
{
	char *buf = malloc(size);
	struct sf_row_error e;

	if (!buf)
		return;
	sf_row_error_parse(s, buf, size, &e);
	assert(e.code >= buf && e.code < buf + size);
	assert(e.message >= buf && e.message < buf + size);
	assert(e.fields >= buf && e.fields < buf + size);
	assert(strlen(e.code) < size && strlen(e.fields) < size);
	free(buf);
}

static void token(const struct http_resp *r)
{
	static const enum sf_auth_kind kinds[] = {
		SF_AUTH_CLIENT_CREDENTIALS, SF_AUTH_JWT, SF_AUTH_REFRESH_TOKEN,
		SF_AUTH_ACCESS_TOKEN
	};
	struct sf_token tok;
	struct bs_err err;
	size_t i, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memset(&tok, 0, sizeof(tok));
		if (sf_auth_parse_token(kinds[i], r, &tok, &err) < 0)
			continue;
		assert(r->status == 200 && tok.value[0]);
		assert(memchr(tok.value, 0, sizeof(tok.value)));
		n = strlen(tok.instance_url);
		assert(n && n < sizeof(tok.instance_url) &&
		       tok.instance_url[n - 1] != '/');
		/* what is kept passes the check the answer's URL passed
		 * (curl's reading of a URL: "HTTPS:/host" is https too) */
		assert(http_url_check(tok.instance_url, &err) == 0);
	}
}

static void bodies(struct http_resp *r)
{
	static const long statuses[] = { 200, 400, 503 };
	char code[16], message[64], next[512];
	struct sf_limits lim;
	struct sf_job job;
	struct bs_err err;
	size_t i, jobs = 0;

	if (sf_api_parse_error(r->body.buf, r->body.len, code, sizeof(code),
			       message, sizeof(message)) == 0)
		assert(strlen(code) < sizeof(code));
	assert(strlen(message) < sizeof(message));
	if (sf_bulk_parse_job(r, &job, &err) == 0) {
		assert(sf_id_check(job.id) == 0);
		assert((unsigned)job.state <= SF_JOB_ABORTED);
		assert(!job.created_by[0] || sf_id_check(job.created_by) == 0);
		assert(memchr(job.error_message, 0, sizeof(job.error_message)));
	}
	if (sf_bulk_parse_list(r, next, sizeof(next), on_job, &jobs,
			       &err) == 0)
		assert(!next[0] || (!strncmp(next, "/jobs/ingest?", 13) &&
				    strlen(next) < sizeof(next)));
	sf_bulk_parse_limits(r, &lim);
	assert(lim.have_api || (!lim.api_max && !lim.api_remaining));
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		r->status = statuses[i];
		token(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct http_resp r;
	unsigned long long used, max;

	if (!text)
		return 0;
	/* the body as http.c leaves it: size bytes and a NUL, nothing more */
	http_resp_init(&r, 0);
	r.body.buf = text;
	r.body.len = size;
	r.body.alloc = size + 1;
	bodies(&r);
	sf_api_parse_usage(text, &used, &max);
	row_error(text, 4096);
	row_error(text, 8);
	row_error(text, 1);
	(void)sf_time_ms(text);
	free(text);
	return 0;
}
