/* test_sf_auth.c - the JWT bearer assertion (claims, base64url, an RS256
 * signature that verifies) and the checks of [salesforce] settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tap.h"
#include "base/config.h"
#include "sf/sf_auth.h"

static char dir[] = "/tmp/billsync-auth-XXXXXX";

/* base64url without padding -> bytes (malloc'd), or NULL. */
static unsigned char *unb64url(const char *s, size_t n, size_t *out_len)
{
	size_t pad = (4 - n % 4) % 4, i;
	char *t = malloc(n + pad + 1);
	unsigned char *out = malloc(n + 4);
	int len;

	if (!t || !out) {
		free(t);
		free(out);
		return NULL;
	}
	for (i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	for (; i < n + pad; i++)
		t[i] = '=';
	t[i] = '\0';
	len = EVP_DecodeBlock(out, (unsigned char *)t, (int)(n + pad));
	free(t);
	if (len < 0) {
		free(out);
		return NULL;
	}
	*out_len = (size_t)len - pad;
	return out;
}

static char *pem_of(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	s = malloc((size_t)n + 1);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

static void test_jwt(void)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	char *pem = pem_of(key), *dot1, *dot2;
	unsigned char *hdr, *claims, *sig;
	size_t hlen, clen, slen;
	struct sbuf jwt;
	struct bs_err e;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	json_t *c;

	sbuf_init(&jwt, 0);
	CHECK_INT(sf_jwt_build("3MVG9id", "user@example.com",
			       "https://login.salesforce.com", 1700000180, pem, &jwt,
			       &e), 0);
	CHECK(!strchr(jwt.buf, '=') && !strchr(jwt.buf, '+') &&
	      !strchr(jwt.buf, '/'));
	dot1 = strchr(jwt.buf, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	CHECK(dot1 && dot2);
	if (!dot1 || !dot2)
		goto out;
	hdr = unb64url(jwt.buf, (size_t)(dot1 - jwt.buf), &hlen);
	claims = unb64url(dot1 + 1, (size_t)(dot2 - dot1 - 1), &clen);
	sig = unb64url(dot2 + 1, strlen(dot2 + 1), &slen);
	CHECK(hdr && hlen == strlen("{\"alg\":\"RS256\"}") &&
	      !memcmp(hdr, "{\"alg\":\"RS256\"}", hlen));
	c = json_loadb((const char *)claims, clen, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(c, "iss")), "3MVG9id");
	CHECK_STR(json_string_value(json_object_get(c, "sub")), "user@example.com");
	CHECK_STR(json_string_value(json_object_get(c, "aud")),
		  "https://login.salesforce.com");
	CHECK_INT(json_integer_value(json_object_get(c, "exp")), 1700000180);
	json_decref(c);
	CHECK_INT(slen, 256);
	CHECK_INT(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	CHECK_INT(EVP_DigestVerify(md, sig, slen, (unsigned char *)jwt.buf,
				   (size_t)(dot2 - jwt.buf)), 1);
	free(hdr);
	free(claims);
	free(sig);

	sbuf_reset(&jwt);
	CHECK_INT(sf_jwt_build("id", "u", "a", 1, "not a key", &jwt, &e), -1);
	CHECK_INT(e.kind, BS_E_CONFIG);
	CHECK_CONTAINS(e.msg, "private key");
out:
	EVP_MD_CTX_free(md);
	sbuf_release(&jwt);
	free(pem);
	EVP_PKEY_free(key);
}

static struct config *conf(const char *text)
{
	char path[256];
	struct bs_err e;
	struct config *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/billsync.conf", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	c = config_load(path, &e);
	if (!c)
		printf("# %s\n", e.msg);
	return c;
}

/* sf_auth_from_config on text: NULL and the error message when refused. */
static const char *refused(const char *text)
{
	static struct bs_err e;
	struct config *c = conf(text);
	struct sf_auth *a;

	if (!c)
		return "(bad config)";
	bs_err_clear(&e);
	a = sf_auth_from_config(c, &e);
	config_free(c);
	if (a) {
		sf_auth_free(a);
		return NULL;
	}
	CHECK_INT(e.kind, BS_E_CONFIG);
	return e.msg;
}

static void test_config_checks(void)
{
	char secret[300], text[1024];
	FILE *f;

	snprintf(secret, sizeof(secret), "%s/secret", dir);
	f = fopen(secret, "w");
	fputs("s3cret\n", f);
	fclose(f);
	chmod(secret, 0600);

	snprintf(text, sizeof(text), "[salesforce]\ninstance_url = "
		 "https://acme.my.salesforce.com\nclient_id = x\n"
		 "client_secret_file = %s\n", secret);
	CHECK(refused(text) == NULL);
	CHECK_CONTAINS(refused("[salesforce]\nclient_id = x\nclient_secret_env = "
			       "BS_UNIT_NO_SUCH_VAR\ninstance_url = https://a.example\n"),
		       "'BS_UNIT_NO_SUCH_VAR' is not set");
	CHECK_CONTAINS(refused("[salesforce]\ninstance_url = https://a.example\n"
			       "client_secret_env = X\n"), "needs client_id");
	snprintf(text, sizeof(text), "[salesforce]\nlogin_url = "
		 "https://login.salesforce.com\nclient_id = x\n"
		 "client_secret_file = %s\n", secret);
	CHECK_CONTAINS(refused(text), "My Domain");
	snprintf(text, sizeof(text), "[salesforce]\ninstance_url = "
		 "http://acme.example\nclient_id = x\nclient_secret_file = %s\n",
		 secret);
	CHECK_CONTAINS(refused(text), "only https");
	CHECK_CONTAINS(refused("[salesforce]\nauth = jwt\nclient_id = x\n"),
		       "needs username");
	CHECK_CONTAINS(refused("[salesforce]\nauth = access_token\n"),
		       "needs instance_url");
	CHECK_CONTAINS(refused("[salesforce]\nauth = sso\n"), "is not one of");
	snprintf(text, sizeof(text), "[salesforce]\nauth = refresh_token\n"
		 "client_id = x\nrefresh_token_file = %s\n", secret);
	CHECK(refused(text) == NULL);   /* defaults to login.salesforce.com */
	chmod(secret, 0644);
	CHECK_CONTAINS(refused(text), "chmod 600");
	unlink(secret);
}

int main(void)
{
	char path[256];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_jwt);
	RUN(test_config_checks);
	snprintf(path, sizeof(path), "%s/billsync.conf", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
