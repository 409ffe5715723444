/* csvw.c - CSV record encoder with Bulk API 2.0 quoting (see csvw.h). */
#include "csvw.h"

#include <stdint.h>
#include <string.h>

/* 1 for the bytes that force quoting; 2 for the quote, which also doubles. */
static const unsigned char csvw_special[256] = {
	['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 2
};

static int csvw_needs_prefix(const char *s, size_t len, unsigned flags)
{
	if (!(flags & CSVW_SPREADSHEET) || !len)
		return 0;
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	       s[0] == '\t' || s[0] == '\r';
}

/* Makes room for n more bytes, naming why it cannot. */
static int csvw_grow(struct sbuf *out, size_t n, struct bs_err *err)
{
	/* room already (alloc never exceeds the cap + 1): no call, as this
	   runs for every field */
	if (out->alloc && n < out->alloc - out->len)
		return 0;
	if (sbuf_grow(out, n) == 0)
		return 0;
	if (n > out->max - out->len)
		return bs_err_set(err, BS_E_ROW, "record is larger than %zu bytes",
				  out->max);
	return bs_err_set(err, BS_E_NOMEM, "out of memory for a csv record");
}

#define CSVW_ONES 0x0101010101010101ULL
#define CSVW_HIGHS 0x8080808080808080ULL

/* Nonzero when one of the 8 bytes of x is c (the zero-byte test on x ^ c
 * in every byte: exact for "some byte is"). */
static uint64_t csvw_has(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (CSVW_ONES * c);

	return (y - CSVW_ONES) & ~y & CSVW_HIGHS;
}

/* The length of the head of s with no byte that forces quoting, counted
 * 8 bytes at a time (most fields have none: the byte loop below then only
 * sees the last few). */
static size_t csvw_plain_head(const char *s, size_t len)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if (csvw_has(x, ',') | csvw_has(x, '"') | csvw_has(x, '\n') |
		    csvw_has(x, '\r'))
			break;
	}
	return i;
}

int csvw_field(struct sbuf *out, const char *s, size_t len, unsigned flags,
	       struct bs_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, quotes = 0, need;
	int special = 0, prefix = csvw_needs_prefix(s, len, flags);
	char *w;

	for (i = csvw_plain_head(s, len); i < len; i++) {
		unsigned char c = csvw_special[p[i]];

		special |= c;
		quotes += c >> 1;
	}
	need = len + (size_t)prefix + (special ? 2 + quotes : 0);
	if (csvw_grow(out, need, err) < 0)
		return -1;
	w = out->buf + out->len;
	if (special)
		*w++ = '"';
	if (prefix)
		*w++ = '\'';
	if (!quotes) {
		if (len)
			memcpy(w, s, len);
		w += len;
	} else {
		const char *q, *end = s + len;

		while ((q = memchr(s, '"', (size_t)(end - s)))) {
			memcpy(w, s, (size_t)(q - s) + 1);
			w += q - s + 1;
			*w++ = '"';
			s = q + 1;
		}
		memcpy(w, s, (size_t)(end - s));
		w += end - s;
	}
	if (special)
		*w++ = '"';
	out->len += need;
	*w = '\0';
	return 0;
}

/* Appends fields i = 0..n-1 through get(), comma-separated, and an LF; on
 * failure the buffer is cut back to where it was. */
static int csvw_join(struct sbuf *out, size_t n, unsigned flags,
		     struct bs_err *err,
		     void (*get)(const void *ctx, size_t i, const char **s,
				 size_t *len),
		     const void *ctx)
{
	size_t i, start = out->len, len;
	const char *s;

	for (i = 0; i < n; i++) {
		if (i && csvw_grow(out, 1, err) < 0)
			goto fail;
		if (i)
			out->buf[out->len++] = ',';
		get(ctx, i, &s, &len);
		if (csvw_field(out, s, len, flags, err) < 0)
			goto fail;
	}
	if (csvw_grow(out, 1, err) < 0)
		goto fail;
	out->buf[out->len++] = '\n';
	out->buf[out->len] = '\0';
	return 0;
fail:
	out->len = start;
	if (out->alloc)
		out->buf[start] = '\0';
	return -1;
}

static void csvw_get_value(const void *ctx, size_t i, const char **s,
			   size_t *len)
{
	const struct bs_value *v = (const struct bs_value *)ctx + i;

	*s = v->kind == BS_V_NULL ? "" : v->s;
	*len = v->kind == BS_V_NULL ? 0 : v->len;
}

int csvw_record(struct sbuf *out, const struct bs_value *v, size_t n,
		unsigned flags, struct bs_err *err)
{
	return csvw_join(out, n, flags, err, csvw_get_value, v);
}

struct csvw_strs {
	const char *const *s;
	const size_t *len;
};

static void csvw_get_str(const void *ctx, size_t i, const char **s,
			 size_t *len)
{
	const struct csvw_strs *a = ctx;

	*s = a->s[i] ? a->s[i] : "";
	*len = !a->s[i] ? 0 : a->len ? a->len[i] : strlen(a->s[i]);
}

int csvw_record_strs(struct sbuf *out, const char *const *s,
		     const size_t *len, size_t n, unsigned flags,
		     struct bs_err *err)
{
	struct csvw_strs a = { s, len };

	return csvw_join(out, n, flags, err, csvw_get_str, &a);
}
