/*
 * sf_api.h - one call to the Salesforce REST API, with the session and
 * fault handling every call shares.
 *
 * A call names a path under /services/data/vXX.X (say "/jobs/ingest") and
 * sf_api adds the instance URL, the bearer token and the standard headers
 * (Accept, Sforce-Call-Options: client=billsync, User-Agent).  Then:
 *
 *   - 401 INVALID_SESSION_ID: the token is renewed (sf_auth_refresh)
 *     and the call replayed, up to three log-ins of the call's own;
 *     any other 401 fails at once with its errorCode and message (no
 *     renewal);
 *   - a dropped connection, a timeout, or HTTP 500/502/503/504/429: the
 *     call is retried up to opts.retries times, waiting retry_wait_ms,
 *     doubling each time up to retry_wait_max_ms, with jitter (a random
 *     point in the upper half of the wait), and at least as long as a
 *     Retry-After header asks;
 *   - 403 REQUEST_LIMIT_EXCEEDED fails at once with BS_E_LIMIT, saying
 *     which allocation ran out (sf_api_limit_text);
 *   - answers that refuse every call of the run, not just this one, fail
 *     with BS_E_REMOTE and set sf_api_refused_all(): a refused token (see
 *     sf_api_auth_failed), 410 (the API version is retired), 404 on a call
 *     flagged SF_CALL_ENDPOINT (the org does not serve that resource at
 *     this API version), and a 403 whose errorCode is about the whole org
 *     or user (API_DISABLED_FOR_ORG, API_CURRENTLY_DISABLED,
 *     FUNCTIONALITY_NOT_ENABLED, FEATURENOTENABLED);
 *   - any other error status fails with BS_E_REMOTE and Salesforce's
 *     errorCode and message, also left in call->error_code/error_message.
 *
 * A call flagged SF_CALL_ONCE (the CSV upload: a job takes one upload) is
 * never replayed: when its fate is unknown (connection dropped, 5xx, 401)
 * it fails with call->uncertain set and the caller checks the job's state
 * before trying again (sf_bulk.h).  A 401 still renews the token first.
 *
 * The wait before a retry is sf_backoff_ms(): the caller of an
 * SF_CALL_ONCE call that waits before checking and re-sending uses the
 * same schedule (sf_api_backoff_ms, with the Retry-After the uncertain
 * answer carried, call->retry_after_s).
 *
 * A struct sf_api belongs to one thread (it holds that thread's HTTP
 * handle); the sf_auth it uses is shared.  Waits end early when *stop or
 * *halt is set.  Every response is reported through opts.on_response, so
 * the caller can count calls and follow the org's daily allocation
 * (Sforce-Limit-Info: api-usage=USED/MAX).
 */
#ifndef SF_API_H
#define SF_API_H

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>

#include "http.h"

struct sf_auth;

struct sf_api_opts {
	const char *api_version;          /* "62.0" */
	unsigned retries;                 /* extra attempts on 5xx/drops */
	unsigned long retry_wait_ms;      /* first back-off */
	unsigned long retry_wait_max_ms;  /* cap on one back-off */
	volatile sig_atomic_t *stop;      /* may be NULL */
	const atomic_int *halt;           /* may be NULL */
	/* After every API response: its status and the api-usage numbers of
	 * Sforce-Limit-Info (0/0 when absent).  May be NULL.  Called from the
	 * thread that owns this sf_api. */
	void (*on_response)(void *ctx, long status, unsigned long long used,
			    unsigned long long max);
	/* Something worth a log line (a retry, a renewed token); may be
	 * NULL.  msg never holds a secret. */
	void (*on_note)(void *ctx, const char *msg);
	void *ctx;
};

enum sf_call_flags {
	SF_CALL_ONCE = 1 << 0,     /* never replay (see above) */
	SF_CALL_ENDPOINT = 1 << 1, /* the path is a resource every call of
				      its kind uses (POST /jobs/ingest): a
				      404 means the org does not serve it */
	SF_CALL_NOT_TWICE = 1 << 2 /* carrying it out twice does harm (a job
				      create): each attempt goes on a new
				      connection, so that libcurl never
				      sends it again on its own (http.h,
				      fresh) and every lost answer is
				      counted in uncertain_tries; implied
				      by SF_CALL_ONCE.  A stop lets it run a
				      little longer for its answer (http.h,
				      answer_on_stop) */
};

