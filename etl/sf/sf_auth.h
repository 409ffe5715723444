/*
 * sf_auth.h - getting and renewing a Salesforce access token.
 *
 * Four ways, chosen by [salesforce] auth:
 *
 *   client_credentials  OAuth 2.0 client credentials (client_id, client
 *                       secret) posted to the org's My Domain (login_url,
 *                       else instance_url); login.salesforce.com and
 *                       test.salesforce.com are refused, as Salesforce does
 *   jwt                 JWT bearer: an RS256 assertion signed with the
 *                       private key (iss client_id, sub username, aud
 *                       audience, exp now + 3 minutes)
 *   refresh_token       a refresh token (client secret optional)
 *   access_token        a ready token plus [salesforce] instance_url; it
 *                       cannot be renewed
 *
 * Secrets (client secret, private key, refresh and access tokens) come
 * through secret.h and stay in memory owned by struct sf_auth, which wipes
 * them when freed.  The access token is handed out only as a copy in a
 * struct sf_token for the Authorization header; nothing here logs or
 * stores it.  API calls go to the instance_url the token endpoint returns.
 *
 * One struct sf_auth is shared by every worker thread: its functions take
 * an internal lock, and a log-in happens once however many workers find
 * the token expired at the same moment (see sf_auth_refresh).
 */
#ifndef SF_AUTH_H
#define SF_AUTH_H

#include "formats/bs_err.h"
#include "formats/sbuf.h"

struct config;
struct http;

#define SF_TOKEN_MAX 4096
#define SF_URL_MAX 1024

enum sf_auth_kind {
	SF_AUTH_CLIENT_CREDENTIALS,
	SF_AUTH_JWT,
	SF_AUTH_REFRESH_TOKEN,
	SF_AUTH_ACCESS_TOKEN
};

/* A copy of the current token.  gen numbers the tokens of one sf_auth, so
 * that sf_auth_refresh can tell whether the token a caller used is still
 * the current one.  Wipe it with sf_token_wipe when done. */
struct sf_token {
	char value[SF_TOKEN_MAX];
	char instance_url[SF_URL_MAX];  /* no trailing slash */
	unsigned long gen;
};

/* Reads [salesforce] from cfg and the secrets it names, and checks them
 * (missing keys, URLs that are not https, client credentials sent to
 * login.salesforce.com); errors are BS_E_CONFIG with the file and line.
 * Does not contact Salesforce.  The result is the caller's (sf_auth_free). */
struct sf_auth *sf_auth_from_config(const struct config *cfg,
				    struct bs_err *err);

/* Wipes the secrets and frees; NULL is harmless. */
void sf_auth_free(struct sf_auth *a);

enum sf_auth_kind sf_auth_kind_of(const struct sf_auth *a);

/* Copies the current token into *tok, logging in through h first when
 * there is none yet.  Errors: BS_E_REMOTE when Salesforce refuses the
 * log-in (with its error and description), BS_E_NETWORK when the token
 * endpoint cannot be reached (the caller may retry), BS_E_LIMIT for
 * rate_limit_exceeded. */
int sf_auth_get(struct sf_auth *a, struct http *h, struct sf_token *tok,
		struct bs_err *err);

/* The token numbered gen was refused with 401 INVALID_SESSION_ID: logs in
 * again unless another caller already replaced that token, then copies the
 * current token into *tok.  Returns 1 when it logged in, 0 when another
 * caller's newer token was taken, -1 on error.  An access_token
 * configuration cannot log in again and fails with BS_E_REMOTE. */
int sf_auth_refresh(struct sf_auth *a, struct http *h, unsigned long gen,
		    struct sf_token *tok, struct bs_err *err);

/* How many times a token was fetched from the token endpoint. */
unsigned long sf_auth_logins(struct sf_auth *a);

void sf_token_wipe(struct sf_token *tok);

/* Builds the signed JWT bearer assertion into out (exposed for tests):
 * header {"alg":"RS256"}, claims iss/sub/aud/exp, base64url without
 * padding, RS256 with the PEM private key key_pem.  BS_E_CONFIG when the
 * key cannot be read as an RSA private key. */
int sf_jwt_build(const char *client_id, const char *username,
		 const char *audience, long long exp, const char *key_pem,
		 struct sbuf *out, struct bs_err *err);

#endif
