/* jtext.c - validate JSON text and rewrite it compactly, numbers verbatim (see jtext.h). */
#include "jtext.h"

#include <string.h>

#include "formats/utf8.h"

struct jt {
	const char *s;
	size_t len, i;
	char *out;
	size_t o;
	struct bs_err *err;
};

/* what went wrong, and where. */
static int jt_fail(struct jt *j, const char *what)
{
	if (j->i >= j->len)
		return bs_err_set(j->err, BS_E_ROW, "%s at the end", what);
	return bs_err_set(j->err, BS_E_ROW, "%s at position %zu", what,
			  j->i + 1);
}

/* A syntax error: what was expected, and the character found instead. */
static int jt_unexpected(struct jt *j, const char *what)
{
	if (j->i >= j->len)
		return bs_err_set(j->err, BS_E_ROW, "%s at the end", what);
	if ((unsigned char)j->s[j->i] > 0x20 &&
	    (unsigned char)j->s[j->i] < 0x7f)
		return bs_err_set(j->err, BS_E_ROW, "%s: unexpected '%c' at "
				  "position %zu", what, j->s[j->i], j->i + 1);
	return bs_err_set(j->err, BS_E_ROW, "%s at position %zu", what,
			  j->i + 1);
}

static void skip_ws(struct jt *j)
{
	while (j->i < j->len && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
				 j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex4(struct jt *j, unsigned *cp)
{
	unsigned v = 0;
	int k;

	if (j->len - j->i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		char c = j->s[j->i + (size_t)k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	j->i += 4;
	*cp = v;
	return 0;
}

static void put_cp(struct jt *j, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";

	if (cp == '"' || cp == '\\') {
		j->out[j->o++] = '\\';
		j->out[j->o++] = (char)cp;
	} else if (cp < 0x20) {
		const char *short_esc = "\b\f\n\r\t", *names = "bfnrt";
		const char *p = cp ? strchr(short_esc, (int)cp) : NULL;

		j->out[j->o++] = '\\';
		if (p) {
			j->out[j->o++] = names[p - short_esc];
		} else {
			memcpy(j->out + j->o, "u00", 3);
			j->o += 3;
			j->out[j->o++] = hex[cp >> 4];
			j->out[j->o++] = hex[cp & 15];
		}
	} else if (cp < 0x80) {
		j->out[j->o++] = (char)cp;
	} else if (cp < 0x800) {
		j->out[j->o++] = (char)(0xC0 | cp >> 6);
		j->out[j->o++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		j->out[j->o++] = (char)(0xE0 | cp >> 12);
		j->out[j->o++] = (char)(0x80 | (cp >> 6 & 0x3F));
		j->out[j->o++] = (char)(0x80 | (cp & 0x3F));
	} else {
		j->out[j->o++] = (char)(0xF0 | cp >> 18);
		j->out[j->o++] = (char)(0x80 | (cp >> 12 & 0x3F));
		j->out[j->o++] = (char)(0x80 | (cp >> 6 & 0x3F));
		j->out[j->o++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int string(struct jt *j)
{
	j->i++;   /* the opening quote */
	j->out[j->o++] = '"';
	for (;;) {
		unsigned char c;
		unsigned cp, lo;

		if (j->i >= j->len)
			return jt_fail(j, "unterminated string");
		c = (unsigned char)j->s[j->i];
		if (c == '"')
			break;
		if (c < 0x20)
			return jt_fail(j, "control character in a string");
		if (c != '\\') {
			j->out[j->o++] = (char)c;   /* UTF-8 checked already */
			j->i++;
			continue;
		}
		j->i++;
		if (j->i >= j->len)
			return jt_fail(j, "unterminated string");
		c = (unsigned char)j->s[j->i++];
		switch (c) {
		case '"': case '\\': case '/': cp = c; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(j, &cp) < 0)
				return jt_fail(j, "bad \\u escape");
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return jt_fail(j, "lone low surrogate");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->len - j->i < 6 || j->s[j->i] != '\\' ||
				    j->s[j->i + 1] != 'u')
					return jt_fail(j, "lone high surrogate");
				j->i += 2;
				if (hex4(j, &lo) < 0 || lo < 0xDC00 ||
				    lo > 0xDFFF)
					return jt_fail(j, "lone high surrogate");
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
			}
			break;
		default:
			j->i -= 2;
			return jt_fail(j, "bad escape");
		}
		put_cp(j, cp);
	}
	j->i++;
	j->out[j->o++] = '"';
	return 0;
}

static int number(struct jt *j)
{
	size_t start = j->i;

	if (j->s[j->i] == '-')
		j->i++;
	if (j->i < j->len && j->s[j->i] == '0') {
		j->i++;
	} else if (j->i < j->len && is_digit(j->s[j->i])) {
		while (j->i < j->len && is_digit(j->s[j->i]))
			j->i++;
	} else {
		return jt_unexpected(j, "bad number");
	}
	if (j->i < j->len && j->s[j->i] == '.') {
		j->i++;
		if (j->i >= j->len || !is_digit(j->s[j->i]))
			return jt_unexpected(j, "bad number");
		while (j->i < j->len && is_digit(j->s[j->i]))
			j->i++;
	}
	if (j->i < j->len && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->len && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (j->i >= j->len || !is_digit(j->s[j->i]))
			return jt_unexpected(j, "bad number");
		while (j->i < j->len && is_digit(j->s[j->i]))
			j->i++;
	}
	memcpy(j->out + j->o, j->s + start, j->i - start);
	j->o += j->i - start;
	return 0;
}

static int word(struct jt *j, const char *w)
{
	size_t n = strlen(w);

	if (j->len - j->i < n || memcmp(j->s + j->i, w, n) != 0)
		return jt_unexpected(j, "expected a JSON value");
	memcpy(j->out + j->o, w, n);
	j->o += n;
	j->i += n;
	return 0;
}

static int value(struct jt *j, int depth);

/* An object or array: open is '{' or '['. */
static int container(struct jt *j, int depth, char open)
{
	char close = open == '{' ? '}' : ']';
	int first = 1;

	if (depth >= JTEXT_MAX_DEPTH)
		return bs_err_set(j->err, BS_E_ROW, "nested more than %d levels "
				  "deep at position %zu", JTEXT_MAX_DEPTH,
				  j->i + 1);
	j->out[j->o++] = open;
	j->i++;
	skip_ws(j);
	if (j->i < j->len && j->s[j->i] == close) {
		j->i++;
		j->out[j->o++] = close;
		return 0;
	}
	for (;;) {
		if (!first)
			j->out[j->o++] = ',';
		first = 0;
		skip_ws(j);
		if (open == '{') {
			if (j->i >= j->len || j->s[j->i] != '"')
				return jt_unexpected(j, "expected a key");
			if (string(j) < 0)
				return -1;
			skip_ws(j);
			if (j->i >= j->len || j->s[j->i] != ':')
				return jt_unexpected(j, "expected ':'");
			j->i++;
			j->out[j->o++] = ':';
		}
		if (value(j, depth + 1) < 0)
			return -1;
		skip_ws(j);
		if (j->i < j->len && j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->len && j->s[j->i] == close) {
			j->i++;
			j->out[j->o++] = close;
			return 0;
		}
		return jt_unexpected(j, open == '{' ? "expected ',' or '}'"
						    : "expected ',' or ']'");
	}
}

static int value(struct jt *j, int depth)
{
	skip_ws(j);
	if (j->i >= j->len)
		return jt_unexpected(j, "expected a JSON value");
	switch (j->s[j->i]) {
	case '{': case '[': return container(j, depth, j->s[j->i]);
	case '"': return string(j);
	case 't': return word(j, "true");
	case 'f': return word(j, "false");
	case 'n': return word(j, "null");
	default:
		if (j->s[j->i] == '-' || is_digit(j->s[j->i]))
			return number(j);
		return jt_unexpected(j, "expected a JSON value");
	}
}

int jtext_compact(const char *s, size_t len, char *out, size_t *out_len,
		  struct bs_err *err)
{
	struct jt j = { s, len, 0, out, 0, err };
	size_t bad = utf8_check(s, len);

	out[0] = '\0';
	if (bad != len)
		return bs_err_set(err, BS_E_ROW, "invalid UTF-8 at position "
				  "%zu", bad + 1);
	if (value(&j, 0) < 0)
		return -1;
	skip_ws(&j);
	if (j.i < len)
		return jt_unexpected(&j, "text after the JSON value");
	out[j.o] = '\0';
	*out_len = j.o;
	return 0;
}
