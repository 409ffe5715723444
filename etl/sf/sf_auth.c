/* sf_auth.c - Salesforce OAuth: client credentials, JWT bearer, refresh
 * token or a ready token (see sf_auth.h). */
#include "sf_auth.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "formats/jsonerr.h"
#include "base/config.h"
#include "http.h"
#include "secret.h"
#include "sf_auth_int.h"

#define TOKEN_RESPONSE_MAX (64 * 1024)
#define JWT_LIFETIME_S 180
#define DEFAULT_LOGIN_URL "https://login.salesforce.com"

struct sf_auth {
	enum sf_auth_kind kind;
	char *token_url;       /* .../services/oauth2/token; NULL for access_token */
	char *client_id;
	char *username;
	char *audience;
	char *client_secret;   /* secrets: wiped on free */
	char *private_key;
	char *refresh_token;
	pthread_mutex_t lock;
	struct sf_token cur;   /* cur.gen == 0: no token yet */
	unsigned long logins;
};

static const char *const kind_names[] = {
	"client_credentials", "jwt", "refresh_token", "access_token"
};

static void wipe_sbuf(struct sbuf *sb)
{
	volatile char *p = sb->buf;
	size_t i;

	for (i = 0; sb->alloc && i < sb->len; i++)
		p[i] = '\0';
	sbuf_release(sb);
}

void sf_token_wipe(struct sf_token *tok)
{
	volatile char *p = tok->value;
	size_t i;

	for (i = 0; i < sizeof(tok->value); i++)
		p[i] = '\0';
}

/* Copies url without trailing slashes into dst; 0 or -1 when too long. */
static int copy_base_url(char *dst, size_t size, const char *url)
{
	size_t n = strlen(url);

	while (n && url[n - 1] == '/')
		n--;
	if (n >= size)
		return -1;
	memcpy(dst, url, n);
	dst[n] = '\0';
	return 0;
}

static int config_fail(const struct config *cfg, const char *key,
		       struct bs_err *err, const char *fmt, ...) BS_PRINTF(4, 5);

/* A BS_E_CONFIG error located at [salesforce] key. */
static int config_fail(const struct config *cfg, const char *key,
		       struct bs_err *err, const char *fmt, ...)
{
	char msg[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
			 config_line(cfg, "salesforce", key), "%s", msg);
}

static int check_url(const struct config *cfg, const char *key,
		     const char *url, struct bs_err *err)
{
	if (http_url_check(url, err) < 0) {
		bs_err_locate(err, config_file(cfg),
			      config_line(cfg, "salesforce", key));
		bs_err_prefix(err, "[salesforce] %s", key);
		return -1;
	}
	return 0;
}

/* The host part of an http(s) URL, lower case, into buf. */
static void url_host(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n = 0;

	p = p ? p + 3 : url;
	while (*p && *p != '/' && *p != ':' && n + 1 < size) {
		char c = *p++;

		buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[n] = '\0';
}

static int read_kind(const struct config *cfg, enum sf_auth_kind *kind,
		     struct bs_err *err)
{
	const char *v = config_get(cfg, "salesforce", "auth");
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (v && !strcmp(v, kind_names[i])) {
			*kind = (enum sf_auth_kind)i;
			return 0;
		}
	}
	return config_fail(cfg, "auth", err,
			   "[salesforce] auth: '%s' is not one of client_credentials, "
			   "jwt, refresh_token, access_token", v ? v : "");
}

static int read_client_id(const struct config *cfg, struct sf_auth *a,
			  struct bs_err *err)
{
	const char *id = config_get(cfg, "salesforce", "client_id");
	const char *var = config_get(cfg, "salesforce", "client_id_env");

	if (var && *var) {
		id = getenv(var);
		if (!id || !*id)
			return config_fail(cfg, "client_id_env", err,
					   "[salesforce] client_id_env: environment "
					   "variable '%s' is not set", var);
	}
	if (!id || !*id)
		return config_fail(cfg, "auth", err,
				   "[salesforce] auth = %s needs client_id (or "
				   "client_id_env)", kind_names[a->kind]);
	a->client_id = strdup(id);
	return a->client_id ? 0 : bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* Reads secret NAME into *out; missing is an error when required. */
static int read_secret(const struct config *cfg, const struct sf_auth *a,
		       const char *name, int required, char **out,
		       struct bs_err *err)
{
	int r = secret_read(cfg, "salesforce", name, out, err);

