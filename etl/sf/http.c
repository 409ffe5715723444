/* http.c - HTTP requests over one libcurl easy handle (see http.h). */
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "trace.h"

struct http {
	CURL *curl;
	CURLM *multi;              /* runs h->curl, so that *stop is looked at
				      every HTTP_STOP_POLL_MS (libcurl's
				      progress callback comes about once a
				      second while an answer is awaited) */
	char *ca_bundle;
	char *user_agent;
	unsigned long timeout_ms, connect_timeout_ms, low_speed_ms;
	struct http_trace *trace;  /* borrowed, or NULL */
	const volatile sig_atomic_t *stop;
	void (*on_connecting)(void *ctx, const char *what,
			      unsigned long long waited_ms,
			      unsigned long long timeout_ms);
	void *ctx;
};

/* What the callbacks of one transfer share. */
struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	struct bs_err read_err;   /* set by the body source */
	int read_failed;
	int too_big;              /* response over the body cap */
	int no_memory;            /* the body could not grow */
	int sink_failed;
	struct sbuf trace_head;   /* with a trace: chosen response headers */
	struct sbuf trace_body;   /* and a sink: the body's first bytes */
	struct http *h;
	char what[600];           /* "METHOD URL" for on_connecting */
	unsigned long long started, next_note;   /* clock_now_ms */
	unsigned long long stop_seen;   /* answer_on_stop: when a tick saw
					   the stop (clock_now_ms), or 0 */
};

/* The response headers a trace shows. */
static const char *const traced_headers[] = {
	"Content-Type", "Content-Encoding", "Content-Length", "Location",
	"Retry-After", "Sforce-Limit-Info"
};

void http_resp_init(struct http_resp *resp, size_t max_body)
{
	memset(resp, 0, sizeof(*resp));
	sbuf_init(&resp->body, max_body);
	resp->retry_after_s = -1;
}

void http_resp_release(struct http_resp *resp)
{
	sbuf_release(&resp->body);
}

static void resp_reset(struct http_resp *resp)
{
	resp->status = 0;
	sbuf_reset(&resp->body);
	resp->body_bytes = 0;
	resp->retry_after_s = -1;
	resp->content_type[0] = '\0';
	resp->limit_info[0] = '\0';
}

