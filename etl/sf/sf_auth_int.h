/*
 * sf_auth_int.h - sf_auth.c's reader of the token endpoint's answer,
 * internal to the sf layer and its tests (tests/fuzz/fuzz_sf.c).
 */
#ifndef SF_AUTH_INT_H
#define SF_AUTH_INT_H

#include "http.h"
#include "sf_auth.h"

/* Reads an OAuth token response into tok's value and instance_url
 * (tok->gen is left alone; the caller counts the log-in).  A status other
 * than 200 or an answer without access_token is Salesforce's refusal
 * (BS_E_NETWORK for 5xx, BS_E_LIMIT for rate_limit_exceeded, else
 * BS_E_REMOTE naming the kind of log-in and Salesforce's error); an empty
 * access_token, a missing or refused instance_url, or values too long for
 * tok are BS_E_REMOTE.
 * The token in jansson's copy of the body is wiped. */
int sf_auth_parse_token(enum sf_auth_kind kind, const struct http_resp *r,
			struct sf_token *tok, struct bs_err *err);

#endif
