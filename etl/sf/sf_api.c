/* sf_api.c - one Salesforce REST call with token renewal, bounded retries
 * and error decoding (see sf_api.h). */
#include "sf_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "sf_auth.h"

#define URL_MAX (SF_URL_MAX + 1024)
#define ERROR_BODY_MAX (64 * 1024)
#define RETRY_AFTER_MAX_MS (15ULL * 60 * 1000)

struct sf_api {
	struct sf_auth *auth;
	struct http *http;
	struct sf_api_opts o;
	char version[16];
	unsigned long long rand;
	int auth_failed;      /* the last call found no usable token */
	int refused_all;      /* the last call was refused for every call */
};

/* http_opts.on_connecting: a host that answers nothing is not silence. */
static void on_connecting(void *ctx, const char *what,
			  unsigned long long waited_ms,
			  unsigned long long timeout_ms);

struct sf_api *sf_api_new(struct sf_auth *auth, const struct http_opts *ho,
			  const struct sf_api_opts *opts, struct bs_err *err)
{
	struct sf_api *api = calloc(1, sizeof(*api));
	struct http_opts h = *ho;

	if (!api) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!h.stop)             /* a request in flight ends on it too */
		h.stop = opts->stop;
	h.on_connecting = on_connecting;
	h.ctx = api;
	api->http = http_new(&h, err);
	if (!api->http) {
		free(api);
		return NULL;
	}
	api->auth = auth;
	api->o = *opts;
	snprintf(api->version, sizeof(api->version), "%s",
		 opts->api_version ? opts->api_version : "62.0");
	api->rand = (unsigned long long)time(NULL) ^
		    (unsigned long long)(uintptr_t)api ^ clock_now_ms();
	return api;
}

void sf_api_free(struct sf_api *api)
{
	if (!api)
		return;
	http_free(api->http);
	free(api);
}