	if (r < 0)
		return -1;
	if (r == 0 && required) {
		bs_err_at(err, BS_E_CONFIG, config_file(cfg),
			  config_line(cfg, "salesforce", "auth"),
			  "[salesforce] auth = %s needs %s_env or %s_file",
			  kind_names[a->kind], name, name);
		return -1;
	}
	return 0;
}

/* Where the token request goes: login_url, else instance_url, else (for
 * flows that allow it) login.salesforce.com. */
static int set_token_url(const struct config *cfg, struct sf_auth *a,
			 struct bs_err *err)
{
	const char *login = config_get(cfg, "salesforce", "login_url");
	const char *inst = config_get(cfg, "salesforce", "instance_url");
	const char *base = login ? login : inst;
	const char *key = login ? "login_url" : "instance_url";
	char host[256], trimmed[SF_URL_MAX], url[SF_URL_MAX + 32];

	if (!base && a->kind == SF_AUTH_CLIENT_CREDENTIALS)
		return config_fail(cfg, "auth", err,
				   "[salesforce] auth = %s needs login_url or "
				   "instance_url: the org's My Domain URL",
				   kind_names[a->kind]);
	if (!base)
		base = DEFAULT_LOGIN_URL;
	else if (check_url(cfg, key, base, err) < 0)
		return -1;
	url_host(base, host, sizeof(host));
	if (a->kind == SF_AUTH_CLIENT_CREDENTIALS &&
	    (!strcmp(host, "login.salesforce.com") ||
	     !strcmp(host, "test.salesforce.com")))
		return config_fail(cfg, key, err,
				   "[salesforce] %s: the client credentials flow "
				   "must go to the org's My Domain "
				   "(https://NAME.my.salesforce.com), not a generic "
				   "login host", key);
	if (copy_base_url(trimmed, sizeof(trimmed), base) < 0)
		return config_fail(cfg, key, err, "[salesforce] %s: URL too long",
				   key);
	snprintf(url, sizeof(url), "%s/services/oauth2/token", trimmed);
	a->token_url = strdup(url);
	return a->token_url ? 0 : bs_err_set(err, BS_E_NOMEM, "out of memory");
}

static int setup_access_token(const struct config *cfg, struct sf_auth *a,
			      struct bs_err *err)
{
	const char *inst = config_get(cfg, "salesforce", "instance_url");
	char *tok = NULL;

	if (!inst)
		return config_fail(cfg, "auth", err,
				   "[salesforce] auth = %s needs instance_url",
				   kind_names[a->kind]);
	if (check_url(cfg, "instance_url", inst, err) < 0 ||
	    read_secret(cfg, a, "access_token", 1, &tok, err) < 0)
		return -1;
	if (strlen(tok) >= sizeof(a->cur.value) ||
	    copy_base_url(a->cur.instance_url, sizeof(a->cur.instance_url),
			  inst) < 0) {
		secret_free(tok);
		return config_fail(cfg, "auth", err,
				   "[salesforce] auth = %s: token or URL too long",
				   kind_names[a->kind]);
	}
	memcpy(a->cur.value, tok, strlen(tok) + 1);
	secret_free(tok);
	a->cur.gen = 1;
	return 0;
}

static int setup(const struct config *cfg, struct sf_auth *a,
		 struct bs_err *err)
{
	const char *v;

	if (read_kind(cfg, &a->kind, err) < 0)
		return -1;
	if (a->kind == SF_AUTH_ACCESS_TOKEN)
		return setup_access_token(cfg, a, err);
	if (read_client_id(cfg, a, err) < 0 || set_token_url(cfg, a, err) < 0)
		return -1;
	switch (a->kind) {
	case SF_AUTH_CLIENT_CREDENTIALS:
		return read_secret(cfg, a, "client_secret", 1,
				   &a->client_secret, err);
	case SF_AUTH_JWT:
		v = config_get(cfg, "salesforce", "username");
		if (!v || !*v)
			return config_fail(cfg, "auth", err,
					   "[salesforce] auth = %s needs username",
					   kind_names[a->kind]);
		a->username = strdup(v);
		v = config_get(cfg, "salesforce", "audience");
		a->audience = strdup(v ? v : DEFAULT_LOGIN_URL);
		if (!a->username || !a->audience)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		return read_secret(cfg, a, "private_key", 1, &a->private_key,
				   err);
	case SF_AUTH_REFRESH_TOKEN:
		if (read_secret(cfg, a, "client_secret", 0, &a->client_secret,
				err) < 0)
			return -1;
		return read_secret(cfg, a, "refresh_token", 1,
				   &a->refresh_token, err);
	case SF_AUTH_ACCESS_TOKEN:
		break;
	}
	return 0;
}

struct sf_auth *sf_auth_from_config(const struct config *cfg,
				    struct bs_err *err)
{
	struct sf_auth *a = calloc(1, sizeof(*a));