int http_global_init(struct bs_err *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return bs_err_set(err, BS_E_INTERNAL, "cannot start libcurl");
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* Writes "scheme://host[:port]/path" of url (no query, no user info) into
 * buf, for error messages. */
static void url_for_message(const char *url, char *buf, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;

	snprintf(buf, size, "(bad URL)");
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		snprintf(buf, size, "%s://%s%s%s%s", scheme, host,
			 port ? ":" : "", port ? port : "", path ? path : "");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
}

/* localhost, [::1] or an IPv4 address in 127.0.0.0/8. */
static int is_loopback(const char *host)
{
	if (!strcasecmp(host, "localhost") || !strcmp(host, "[::1]"))
		return 1;
	if (strncmp(host, "127.", 4))
		return 0;
	return strspn(host, "0123456789.") == strlen(host);
}

int http_url_check(const char *url, struct bs_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (!u)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		bs_err_set(err, BS_E_CONFIG, "'%s' is not a URL",
			   url ? url : "");
	else if (!strcmp(scheme, "https") ||
		 (!strcmp(scheme, "http") && is_loopback(host)))
		rc = 0;
	else if (!strcmp(scheme, "http"))
		bs_err_set(err, BS_E_CONFIG,
			   "'%s' is plain http: only https is allowed (http "
			   "only to a loopback address, for the emulator)", url);
	else
		bs_err_set(err, BS_E_CONFIG, "'%s' is not an https URL", url);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

struct http *http_new(const struct http_opts *opts, struct bs_err *err)
{
	struct http *h = calloc(1, sizeof(*h));

	if (!h) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	h->curl = curl_easy_init();
	h->multi = curl_multi_init();
	h->ca_bundle = opts->ca_bundle ? strdup(opts->ca_bundle) : NULL;
	h->user_agent = strdup(opts->user_agent ? opts->user_agent : "billsync");
	if (!h->curl || !h->multi || (opts->ca_bundle && !h->ca_bundle) || !h->user_agent) {
		http_free(h);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	h->timeout_ms = opts->timeout_ms;
	h->connect_timeout_ms = opts->connect_timeout_ms;
	h->low_speed_ms = opts->low_speed_ms;
	h->trace = opts->trace;
	h->stop = opts->stop;
	h->on_connecting = opts->on_connecting;
	h->ctx = opts->ctx;
	return h;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->ca_bundle);
	free(h->user_agent);
	free(h);
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t n = size * nmemb;

	x->resp->body_bytes += n;
	if (x->req->sink && x->trace_body.max &&
	    x->trace_body.len < HTTP_TRACE_BODY_MAX)
		sbuf_add(&x->trace_body, data, n < HTTP_TRACE_BODY_MAX -
			 x->trace_body.len ? n : HTTP_TRACE_BODY_MAX -
			 x->trace_body.len);
	if (x->req->sink) {
		if (fwrite(data, 1, n, x->req->sink) != n) {
			x->sink_failed = 1;
			return 0;
		}
		return n;
	}
	if (sbuf_add(&x->resp->body, data, n) < 0) {
		if (x->resp->body.len + n > x->resp->body.max)
			x->too_big = 1;
		else
			x->no_memory = 1;
		return 0;
	}
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	ssize_t n = x->req->read(x->req->read_ctx, buf, size * nmemb,
				 &x->read_err);

	if (n < 0) {
		x->read_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

/* Tells on_connecting that the request has no connection yet, when it is
 * time to (see http_opts). */
static void still_connecting(struct xfer *x)
{
	struct http *h = x->h;
	unsigned long long now = clock_now_ms();
	curl_off_t pre = 0;

	if (now < x->next_note)
		return;
	if (curl_easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &pre) !=
	    CURLE_OK || pre > 0) {
		x->next_note = (unsigned long long)-1;   /* connected */
		return;
	}
	h->on_connecting(h->ctx, x->what, now - x->started,
			 h->connect_timeout_ms);
	x->next_note = now + HTTP_CONNECTING_EVERY_MS;
}

/* Whether a SIGINT/SIGTERM ends the transfer now (a request with
 * answer_on_stop: HTTP_ANSWER_GRACE_MS after the stop was first seen). */
static int stop_now(struct xfer *x)
{
	if (!x->h->stop || !*x->h->stop)
		return 0;
	if (!x->req->answer_on_stop)
		return 1;
	if (!x->stop_seen)
		x->stop_seen = clock_now_ms();
	return clock_now_ms() - x->stop_seen >= HTTP_ANSWER_GRACE_MS;
}

/* libcurl's progress callback, about once a second at least (while
 * connecting too): says how long a connection has been awaited.  (A stop
 * is perform's to look at.) */
static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	still_connecting(p);
	return 0;
}

/* curl_easy_perform, on h->multi: between its steps, which come at least
 * every HTTP_STOP_POLL_MS, a stop is looked at (stop_now). */
static CURLcode perform(struct http *h, struct xfer *x)
{
	CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	for (;;) {
		mc = curl_multi_perform(h->multi, &running);
		if (mc != CURLM_OK) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY
						       : CURLE_FAILED_INIT;
			break;
		}
		if (!running) {
			msg = curl_multi_info_read(h->multi, &left);
			rc = msg && msg->msg == CURLMSG_DONE ? msg->data.result
							     : CURLE_FAILED_INIT;
			break;
		}
		if (stop_now(x))
			break;          /* CURLE_ABORTED_BY_CALLBACK: said
					   "interrupted" by xfer_result */
		if (curl_multi_poll(h->multi, NULL, 0, HTTP_STOP_POLL_MS,
				    NULL) != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
	}
	curl_multi_remove_handle(h->multi, h->curl);
	return rc;
}

/* Copies the value of header line "Name: value\r\n" into dst when its name
 * is name. */
static void take_header(const char *line, size_t len, const char *name,
			char *dst, size_t size)
{
	size_t nl = strlen(name), n;

	if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	line += nl + 1;
	len -= nl + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	n = len < size - 1 ? len : size - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t n = size * nmemb;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget the old one's */
		x->resp->content_type[0] = '\0';
		x->resp->limit_info[0] = '\0';
		sbuf_reset(&x->trace_head);
		return n;
	}
	for (size_t i = 0; x->trace_head.max && i < sizeof(traced_headers) /
		     sizeof(*traced_headers); i++) {
		size_t nl = strlen(traced_headers[i]);

		if (n > nl && data[nl] == ':' &&
		    !strncasecmp(data, traced_headers[i], nl)) {
			size_t len = n;

			while (len && (data[len - 1] == '\r' ||
				       data[len - 1] == '\n'))
				len--;
			sbuf_add(&x->trace_head, data, len);
			sbuf_addc(&x->trace_head, '\n');
		}
	}
	take_header(data, n, "Content-Type", x->resp->content_type,
		    sizeof(x->resp->content_type));
	take_header(data, n, "Sforce-Limit-Info", x->resp->limit_info,
		    sizeof(x->resp->limit_info));
	return n;
}

static const char *method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET: return "GET";
	case HTTP_POST: return "POST";
	case HTTP_PUT: return "PUT";
	case HTTP_PATCH: return "PATCH";
	case HTTP_DELETE: return "DELETE";
	}
	return "GET";
}

