/* test_trace.c - the HTTP trace's redaction (etl/sf/trace.c) and the blocks
 * it writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sf/trace.h"
#include "tap.h"

/* text redacted, as a string the caller frees */
static char *redact(const char *text)
{
	struct sbuf b;

	sbuf_init(&b, 0);
	if (http_trace_redact(&b, text, strlen(text)) < 0) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_detach(&b, NULL);
}

#define CHECK_REDACT(text, want)              \
	do {                                  \
		char *r_ = redact(text);      \
		CHECK_STR(r_, want);          \
		free(r_);                     \
	} while (0)

static void test_form_fields(void)
{
	CHECK_REDACT("grant_type=client_credentials&client_id=abc&"
		     "client_secret=s3cr%2Ft",
		     "grant_type=client_credentials&client_id=abc&"
		     "client_secret=[redacted]");
	CHECK_REDACT("grant_type=refresh_token&refresh_token=rt-1&x=1",
		     "grant_type=refresh_token&refresh_token=[redacted]&x=1");
	CHECK_REDACT("/services/oauth2/token?code=abc&state=1",
		     "/services/oauth2/token?code=[redacted]&state=1");
	/* a name inside another word is not a field */
	CHECK_REDACT("no_token=1&mytoken=2", "no_token=1&mytoken=2");
}

static void test_json_fields(void)
{
	CHECK_REDACT("{\"access_token\":\"00D!AQx\",\"signature\" : \"sig=\","
		     "\"instance_url\":\"https://x\"}",
		     "{\"access_token\":\"[redacted]\",\"signature\" : "
		     "\"[redacted]\",\"instance_url\":\"https://x\"}");
	CHECK_REDACT("{\"refresh_token\":\"a\\\"b\"}",
		     "{\"refresh_token\":\"[redacted]\"}");
	/* cut in the middle of a value: redacted to the end */
	CHECK_REDACT("{\"access_token\":\"00D!AQxyz", "{\"access_token\":\"[redacted]");
	/* a value that is not a string stays */
	CHECK_REDACT("{\"token\":null}", "{\"token\":null}");
}

static void test_jwt_and_keys(void)
{
	CHECK_REDACT("assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln&x=1",
		     "assertion=[redacted]&x=1");
	CHECK_REDACT("see eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln here",
		     "see [redacted JWT] here");
	CHECK_REDACT("key: -----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
		     "-----END RSA PRIVATE KEY-----\nafter",
		     "key: [redacted private key]\nafter");
	CHECK_REDACT("-----BEGIN CERTIFICATE-----\nMIIB\n",
		     "-----BEGIN CERTIFICATE-----\nMIIB\n");
	CHECK_REDACT("eyJonly", "eyJonly");
}

static void test_blocks(void)
{
	char path[] = "/tmp/billsync-trace.XXXXXX";
	const char *headers[] = { "Authorization: Bearer 00D!AQsecret",
				  "Content-Type: text/csv", "Cookie: sid=1",
				  NULL };
	struct http_trace *t;
	struct bs_err err;
	char buf[8192];
	size_t n;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	t = http_trace_open(path, &err);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT(http_trace_next(t), 1);
	http_trace_request(t, 1, "PUT", "https://x/jobs/7/batches", headers,
			   NULL, 0, 12345);
	http_trace_response(t, 1, 201, 1500, "Content-Type: application/json\n",
			    "{\"id\":\"7\"}", 10, 10, NULL);
	http_trace_response(t, 2, 0, 2000000, "", NULL, 0, 0, "timed out");
	http_trace_free(t);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
	CHECK_CONTAINS(buf, "#1 > PUT https://x/jobs/7/batches\n");
	CHECK_CONTAINS(buf, "#1 > Authorization: Bearer [redacted]\n");
	CHECK_CONTAINS(buf, "#1 > Cookie: [redacted]\n");
	CHECK_CONTAINS(buf, "#1 > Content-Type: text/csv\n");
	CHECK_CONTAINS(buf, "#1   body: 12345 bytes, streamed (not shown)\n");
	CHECK_CONTAINS(buf, "#1 < 201 (0.001 s)\n");
	CHECK_CONTAINS(buf, "#1 < Content-Type: application/json\n");
	CHECK_CONTAINS(buf, "#1 | {\"id\":\"7\"}\n");
	CHECK_CONTAINS(buf, "#2 < no response (2.000 s): timed out\n");
	CHECK(!strstr(buf, "AQsecret") && !strstr(buf, "sid=1"));
}

static void test_long_body_cut(void)
{
	char path[] = "/tmp/billsync-trace.XXXXXX";
	char *body = malloc(20000), *buf = malloc(40000);
	struct http_trace *t;
	struct bs_err err;
	size_t n = 0;
	FILE *f;
	int fd = mkstemp(path);

	if (!body || !buf || fd < 0) {
		CHECK(0);
		free(body);
		free(buf);
		return;
	}
	close(fd);
	memset(body, 'a', 20000);
	t = http_trace_open(path, &err);
	http_trace_response(t, 3, 200, 0, NULL, body, 20000, 20000, NULL);
	http_trace_free(t);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, 39999, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(path);
	CHECK_CONTAINS(buf, "#3   body: 20000 bytes, the first ones:\n");
	CHECK(n < HTTP_TRACE_BODY_MAX + 200);
	free(body);
	free(buf);
}

int main(void)
{
	RUN(test_form_fields);
	RUN(test_json_fields);
	RUN(test_jwt_and_keys);
	RUN(test_blocks);
	RUN(test_long_body_cut);
	return tap_done();
}