#define SF_CODE_MAX 64
#define SF_MESSAGE_MAX 1024

struct sf_call {
	/* in */
	enum http_method method;
	const char *path;             /* under /services/data/vXX.X */
	const char *json;             /* JSON request body, or NULL */
	http_read_fn read;            /* streamed body instead, or NULL */
	void *read_ctx;
	long long read_len;
	const char *content_type;     /* of a streamed body */
	const char *content_encoding; /* of a streamed body, or NULL */
	const char *accept;           /* NULL: application/json */
	FILE *sink;                   /* response body to this file */
	unsigned flags;
	/* out */
	long status;                  /* last HTTP status, 0 if none */
	int uncertain;                /* SF_CALL_ONCE: may have been processed */
	unsigned uncertain_tries;     /* attempts before the last one whose
					 fate is unknown (dropped, timed out,
					 5xx/429) and that were sent again:
					 each may have been processed */
	long retry_after_s;           /* Retry-After of the last answer, or -1 */
	char error_code[SF_CODE_MAX]; /* errorCode of an error response */
	char error_message[SF_MESSAGE_MAX];
};

/* A client for one thread; NULL with err when out of memory.  auth is
 * borrowed for the api's life (sf_api_free leaves it; the workers of a
 * load share one, sf_auth.h); *ho and *opts are copied, with their strings,
 * but ho->trace, opts->stop, opts->halt and opts->ctx are borrowed and
 * must outlive the api.  sf_api_free(NULL) is harmless. */
struct sf_api *sf_api_new(struct sf_auth *auth, const struct http_opts *ho,
			  const struct sf_api_opts *opts, struct bs_err *err);
void sf_api_free(struct sf_api *api);

/* Makes the call; resp receives the body (unless call->sink).  Returns 0
 * for a 2xx answer, else -1 with err set as described above. */
int sf_api_call(struct sf_api *api, struct sf_call *call,
		struct http_resp *resp, struct bs_err *err);

/* 1 when the last call failed because no token could be had: the log-in
 * was refused, or a renewed token was (an error for the whole load, not
 * for the one request). */
int sf_api_auth_failed(const struct sf_api *api);

/* 1 when the last call's refusal applies to every call of the run (see
 * above; includes sf_api_auth_failed). */
int sf_api_refused_all(const struct sf_api *api);

/* The wait before attempt number attempt+1 (attempt 0: the first retry):
 * first_ms doubled attempt times, at most cap_ms (0: 60 s), then a random
 * point in its upper half [d/2, d] from *rand, and never shorter than
 * retry_after_s seconds (when > 0; at most 15 minutes). */
unsigned long long sf_backoff_ms(unsigned long long first_ms,
				 unsigned long long cap_ms, unsigned attempt,
				 long retry_after_s, unsigned long long *rand);

/* sf_backoff_ms with this sf_api's retry_wait_ms, retry_wait_max_ms and
 * random state. */
unsigned long long sf_api_backoff_ms(struct sf_api *api, unsigned attempt,
				     long retry_after_s);

/* Parses a Salesforce error body ([{"errorCode":..,"message":..}] or a
 * single object) into code and message; 0 when one was found. */
int sf_api_parse_error(const char *body, size_t len, char *code,
		       size_t code_size, char *message, size_t message_size);

/* What a REQUEST_LIMIT_EXCEEDED message (or a job's "ExceededQuota :
 * ..." errorMessage) says is used up, for people: "the org's daily Bulk
 * API records are used up" for "DailyBulkRecords Limit exceeded.", the
 * daily API requests for "TotalRequests Limit exceeded.", and so on; a
 * static string. */
const char *sf_api_limit_text(const char *message);

/* Parses "api-usage=USED/MAX" out of a Sforce-Limit-Info value; 0 when
 * found. */
int sf_api_parse_usage(const char *info, unsigned long long *used,
		       unsigned long long *max);

#endif