static CURLcode set_options(struct http *h, const struct http_req *req,
			    struct xfer *x, struct curl_slist *headers,
			    char *errbuf)
{
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_bundle)
		SET(CURLOPT_CAINFO, h->ca_bundle);
	SET(CURLOPT_USERAGENT, h->user_agent);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->fresh)
		SET(CURLOPT_FRESH_CONNECT, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	if (h->connect_timeout_ms)
		SET(CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_timeout_ms);
	if (h->low_speed_ms) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME,
		    (long)((h->low_speed_ms + 999) / 1000));
	}
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	if (h->on_connecting) {
		SET(CURLOPT_NOPROGRESS, 0L);
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, x);
	}
	if (req->read) {
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, x);
		if (req->method == HTTP_PUT) {
			SET(CURLOPT_UPLOAD, 1L);
			SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->read_len);
		} else {
			SET(CURLOPT_POST, 1L);
			SET(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->read_len);
			SET(CURLOPT_CUSTOMREQUEST, method_name(req->method));
		}
	} else if (req->body || req->method == HTTP_POST ||
		   req->method == HTTP_PUT || req->method == HTTP_PATCH) {
		SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (req->method != HTTP_POST)
			SET(CURLOPT_CUSTOMREQUEST, method_name(req->method));
	} else if (req->method == HTTP_DELETE) {
		SET(CURLOPT_CUSTOMREQUEST, "DELETE");
	}
#undef SET
	return rc;
}

static int network_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SEND_FAIL_REWIND:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

/* With a trace: the request's block, and the buffers that collect what the
 * response block shows. */
static unsigned long trace_start(struct http *h, const struct http_req *req,
				 struct xfer *x)
{
	unsigned long id;

	if (!h->trace)
		return 0;
	id = http_trace_next(h->trace);
	sbuf_init(&x->trace_head, 1 << 16);
	sbuf_init(&x->trace_body, HTTP_TRACE_BODY_MAX);
	http_trace_request(h->trace, id, method_name(req->method), req->url,
			   req->headers, req->body, req->body_len,
			   req->read ? req->read_len : -1);
	return id;
}

