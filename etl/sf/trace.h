/*
 * trace.h - the HTTP trace (--trace FILE, [salesforce] trace): every
 * request and response http.c makes, for an operator reading what was said
 * to Salesforce.
 *
 *     struct http_trace *t = http_trace_open(path, err);
 *     opts.trace = t;                 every struct http made with opts writes
 *     ...                             to it (from any thread)
 *     http_trace_free(t);             after the last struct http is freed
 *
 * Each exchange is numbered (#N); its request is written when it starts
 * and its response (status, time taken, chosen headers, body) when it
 * ends, each as one block, so the lines of concurrent requests never
 * interleave inside a block.  Bodies are cut at HTTP_TRACE_BODY_MAX bytes;
 * a streamed upload body is summarized (its length), never copied.
 *
 * Redaction happens here, before anything is written: the Authorization
 * header's credentials, Cookie headers, the values of OAuth fields
 * (access_token, refresh_token, client_secret, assertion, password,
 * signature, ...) in form bodies, URL queries and JSON, anything shaped
 * like a JWT, and PEM private keys.  http_trace_redact applies the same
 * rules to any text (exposed for the unit test).
 *
 * The file is opened for appending, created owner-only (0600), and flushed
 * after every block.
 */
#ifndef HTTP_TRACE_H
#define HTTP_TRACE_H

#include <stddef.h>

#include "formats/bs_err.h"
#include "formats/sbuf.h"

#define HTTP_TRACE_BODY_MAX 4096

struct http_trace;

/* Opens (creates, appends to) path; NULL with a BS_E_IO error when it
 * cannot.  The caller owns the result. */
struct http_trace *http_trace_open(const char *path, struct bs_err *err);
/* Closes the file; NULL is harmless. */
void http_trace_free(struct http_trace *t);

/* The number of the next exchange (thread-safe). */
unsigned long http_trace_next(struct http_trace *t);

/* Writes the request block of exchange id.  body/len is an in-memory body
 * (or NULL); streamed >= 0 is the length of a streamed body instead. */
void http_trace_request(struct http_trace *t, unsigned long id,
			const char *method, const char *url,
			const char *const *headers, const char *body,
			size_t len, long long streamed);

/* Writes the response block of exchange id: status (0: none, then error
 * says why), microseconds taken, the chosen response header lines
 * ("Name: value\n" each), the first bytes of the body and the body's
 * whole length. */
void http_trace_response(struct http_trace *t, unsigned long id, long status,
			 long long usec, const char *headers, const char *body,
			 size_t len, unsigned long long total,
			 const char *error);

/* Appends text (len bytes) to out with every secret the trace hides
 * replaced by "[redacted]".  -1 when out is full or out of memory. */
int http_trace_redact(struct sbuf *out, const char *text, size_t len);

#endif