static void copy_trunc(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int sf_api_auth_failed(const struct sf_api *api)
{
	return api->auth_failed;
}

int sf_api_refused_all(const struct sf_api *api)
{
	return api->auth_failed || api->refused_all;
}

int sf_api_parse_error(const char *body, size_t len, char *code,
		       size_t code_size, char *message, size_t message_size)
{
	json_t *j = json_loadb(body, len, 0, NULL), *e;
	int rc = -1;

	code[0] = message[0] = '\0';
	e = json_is_array(j) ? json_array_get(j, 0) : j;
	if (json_is_object(e)) {
		json_t *c = json_object_get(e, "errorCode");
		json_t *m = json_object_get(e, "message");

		if (!json_is_string(c))
			c = json_object_get(e, "error");
		if (!json_is_string(m))
			m = json_object_get(e, "error_description");
		if (json_is_string(c)) {
			copy_trunc(code, code_size, json_string_value(c));
			rc = 0;
		}
		if (json_is_string(m))
			copy_trunc(message, message_size, json_string_value(m));
	}
	json_decref(j);
	return rc;
}

int sf_api_parse_usage(const char *info, unsigned long long *used,
		       unsigned long long *max)
{
	const char *p = strstr(info, "api-usage=");
	char *end;

	if (!p)
		return -1;
	p += strlen("api-usage=");
	*used = strtoull(p, &end, 10);
	if (end == p || *end != '/')
		return -1;
	p = end + 1;
	*max = strtoull(p, &end, 10);
	return end == p ? -1 : 0;
}

const char *sf_api_limit_text(const char *message)
{
	static const struct {
		const char *name, *text;
	} limits[] = {
		{ "DailyBulkRecords", "the org's daily Bulk API records are "
		  "used up" },
		{ "DailyBulkApiBatches", "the org's daily Bulk API batches are "
		  "used up" },
		{ "TotalRequests", "the org's daily API requests are used up" },
		{ "DailyApiRequests", "the org's daily API requests are used up" },
	};
	size_t i;

	for (i = 0; message && i < sizeof(limits) / sizeof(limits[0]); i++)
		if (strstr(message, limits[i].name))
			return limits[i].text;
	return "an allocation of the org is used up";
}

static void note(struct sf_api *api, const char *fmt, ...) BS_PRINTF(2, 3);

static void note(struct sf_api *api, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!api->o.on_note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api->o.on_note(api->o.ctx, msg);
}

static void on_connecting(void *ctx, const char *what,
			  unsigned long long waited_ms,
			  unsigned long long timeout_ms)
{
	unsigned long long waited = waited_ms / 1000;

	if (timeout_ms > waited_ms)
		note(ctx, "%s: no connection yet after %llu s; this attempt "
		     "gives up in %llu s ([salesforce] timeout)", what, waited,
		     (timeout_ms - waited_ms + 999) / 1000);
	else
		note(ctx, "%s: no connection yet after %llu s", what, waited);
}

unsigned long long sf_backoff_ms(unsigned long long first_ms,
				 unsigned long long cap_ms, unsigned attempt,
				 long retry_after_s, unsigned long long *rand)
{
	unsigned long long d = first_ms ? first_ms : 1;
	unsigned long long cap = cap_ms ? cap_ms : 60000;
	unsigned i;

	for (i = 0; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	d = d / 2 + clock_rand(rand) % (d - d / 2 + 1);
	if (retry_after_s > 0) {
		unsigned long long ra = (unsigned long long)retry_after_s * 1000;

		if (ra > RETRY_AFTER_MAX_MS)
			ra = RETRY_AFTER_MAX_MS;
		if (ra > d)
			d = ra;
	}
	return d;
}

unsigned long long sf_api_backoff_ms(struct sf_api *api, unsigned attempt,
				     long retry_after_s)
{
	return sf_backoff_ms(api->o.retry_wait_ms, api->o.retry_wait_max_ms,
			     attempt, retry_after_s, &api->rand);
}

static int retryable_status(long status)
{
	return status == 500 || status == 502 || status == 503 ||
	       status == 504 || status == 429;
}

static const char *method_name(enum http_method m)
{
	static const char *const names[] = { "GET", "POST", "PUT", "PATCH",
					     "DELETE" };

	return names[m];
}

/* Fills the header lines for one attempt; authz is the caller's buffer. */
static void build_headers(const struct sf_call *call, const char *token,
			  char *authz, size_t authz_size, char *ctype,
			  size_t ctype_size, char *cenc, size_t cenc_size,
			  char *accept, size_t accept_size, const char **h)
{
	size_t n = 0;

	snprintf(authz, authz_size, "Authorization: Bearer %s", token);
	h[n++] = authz;
	snprintf(accept, accept_size, "Accept: %s",
		 call->accept ? call->accept : "application/json");
	h[n++] = accept;
	h[n++] = "Sforce-Call-Options: client=billsync";
	if (call->json) {
		h[n++] = "Content-Type: application/json; charset=UTF-8";
	} else if (call->read) {
		snprintf(ctype, ctype_size, "Content-Type: %s",
			 call->content_type ? call->content_type : "text/csv");
		h[n++] = ctype;
		if (call->content_encoding) {
			snprintf(cenc, cenc_size, "Content-Encoding: %s",
				 call->content_encoding);
			h[n++] = cenc;
		}
	}
	h[n] = NULL;
}

static int rewind_sink(FILE *f, const struct sf_call *call,
		       struct bs_err *err)
{
	if (fflush(f) != 0 || ftruncate(fileno(f), 0) != 0 ||
	    fseeko(f, 0, SEEK_SET) != 0)
		return bs_err_set(err, BS_E_IO, "%s %s: cannot empty the "
				  "temporary file for the response: %s",
				  method_name(call->method), call->path,
				  strerror(errno));
	return 0;
}

/* Sends the request once; 0 when a response arrived. */
static int send_once(struct sf_api *api, struct sf_call *call,
		     const struct sf_token *tok, struct http_resp *resp,
		     struct bs_err *err)
{
	char url[URL_MAX], authz[SF_TOKEN_MAX + 32], ctype[128], cenc[64];
	char accept[128];
	const char *headers[8];
	struct http_req req;
	int rc;

	snprintf(url, sizeof(url), "%s/services/data/v%s%s", tok->instance_url,
		 api->version, call->path);
	build_headers(call, tok->value, authz, sizeof(authz), ctype,
		      sizeof(ctype), cenc, sizeof(cenc), accept, sizeof(accept),
		      headers);
	memset(&req, 0, sizeof(req));
	req.method = call->method;
	req.url = url;
	req.headers = headers;
	if (call->json) {
		req.body = call->json;
		req.body_len = strlen(call->json);
	}
	req.read = call->read;
	req.read_ctx = call->read_ctx;
	req.read_len = call->read_len;
	req.sink = call->sink;
	req.fresh = (call->flags & (SF_CALL_ONCE | SF_CALL_NOT_TWICE)) != 0;
	req.answer_on_stop = (call->flags & SF_CALL_NOT_TWICE) != 0;
	if (call->sink && rewind_sink(call->sink, call, err) < 0)
		return -1;
	rc = http_do(api->http, &req, resp, err);
	memset(authz, 0, sizeof(authz));
	return rc;
}

/* Reads Salesforce's error out of the answer: the body, or the start of
 * the file it went to. */
static void parse_error_body(struct sf_call *call, const struct http_resp *resp)
{
	char buf[ERROR_BODY_MAX];
	size_t n;

	if (!call->sink) {
		sf_api_parse_error(resp->body.buf, resp->body.len,
				   call->error_code, sizeof(call->error_code),
				   call->error_message,
				   sizeof(call->error_message));
		return;
	}
	if (fflush(call->sink) != 0 || fseeko(call->sink, 0, SEEK_SET) != 0)
		return;
	n = fread(buf, 1, sizeof(buf), call->sink);
	sf_api_parse_error(buf, n, call->error_code, sizeof(call->error_code),
			   call->error_message, sizeof(call->error_message));
}

static void report_response(struct sf_api *api, const struct http_resp *resp)
{
	unsigned long long used = 0, max = 0;

	if (!api->o.on_response)
		return;
	if (sf_api_parse_usage(resp->limit_info, &used, &max) < 0)
		used = max = 0;
	api->o.on_response(api->o.ctx, resp->status, used, max);
}

/* Waits before the next attempt; -1 when told to stop meanwhile. */
static int wait_retry(struct sf_api *api, unsigned attempt, long retry_after,
		      const char *what, const struct sf_call *call)
{
	unsigned long long ms = sf_api_backoff_ms(api, attempt, retry_after);

	note(api, "%s %s: %s; retrying in %.1f s (%u of %u)",
	     method_name(call->method), call->path, what, (double)ms / 1000.0,
	     attempt + 1, api->o.retries);
	return clock_nap(ms, api->o.stop, api->o.halt);
}

/* The current token; the token endpoint is retried like any call. */
static int get_token(struct sf_api *api, const struct sf_call *call,
		     struct sf_token *tok, unsigned *attempt,
		     struct bs_err *err)
{
	while (sf_auth_get(api->auth, api->http, tok, err) < 0) {
		if (err->kind != BS_E_NETWORK || *attempt >= api->o.retries ||
		    wait_retry(api, *attempt, -1, err->msg, call) < 0)
			return -1;
		(*attempt)++;
	}
	return 0;
}

/* 1 when a 403's errorCode says the org or the user may not use the API
 * at all (nothing else in the run can succeed either). */
static int org_wide_403(const char *code)
{
	static const char *const codes[] = {
		"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED",
		"FUNCTIONALITY_NOT_ENABLED", "FEATURENOTENABLED"
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

/* A refusal that no other call of the run would escape: err says so. */
static int refuse_all(struct sf_api *api, const struct sf_call *call,
		      const char *what, struct bs_err *err)
{
	char hint[192];

	api->refused_all = 1;
	if (call->status == 410 || call->status == 404)
		snprintf(hint, sizeof(hint), "; this org does not serve it at API "
			 "version %s (check [salesforce] api_version; Bulk API "
			 "2.0 ingest needs 41.0 or later)", api->version);
	else
		snprintf(hint, sizeof(hint), "; no call can succeed: the org or "
			 "the user may not use the API");
	return bs_err_set(err, BS_E_REMOTE, "%s %s: %s%s%s%s",
			  method_name(call->method), call->path, what,
			  call->error_message[0] ? ": " : "",
			  call->error_message, hint);
}

/* How many new tokens one call may ask for after 401 INVALID_SESSION_ID.
 * Taking a token another worker got meanwhile does not count, but is
 * bounded too.  One log-in is enough against a real org; with several
 * workers, though, a session can end again between this call's log-in and
 * its replay (revoked, or the emulator's token_expire_calls), and the run
 * should not stop for that.  A call refused after this many log-ins of its
 * own is no session problem. */
#define SF_API_LOGINS 3
#define SF_API_RENEWALS 12

/* Longer than 80 lines on purpose: one loop decides, answer by answer,
 * between renewing the session, retrying and stopping, so the whole retry
 * policy of every Salesforce call reads in one place. */
int sf_api_call(struct sf_api *api, struct sf_call *call,
		struct http_resp *resp, struct bs_err *err)
{
	struct sf_token tok;
	unsigned attempt = 0;
	int renewals = 0, logins = 0, once = (call->flags & SF_CALL_ONCE) != 0, rc = -1;
	char what[SF_CODE_MAX + 32];

	call->status = 0;
	call->uncertain = 0;
	call->uncertain_tries = 0;
	call->retry_after_s = -1;
	call->error_code[0] = call->error_message[0] = '\0';
	api->auth_failed = 0;
	api->refused_all = 0;
	if (get_token(api, call, &tok, &attempt, err) < 0) {
		api->auth_failed = 1;
		return -1;
	}
	for (;;) {
		if (send_once(api, call, &tok, resp, err) < 0) {
			if (err->kind != BS_E_NETWORK)
				break;
			if (once) {
				call->uncertain = 1;
				break;
			}
			if (attempt >= api->o.retries ||
			    wait_retry(api, attempt, -1, err->msg, call) < 0)
				break;
			attempt++;
			call->uncertain_tries++;
			continue;
		}
		report_response(api, resp);
		call->status = resp->status;
		call->retry_after_s = resp->retry_after_s;
		if (resp->status >= 200 && resp->status < 300) {
			rc = 0;
			break;
		}
		parse_error_body(call, resp);
		snprintf(what, sizeof(what), "HTTP %ld%s%s", resp->status,
			 call->error_code[0] ? " " : "", call->error_code);
		if (resp->status == 401 && logins < SF_API_LOGINS &&
		    renewals < SF_API_RENEWALS &&
		    !strcmp(call->error_code, "INVALID_SESSION_ID")) {
			int got;

			renewals++;
			note(api, "%s %s: session expired; getting a new token",
			     method_name(call->method), call->path);
			got = sf_auth_refresh(api->auth, api->http, tok.gen, &tok,
					      err);
			if (got < 0) {
				api->auth_failed = 1;
				break;
			}
			logins += got;
			if (once) {
				call->uncertain = 1;
				bs_err_set(err, BS_E_NETWORK,
					   "%s %s: the session expired during the "
					   "call", method_name(call->method),
					   call->path);
				break;
			}
			continue;
		}
		if (resp->status == 403 &&
		    !strcmp(call->error_code, "REQUEST_LIMIT_EXCEEDED")) {
			bs_err_set(err, BS_E_LIMIT,
				   "%s (%s: %s); run again later to continue",
				   sf_api_limit_text(call->error_message),
				   call->error_code, call->error_message);
			break;
		}
		if (resp->status == 401) {
			/* a renewed token refused too, or a 401 that is not
			   about the session: no call can do better */
			api->auth_failed = 1;
			bs_err_set(err, BS_E_REMOTE, "%s %s: %s%s%s%s",
				   method_name(call->method), call->path, what,
				   call->error_message[0] ? ": " : "",
				   call->error_message,
				   renewals ? " (even with a new token)" : "");
			break;
		}
		if (resp->status == 410 ||
		    (resp->status == 404 && (call->flags & SF_CALL_ENDPOINT)) ||
		    (resp->status == 403 && org_wide_403(call->error_code))) {
			refuse_all(api, call, what, err);
			break;
		}
		if (retryable_status(resp->status)) {
			if (once)
				call->uncertain = 1;
			if (!once && attempt < api->o.retries &&
			    wait_retry(api, attempt, resp->retry_after_s, what,
				       call) == 0) {
				attempt++;
				call->uncertain_tries++;
				continue;
			}
			bs_err_set(err, BS_E_NETWORK, "%s %s: %s%s%s%s",
				   method_name(call->method), call->path, what,
				   call->error_message[0] ? ": " : "",
				   call->error_message,
				   attempt ? " (retries exhausted)" : "");
			break;
		}
		bs_err_set(err, BS_E_REMOTE, "%s %s: %s%s%s",
			   method_name(call->method), call->path, what,
			   call->error_message[0] ? ": " : "",
			   call->error_message);
		break;
	}
	sf_token_wipe(&tok);
	return rc;
}
