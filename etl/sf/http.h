/*
 * http.h - HTTP requests over one libcurl handle (the only file that
 * includes curl).
 *
 *     struct http *h = http_new(&opts, err);
 *     struct http_resp r;
 *     http_resp_init(&r, 1 << 20);
 *     if (http_do(h, &req, &r, err) == 0 && r.status == 200) ... r.body.buf
 *     http_resp_release(&r);
 *     http_free(h);
 *
 * A struct http is one libcurl easy handle: connections stay open between
 * requests, so a worker thread makes all its requests through its own
 * struct http and never shares it.  Call http_global_init once before any
 * thread starts (and http_global_cleanup after they end).
 *
 * Safety: TLS peer and host verification are always on; opts.ca_bundle
 * replaces the system CA store.  Only https URLs are accepted, except
 * http:// to a loopback host (127.0.0.1, ::1, localhost), which is how the
 * tests reach the local emulator.  Redirects are never followed.  Nothing is
 * logged except into the trace when opts.trace is set (trace.h, which
 * redacts credentials); error messages name the host and path, never
 * headers or query strings.
 *
 * Bodies: a request body is in memory (body/body_len) or streamed through
 * a read callback (read/read_ctx/read_len), so a 100 MB upload is never held
 * in memory.  A response body goes to resp->body, capped at the size given
 * to http_resp_init, or, when req.sink is set, is written to that file as it
 * arrives.  Compressed responses (Accept-Encoding: gzip, deflate) are
 * decoded before they reach either.
 */
#ifndef HTTP_H
#define HTTP_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "formats/bs_err.h"
#include "formats/sbuf.h"

struct http_trace;

struct http_opts {
	const char *ca_bundle;            /* PEM CA file; NULL: system store */
	unsigned long timeout_ms;         /* a whole request; 0: no limit */
	unsigned long connect_timeout_ms; /* 0: libcurl's default */
	unsigned long low_speed_ms;       /* abort when under 1 byte/s this
					     long (stalled stream); 0: off */
	const char *user_agent;           /* "billsync/0.1.0" */
	struct http_trace *trace;         /* every exchange written there
					     (trace.h), or NULL; borrowed:
					     it must outlive the struct http */
	/* A SIGINT/SIGTERM flag, or NULL: a request in flight (connecting,
	 * sending, waiting) ends within HTTP_STOP_POLL_MS or so once *stop is
	 * non-zero (a request with answer_on_stop: HTTP_ANSWER_GRACE_MS
	 * more), and
	 * http_do fails with BS_E_LIMIT "interrupted". */
	const volatile sig_atomic_t *stop;
	/* While a request has no connection yet (a host that drops packets
	 * answers nothing until connect_timeout_ms): called from the
	 * request's thread HTTP_CONNECTING_FIRST_MS after it began, then
	 * every HTTP_CONNECTING_EVERY_MS, with "METHOD URL" (no query),
	 * the time waited and the connect timeout.  NULL: silent. */
	void (*on_connecting)(void *ctx, const char *what,
			      unsigned long long waited_ms,
			      unsigned long long timeout_ms);
	void *ctx;
};

#define HTTP_CONNECTING_FIRST_MS 2000ULL
#define HTTP_CONNECTING_EVERY_MS 10000ULL

enum http_method { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE };

/* Streams a request body: copies up to n bytes into buf and returns the
 * count, 0 at the end, or -1 with err set (the request then fails with
 * that error). */
typedef ssize_t (*http_read_fn)(void *ctx, void *buf, size_t n,
				struct bs_err *err);

/* How often a transfer looks at the stop flag, at least. */
#define HTTP_STOP_POLL_MS 100

/* How long a request with answer_on_stop may go on after a stop. */
#define HTTP_ANSWER_GRACE_MS 400ULL

struct http_req {
	enum http_method method;
	const char *url;
	const char *const *headers;  /* "Name: value" lines, NULL-terminated;
					may be NULL */
	const char *body;            /* in-memory body, or NULL */
	size_t body_len;
	http_read_fn read;           /* streamed body instead, or NULL */
	void *read_ctx;
	long long read_len;          /* its exact length */
	FILE *sink;                  /* response body goes here when set */
	int fresh;                   /* on a new connection: libcurl sends a
					request again by itself when a kept-alive
					connection dies before any answer, which
					a request that must not be carried out
					twice (a job create) cannot have; on a
					new connection it never does */
	int answer_on_stop;          /* a request whose lost answer would
					leave something behind unknown (a job
					create: an Open job no one records):
					a stop lets it run HTTP_ANSWER_GRACE_MS
					more for its answer */
};

#define HTTP_INFO_MAX 256

struct http_resp {
	long status;                     /* 0 until a response arrived */
	struct sbuf body;                /* response body (unless sink) */
	unsigned long long body_bytes;   /* decoded body bytes received */
	long retry_after_s;              /* Retry-After in seconds, or -1 */
	char content_type[HTTP_INFO_MAX];
	char limit_info[HTTP_INFO_MAX];  /* Sforce-Limit-Info, or "" */
};

/* Prepares resp; the body keeps at most max_body bytes (a larger response
 * fails the request).  http_resp_release frees it. */
void http_resp_init(struct http_resp *resp, size_t max_body);
void http_resp_release(struct http_resp *resp);

/* Once per process, before threads start; -1 when libcurl cannot start. */
int http_global_init(struct bs_err *err);
void http_global_cleanup(void);

/* 0 when url is https://, or http:// to a loopback host; else -1 with a
 * BS_E_CONFIG error naming the URL. */
int http_url_check(const char *url, struct bs_err *err);

struct http *http_new(const struct http_opts *opts, struct bs_err *err);
void http_free(struct http *h);

/* Sends req and fills resp (resp is reset first).  Returns 0 when a
 * response arrived, whatever its status.  Returns -1 with err set when
 * there is none: BS_E_NETWORK when the server could not be reached or the
 * connection dropped or timed out (worth retrying), BS_E_LIMIT when
 * opts.stop ended it, BS_E_CONFIG for a URL
 * http_url_check refuses, BS_E_REMOTE for a response body over the cap,
 * BS_E_IO when the sink cannot be written, or the read callback's error. */
int http_do(struct http *h, const struct http_req *req,
	    struct http_resp *resp, struct bs_err *err);

/* Appends s percent-encoded for an application/x-www-form-urlencoded
 * body or a URL path segment (unreserved characters stay as they are). */
int http_urlencode(struct sbuf *out, const char *s);

#endif