	if (!a) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	if (setup(cfg, a, err) < 0) {
		sf_auth_free(a);
		return NULL;
	}
	return a;
}

void sf_auth_free(struct sf_auth *a)
{
	if (!a)
		return;
	secret_free(a->client_secret);
	secret_free(a->private_key);
	secret_free(a->refresh_token);
	sf_token_wipe(&a->cur);
	free(a->token_url);
	free(a->client_id);
	free(a->username);
	free(a->audience);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

enum sf_auth_kind sf_auth_kind_of(const struct sf_auth *a)
{
	return a->kind;
}

unsigned long sf_auth_logins(struct sf_auth *a)
{
	unsigned long n;

	pthread_mutex_lock(&a->lock);
	n = a->logins;
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* ---- JWT ---------------------------------------------------------- */

static int add_base64url(struct sbuf *out, const unsigned char *data,
			 size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, i, n;
	unsigned char *b = malloc(cap);
	int rc = 0;

	if (!b)
		return -1;
	n = (size_t)EVP_EncodeBlock(b, data, (int)len);
	while (n && b[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		b[i] = b[i] == '+' ? '-' : b[i] == '/' ? '_' : b[i];
	rc = sbuf_add(out, b, n);
	free(b);
	return rc;
}

static int add_json_base64url(struct sbuf *out, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int rc;

	json_decref(j);
	if (!s)
		return -1;
	rc = add_base64url(out, (const unsigned char *)s, strlen(s));
	free(s);
	return rc;
}

static int rs256_sign(const char *key_pem, const char *data, size_t len,
		      unsigned char **sig, size_t *siglen, struct bs_err *err)
{
	BIO *bio = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) :
			      NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;

	*sig = NULL;
	if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		bs_err_set(err, BS_E_CONFIG,
			   "[salesforce] private key: not a PEM RSA private key");
		goto out;
	}
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, siglen, (const unsigned char *)data,
			   len) != 1 ||
	    !(*sig = malloc(*siglen)) ||
	    EVP_DigestSign(md, *sig, siglen, (const unsigned char *)data,
			   len) != 1) {
		bs_err_set(err, BS_E_INTERNAL, "cannot sign the JWT assertion");
		free(*sig);
		*sig = NULL;
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

int sf_jwt_build(const char *client_id, const char *username,
		 const char *audience, long long exp, const char *key_pem,
		 struct sbuf *out, struct bs_err *err)
{
	json_t *claims = json_pack("{s:s, s:s, s:s, s:I}", "iss", client_id,
				   "sub", username, "aud", audience, "exp",
				   (json_int_t)exp);
	unsigned char *sig;
	size_t siglen;
	int rc;

	if (!claims || add_json_base64url(out, json_pack("{s:s}", "alg",
							 "RS256")) < 0 ||
	    sbuf_addc(out, '.') < 0 || add_json_base64url(out, claims) < 0)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (rs256_sign(key_pem, out->buf, out->len, &sig, &siglen, err) < 0)
		return -1;
	rc = sbuf_addc(out, '.') < 0 || add_base64url(out, sig, siglen) < 0;
	free(sig);
	return rc ? bs_err_set(err, BS_E_NOMEM, "out of memory") : 0;
}

/* ---- token requests ----------------------------------------------- */

static int form_add(struct sbuf *form, const char *key, const char *value)
{
	return (form->len && sbuf_addc(form, '&') < 0) ||
	       sbuf_adds(form, key) < 0 || sbuf_addc(form, '=') < 0 ||
	       http_urlencode(form, value) < 0 ? -1 : 0;
}

static int build_form(struct sf_auth *a, struct sbuf *form, struct bs_err *err)
{
	struct sbuf jwt;
	int rc = 0;

	switch (a->kind) {
	case SF_AUTH_CLIENT_CREDENTIALS:
		rc = form_add(form, "grant_type", "client_credentials") ||
		     form_add(form, "client_id", a->client_id) ||
		     form_add(form, "client_secret", a->client_secret);
		break;
	case SF_AUTH_JWT:
		sbuf_init(&jwt, 0);
		if (sf_jwt_build(a->client_id, a->username, a->audience,
				 (long long)time(NULL) + JWT_LIFETIME_S,
				 a->private_key, &jwt, err) < 0) {
			wipe_sbuf(&jwt);
			return -1;
		}
		rc = form_add(form, "grant_type",
			      "urn:ietf:params:oauth:grant-type:jwt-bearer") ||
		     form_add(form, "assertion", jwt.buf);
		wipe_sbuf(&jwt);
		break;
	case SF_AUTH_REFRESH_TOKEN:
		rc = form_add(form, "grant_type", "refresh_token") ||
		     form_add(form, "refresh_token", a->refresh_token) ||
		     form_add(form, "client_id", a->client_id) ||
		     (a->client_secret &&
		      form_add(form, "client_secret", a->client_secret));
		break;
	case SF_AUTH_ACCESS_TOKEN:
		return bs_err_set(err, BS_E_REMOTE,
				  "the access token was refused and [salesforce] "
				  "auth = access_token cannot get a new one");
	}
	return rc ? bs_err_set(err, BS_E_NOMEM, "out of memory") : 0;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int sf_auth_parse_token(enum sf_auth_kind kind, const struct http_resp *r,
			struct sf_token *tok_out, struct bs_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(r->body.buf, r->body.len, 0, &je);
	const char *tok = jstr(j, "access_token");
	const char *inst = jstr(j, "instance_url");
	const char *e = jstr(j, "error"), *d = jstr(j, "error_description");
	int rc = -1;

	if (!j && jsonerr_oom(&je))   /* not an answer without a token */
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (r->status != 200 || !tok) {
		if (r->status >= 500)
			bs_err_set(err, BS_E_NETWORK,
				   "the token endpoint answered HTTP %ld", r->status);
		else if (e && !strcmp(e, "rate_limit_exceeded"))
			bs_err_set(err, BS_E_LIMIT,
				   "Salesforce refused the log-in: %s%s%s", e,
				   d ? ": " : "", d ? d : "");
		else
			bs_err_set(err, BS_E_REMOTE,
				   "Salesforce refused the log-in (%s): %s%s%s",
				   kind_names[kind], e ? e : "HTTP error",
				   d ? ": " : "", d ? d : "");
		goto out;
	}
	if (!*tok) {   /* "Bearer " would be refused by every call */
		bs_err_set(err, BS_E_REMOTE,
			   "the token response's access_token is empty");
		goto out;
	}
	if (!inst) {
		bs_err_set(err, BS_E_REMOTE,
			   "the token response has no instance_url");
		goto out;
	}
	if (http_url_check(inst, err) < 0) {
		err->kind = BS_E_REMOTE;
		bs_err_prefix(err, "the token response's instance_url");
		goto out;
	}
	if (strlen(tok) >= sizeof(tok_out->value) ||
	    copy_base_url(tok_out->instance_url, sizeof(tok_out->instance_url),
			  inst) < 0) {
		bs_err_set(err, BS_E_REMOTE,
			   "the token response holds values too long to use");
		goto out;
	}
	memcpy(tok_out->value, tok, strlen(tok) + 1);
	rc = 0;
out:
	if (j) {
		json_t *t = json_object_get(j, "access_token");

		if (json_is_string(t)) /* wipe the token in jansson's copy */
			memset((char *)json_string_value(t), 0,
			       json_string_length(t));
		json_decref(j);
	}
	return rc;
}

/* Logs in; the caller holds the lock. */
static int login(struct sf_auth *a, struct http *h, struct bs_err *err)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL
	};
	struct http_req req;
	struct http_resp resp;
	struct sbuf form;
	int rc;

	sbuf_init(&form, 0);
	/* Room up front: no stale secret copies.  Its failure sticks, so
	 * build_form's appends then fail with "out of memory". */
	sbuf_grow(&form, 8192);
	if (build_form(a, &form, err) < 0) {
		wipe_sbuf(&form);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.method = HTTP_POST;
	req.url = a->token_url;
	req.headers = headers;
	req.body = form.buf;
	req.body_len = form.len;
	http_resp_init(&resp, TOKEN_RESPONSE_MAX);
	rc = http_do(h, &req, &resp, err);
	wipe_sbuf(&form);
	if (rc == 0)
		rc = sf_auth_parse_token(a->kind, &resp, &a->cur, err);
	if (rc == 0) {
		a->cur.gen++;
		a->logins++;
	}
	if (resp.body.alloc)
		memset(resp.body.buf, 0, resp.body.len);
	http_resp_release(&resp);
	return rc;
}

int sf_auth_get(struct sf_auth *a, struct http *h, struct sf_token *tok,
		struct bs_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if (!a->cur.gen)
		rc = login(a, h, err);
	if (rc == 0)
		*tok = a->cur;
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int sf_auth_refresh(struct sf_auth *a, struct http *h, unsigned long gen,
		    struct sf_token *tok, struct bs_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if (a->cur.gen == gen)
		rc = login(a, h, err) < 0 ? -1 : 1;
	if (rc >= 0)
		*tok = a->cur;
	pthread_mutex_unlock(&a->lock);
	return rc;
}