static void trace_end(struct http *h, const struct http_req *req,
		      struct xfer *x, unsigned long id, CURLcode rc,
		      const char *errbuf)
{
	curl_off_t usec = 0;
	long status = 0;
	const struct sbuf *body = req->sink ? &x->trace_body : &x->resp->body;

	if (!h->trace)
		return;
	curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME_T, &usec);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	/* The trace is best-effort diagnostics: a response whose headers or
	 * body ran out of memory as they were collected is left out rather
	 * than traced short. */
	if (!sbuf_failed(&x->trace_head) && !sbuf_failed(body))
		http_trace_response(h->trace, id, status, (long long)usec,
				    x->trace_head.buf, body->buf, body->len,
				    x->resp->body_bytes, rc == CURLE_OK ? NULL :
				    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	sbuf_release(&x->trace_head);
	sbuf_release(&x->trace_body);
}

/* What a performed transfer came to: 0 with resp's status (and
 * Retry-After), or -1 with err saying why it failed, where naming it. */
static int xfer_result(struct http *h, const struct http_req *req,
		       struct xfer *x, CURLcode rc, const char *errbuf,
		       const char *where, struct bs_err *err)
{
	struct http_resp *resp = x->resp;
	curl_off_t retry_after = -1;

	if (x->read_failed) {
		*err = x->read_err;
		return -1;
	}
	if (x->sink_failed)
		return bs_err_set(err, BS_E_IO,
				  "cannot write the response of %s to a file",
				  where);
	if (x->no_memory)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (x->too_big)
		return bs_err_set(err, BS_E_REMOTE,
				  "the response of %s is larger than %zu bytes",
				  where, resp->body.max);
	if (rc != CURLE_OK) {
		resp->status = 0;
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			return bs_err_set(err, BS_E_LIMIT, "%s %s: interrupted",
					  method_name(req->method), where);
		if (rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE)
			return bs_err_set(err, BS_E_CONFIG,
					  "cannot verify the TLS certificate of %s "
					  "(set [salesforce] ca_bundle?): %s", where,
					  errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return bs_err_set(err, network_code(rc) ? BS_E_NETWORK :
				  BS_E_REMOTE, "%s %s: %s",
				  method_name(req->method), where,
				  errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry_after) ==
	    CURLE_OK && retry_after > 0)
		resp->retry_after_s = (long)retry_after;
	return 0;
}

int http_do(struct http *h, const struct http_req *req,
	    struct http_resp *resp, struct bs_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "", where[512];
	struct curl_slist *headers = NULL, *t;
	const char *const *hp;
	struct xfer x;
	unsigned long trace_id;
	CURLcode rc;

	resp_reset(resp);
	if (http_url_check(req->url, err) < 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.req = req;
	x.resp = resp;
	x.h = h;
	url_for_message(req->url, where, sizeof(where));
	snprintf(x.what, sizeof(x.what), "%s %s", method_name(req->method),
		 where);
	x.started = clock_now_ms();
	x.next_note = x.started + HTTP_CONNECTING_FIRST_MS;
	for (hp = req->headers; hp && *hp; hp++) {
		t = curl_slist_append(headers, *hp);
		if (!t)
			goto oom;
		headers = t;
	}
	t = curl_slist_append(headers, "Expect:");
	if (!t)
		goto oom;
	headers = t;
	curl_easy_reset(h->curl);
	rc = set_options(h, req, &x, headers, errbuf);
	if (rc != CURLE_OK) {
		curl_slist_free_all(headers);
		return bs_err_set(err, BS_E_INTERNAL,
				  "cannot set up the HTTP request %s %s: %s "
				  "(libcurl %s)", method_name(req->method), where,
				  curl_easy_strerror(rc), curl_version_info(
					  CURLVERSION_NOW)->version);
	}
	trace_id = trace_start(h, req, &x);
	rc = perform(h, &x);
	trace_end(h, req, &x, trace_id, rc, errbuf);
	curl_slist_free_all(headers);
	return xfer_result(h, req, &x, rc, errbuf, where, err);
oom:
	curl_slist_free_all(headers);
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

int http_urlencode(struct sbuf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (sbuf_addc(out, (char)c) < 0)
				return -1;
		} else if (sbuf_addc(out, '%') < 0 ||
			   sbuf_addc(out, hex[c >> 4]) < 0 ||
			   sbuf_addc(out, hex[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}
