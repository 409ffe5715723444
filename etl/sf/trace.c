/* trace.c - the HTTP trace file, with secrets redacted (see trace.h). */
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"

struct http_trace {
	FILE *f;
	pthread_mutex_t mu;
	unsigned long next;
};

#define REDACTED "[redacted]"

/* Fields whose values are secrets, in form bodies, URL queries and JSON. */
static const char *const secret_fields[] = {
	"access_token", "refresh_token", "id_token", "client_secret",
	"client_assertion", "assertion", "password", "signature",
	"private_key", "secret", "token", "code"
};

struct http_trace *http_trace_open(const char *path, struct bs_err *err)
{
	struct http_trace *t;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		bs_err_set(err, BS_E_IO, "cannot open the trace file '%s': %s",
			   path, strerror(errno));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->f = fdopen(fd, "a");
	if (!t || !t->f) {
		free(t);
		close(fd);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	t->next = 1;
	return t;
}

void http_trace_free(struct http_trace *t)
{
	if (!t)
		return;
	fclose(t->f);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

unsigned long http_trace_next(struct http_trace *t)
{
	unsigned long id;

	pthread_mutex_lock(&t->mu);
	id = t->next++;
	pthread_mutex_unlock(&t->mu);
	return id;
}

/* ---- redaction ------------------------------------------------------- */

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int is_b64url(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* The first needle in s[0..n), or NULL (memmem is not C11 or POSIX). */
static const char *find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (s[i] == needle[0] && !memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

/* A PEM private key block at s: its length (to the end of the text when
 * it has no END line), else 0. */
static size_t pem_key_at(const char *s, size_t n)
{
	const char *eol, *end, *p;

	if (n < 11 || memcmp(s, "-----BEGIN ", 11))
		return 0;
	eol = memchr(s, '\n', n);
	p = eol ? eol : s + n;
	if (!find(s, (size_t)(p - s), "PRIVATE KEY"))
		return 0;
	end = find(s, n, "-----END ");
	if (!end)
		return n;
	p = find(end + 9, n - (size_t)(end + 9 - s), "-----");
	return p ? (size_t)(p + 5 - s) : n;
}

/* A JWT (base64url "eyJ..." header, a dot, a payload, optionally a dot
 * and a signature) at s: its length, else 0. */
static size_t jwt_at(const char *s, size_t n)
{
	size_t i = 3, dots = 0;

	if (n < 3 || memcmp(s, "eyJ", 3))
		return 0;
	while (i < n && (is_b64url(s[i]) || (s[i] == '.' && dots < 2))) {
		dots += s[i] == '.';
		i++;
	}
	return dots ? i : 0;
}

/* When a secret field's name starts at s[i] as a form or query field
 * ("name=value") or a JSON member ("name": "value"), sets *vs and *ve to
 * its value's bounds and returns 1. */
static int field_at(const char *s, size_t n, size_t i, size_t *vs,
		    size_t *ve)
{
	size_t k, nl, j;
	char prev = i ? s[i - 1] : '&';

	if (prev != '&' && prev != '?' && prev != '"')
		return 0;
	for (k = 0; k < sizeof(secret_fields) / sizeof(*secret_fields); k++) {
		nl = strlen(secret_fields[k]);
		if (n - i <= nl || strncasecmp(s + i, secret_fields[k], nl) ||
		    is_word(s[i + nl]))
			continue;
		j = i + nl;
		if (prev != '"') {
			if (s[j] != '=')
				continue;
			*vs = ++j;
			while (j < n && s[j] != '&' && !isspace((unsigned char)s[j]))
				j++;
			*ve = j;
			return 1;
		}
		if (s[j++] != '"')
			continue;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		if (j >= n || s[j++] != ':')
			continue;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		if (j >= n || s[j] != '"')
			continue;
		*vs = ++j;
		while (j < n && s[j] != '"')
			j += s[j] == '\\' ? 2 : 1;
		*ve = j < n ? j : n;
		return 1;
	}
	return 0;
}

int http_trace_redact(struct sbuf *out, const char *s, size_t n)
{
	size_t i = 0, from = 0, k, vs, ve;

	while (i < n) {
		if ((k = pem_key_at(s + i, n - i)) != 0) {
			if (sbuf_add(out, s + from, i - from) < 0 ||
			    sbuf_adds(out, "[redacted private key]") < 0)
				return -1;
			i = from = i + k;
		} else if ((!i || !is_b64url(s[i - 1])) &&
			   (k = jwt_at(s + i, n - i)) != 0) {
			if (sbuf_add(out, s + from, i - from) < 0 ||
			    sbuf_adds(out, "[redacted JWT]") < 0)
				return -1;
			i = from = i + k;
		} else if (field_at(s, n, i, &vs, &ve)) {
			if (sbuf_add(out, s + from, vs - from) < 0 ||
			    (ve > vs && sbuf_adds(out, REDACTED) < 0))
				return -1;
			i = from = ve;
		} else {
			i++;
		}
	}
	return sbuf_add(out, s + from, n - from);
}

/* ---- writing --------------------------------------------------------- */

static void stamp(struct sbuf *b, unsigned long id)
{
	char now[CLOCK_ISO_SIZE];

	sbuf_addf(b, "%s #%lu ", clock_iso_now(now), id);
}

/* "#N > Name: value" of a request header, its credentials redacted. */
static void header_line(struct sbuf *b, unsigned long id, const char *h)
{
	const char *colon = strchr(h, ':'), *v;
	size_t nl = colon ? (size_t)(colon - h) : strlen(h);

	if (!colon)
		return;
	v = colon + 1;
	while (*v == ' ')
		v++;
	if (!*v)
		return;
	sbuf_addf(b, "#%lu > ", id);
	if ((nl == 13 && !strncasecmp(h, "Authorization", nl)) ||
	    (nl == 19 && !strncasecmp(h, "Proxy-Authorization", nl)))
		sbuf_addf(b, "%.*s: %.*s " REDACTED "\n", (int)nl, h,
			  (int)strcspn(v, " "), v);
	else if ((nl == 6 && !strncasecmp(h, "Cookie", nl)) ||
		 (nl == 10 && !strncasecmp(h, "Set-Cookie", nl)))
		sbuf_addf(b, "%.*s: " REDACTED "\n", (int)nl, h);
	else {
		http_trace_redact(b, h, strlen(h));
		sbuf_addc(b, '\n');
	}
}

/* The body, redacted, cut, one "#N | " line per line, bytes that are not
 * printable as \xNN.  -1 when its redaction ran out of memory (b's own
 * appends are checked by emit). */
static int body_lines(struct sbuf *b, unsigned long id, const char *body,
		      size_t len, unsigned long long total)
{
	struct sbuf r;
	size_t i, n;
	int failed;

	sbuf_init(&r, 0);
	http_trace_redact(&r, body, len);
	n = r.len < HTTP_TRACE_BODY_MAX ? r.len : HTTP_TRACE_BODY_MAX;
	sbuf_addf(b, "#%lu   body: %llu bytes%s\n", id, total,
		  total > n ? ", the first ones:" : "");
	sbuf_addf(b, "#%lu | ", id);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r.buf[i];

		if (c == '\n' && i + 1 < n)
			sbuf_addf(b, "\n#%lu | ", id);
		else if (c == '\n' || c == '\r')
			;
		else if (c < 0x20 && c != '\t')
			sbuf_addf(b, "\\x%02x", c);
		else
			sbuf_addc(b, (char)c);
	}
	sbuf_addc(b, '\n');
	failed = sbuf_failed(&r);
	sbuf_release(&r);
	return failed ? -1 : 0;
}

/* Writes an entry, its appends checked once here.  The trace is
 * best-effort diagnostics: an entry that ran out of memory anywhere
 * (failed, or b itself) is left out rather than written short. */
static void emit(struct http_trace *t, struct sbuf *b, int failed)
{
	if (!failed && !sbuf_failed(b)) {
		pthread_mutex_lock(&t->mu);
		fwrite(b->buf, 1, b->len, t->f);
		fflush(t->f);
		pthread_mutex_unlock(&t->mu);
	}
	sbuf_release(b);
}

void http_trace_request(struct http_trace *t, unsigned long id,
			const char *method, const char *url,
			const char *const *headers, const char *body,
			size_t len, long long streamed)
{
	struct sbuf b;
	const char *const *h;
	int failed = 0;

	sbuf_init(&b, 0);
	stamp(&b, id);
	sbuf_addf(&b, "> %s ", method);
	http_trace_redact(&b, url, strlen(url));
	sbuf_addc(&b, '\n');
	for (h = headers; h && *h; h++)
		header_line(&b, id, *h);
	if (streamed >= 0)
		sbuf_addf(&b, "#%lu   body: %lld bytes, streamed (not shown)\n",
			  id, streamed);
	else if (body && len)
		failed = body_lines(&b, id, body, len, len);
	emit(t, &b, failed);
}

void http_trace_response(struct http_trace *t, unsigned long id, long status,
			 long long usec, const char *headers, const char *body,
			 size_t len, unsigned long long total,
			 const char *error)
{
	struct sbuf b;
	const char *p, *nl;
	int failed = 0;

	sbuf_init(&b, 0);
	stamp(&b, id);
	if (status)
		sbuf_addf(&b, "< %ld (%lld.%03lld s)\n", status, usec / 1000000,
			  usec / 1000 % 1000);
	else
		sbuf_addf(&b, "< no response (%lld.%03lld s): %s\n",
			  usec / 1000000, usec / 1000 % 1000,
			  error ? error : "?");
	for (p = headers; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		sbuf_addf(&b, "#%lu < ", id);
		http_trace_redact(&b, p, (size_t)(nl + 1 - p));
	}
	if (total)
		failed = body_lines(&b, id, body, len, total);
	emit(t, &b, failed);
}
