/* sbuf.c - growable, capped, NUL-terminated byte buffer (see sbuf.h). */
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What buf points at while nothing is allocated (alloc 0).  Never written:
 * every write into buf follows an sbuf_grow that succeeded, and that
 * always leaves alloc above 0; sbuf_reset writes only when alloc is not
 * 0. */
static const char empty_string[1];

void sbuf_init(struct sbuf *sb, size_t max)
{
	sb->buf = (char *)empty_string;
	sb->len = 0;
	sb->alloc = 0;
	sb->max = max ? max : SBUF_DEFAULT_MAX;
	sb->nomem = 0;
}

void sbuf_release(struct sbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sbuf_init(sb, sb->max);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->nomem = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

int sbuf_failed(const struct sbuf *sb)
{
	return sb->nomem;
}

int sbuf_grow(struct sbuf *sb, size_t n)
{
	size_t want, cap;
	char *p;

	if (!sb->max)
		sb->max = SBUF_DEFAULT_MAX;
	if (sb->nomem || n > sb->max - sb->len)
		return -1;
	want = sb->len + n + 1;
	if (want <= sb->alloc)
		return 0;
	cap = sb->alloc ? sb->alloc : 64;
	while (cap < want)
		cap = cap > ((size_t)-1) / 2 ? want : cap * 2;
	if (cap > sb->max + 1)
		cap = sb->max + 1;
	p = realloc(sb->alloc ? sb->buf : NULL, cap);
	if (!p) {
		sb->nomem = 1;
		return -1;
	}
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = cap;
	return 0;
}

int sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (sbuf_grow(sb, len) < 0)
		return -1;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sbuf_addc(struct sbuf *sb, char c)
{
	return sbuf_add(sb, &c, 1);
}

int sbuf_adds(struct sbuf *sb, const char *s)
{
	return sbuf_add(sb, s, strlen(s));
}

int sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || sbuf_grow(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p = sb->nomem ? NULL : sb->alloc ? sb->buf : calloc(1, 1);

	if (!p && sb->alloc)
		free(sb->buf);
	if (len)
		*len = p ? sb->len : 0;
	sbuf_init(sb, sb->max);
	return p;
}
