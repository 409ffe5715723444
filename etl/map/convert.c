/* convert.c - the converter table, argument checks at load time and the converters themselves (see convert.h). */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/strsim.h"
#include "formats/utf8.h"
#include "currency.h"
#include "datetime.h"
#include "decimal.h"
#include "jtext.h"
#include "tz.h"

#define CONV_MAX_ARGS 256          /* arguments of one converter (map) */
#define CONV_TRUNCATE_MAX 10000000 /* truncate(N) */
#define CONV_KEYS_LIST_MAX 200     /* map keys quoted in an error */
#define QUOTE_MAX 60               /* characters of a value in a message */
#define QUOTE_BYTES (QUOTE_MAX * 2)  /* and bytes */
#define QUOTE_SIZE (QUOTE_BYTES * 4 + 8)  /* every byte may become \xNN */

enum conv_flags {
	F_NULL_IN = 1 << 0,    /* apply sees nulls (default, required) */
	F_JSON_IN = 1 << 1,    /* takes JSON objects and arrays */
	F_EMPTY_NULL = 1 << 2, /* empty text is null (typed converters) */
	F_ANY_KEYS = 1 << 3    /* any key=value (map) */
};

enum trunc_units { U_CHARS, U_UTF16, U_BYTES };

struct map_ent {
	const char *key, *val;
	size_t klen, vlen;
	char *mem;        /* owns key and value; NULL in a search key */
};

struct conv {
	const struct conv_def *def;
	size_t num;              /* truncate: length; money: column index */
	int scale;               /* decimal, money: scale; see setup */
	enum trunc_units units;
	char *s1, *s2;           /* default: s1; replace: s1 -> s2; money: column */
	size_t l1, l2;
	struct dec min, max;     /* integer */
	struct tz *tz;           /* date, datetime; NULL is UTC */
	struct dt_pattern *pat;  /* date, datetime */
	struct map_ent *map;     /* map: sorted by key */
	size_t nmap;
	const struct map_ent *fallback;  /* map: default=, or NULL */
	char *keys;              /* map: "issued, paid, void" */
};

/* What setup functions get besides the conv: the arguments, sorted out. */
struct args {
	const struct conv_arg *pos[2];
	size_t npos;
	const struct conv_arg *all;
	size_t n;
	conv_need_fn need;
	void *need_ctx;
};

typedef int (*setup_fn)(struct conv *c, const struct args *a,
			struct bs_err *err);
typedef int (*apply_fn)(const struct conv *c, const struct bs_value *in,
			struct bs_value *out, const struct conv_env *env,
			struct bs_err *err);

struct conv_def {
	const char *name;
	const char *usage;
	int pos_min, pos_max;
	const char *const *keys;   /* allowed keys, NULL-terminated, or NULL */
	unsigned flags;
	setup_fn setup;
	apply_fn apply;
};

static const struct bs_value null_value = { "", 0, BS_V_NULL };

/* ---- helpers ---- */

/* s[0..len) for a message: at most QUOTE_MAX characters and QUOTE_BYTES
 * bytes, control characters escaped, "..." when cut. */
static const char *quote(char buf[QUOTE_SIZE], const char *s, size_t len)
{
	size_t cut = utf8_prefix_chars(s, len, QUOTE_MAX), i, o = 0;

	cut = utf8_prefix_bytes(s, cut, QUOTE_BYTES);
	for (i = 0; i < cut; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r' || ch == '\t') {
			buf[o++] = '\\';
			buf[o++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (cut < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* Rewrites the reason left in err by a parser as
 * "cannot read 'VALUE' as WHAT (reason)". */
static int cannot_read(struct bs_err *err, const struct bs_value *in,
		       const char *what)
{
	char reason[BS_ERR_MSG_MAX], q[QUOTE_SIZE];

	if (!err)
		return -1;
	memcpy(reason, err->msg, sizeof(reason));
	return bs_err_set(err, BS_E_ROW, "cannot read '%s' as %s (%s)",
			  quote(q, in->s, in->len), what, reason);
}

static int out_of_memory(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* *out = s[0..len), which stays valid (static, input or conv memory) and
 * has a NUL at s[len]. */
static int put_ref(struct bs_value *out, const char *s, size_t len)
{
	out->s = s;
	out->len = len;
	out->kind = BS_V_TEXT;
	return 0;
}

/* *out = a copy of s[0..len) in the arena. */
static int put_copy(struct bs_value *out, const struct conv_env *env,
		    const char *s, size_t len, struct bs_err *err)
{
	char *p = arena_strndup(env->arena, s, len);

	if (!p)
		return out_of_memory(err);
	return put_ref(out, p, len);
}

static char *xstrdup(const char *s, size_t *len, struct bs_err *err)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (!p) {
		out_of_memory(err);
		return NULL;
	}
	memcpy(p, s, n + 1);
	if (len)
		*len = n;
	return p;
}

/* The value of key=value among the arguments, or NULL. */
static const char *arg_get(const struct args *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->all[i].key && strcmp(a->all[i].key, key) == 0)
			return a->all[i].value;
	return NULL;
}

/* A whole number lo..hi written in plain digits. */
static int parse_count(const char *s, long lo, long hi, long *out)
{
	long v = 0;
	const char *p = s;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

static int setup_scale(const char *name, const char *s, int *scale,
		       struct bs_err *err)
{
	long v;

	if (parse_count(s, 0, DEC_MAX_SCALE, &v) < 0)
		return bs_err_set(err, BS_E_CONFIG, "%s: expected a scale from "
				  "0 to %d, found '%s'", name, DEC_MAX_SCALE,
				  s);
	*scale = (int)v;
	return 0;
}

/* ---- text ---- */

/* Byte length of the white space character at s[i..len), or 0. */
static size_t space_at(const unsigned char *s, size_t i, size_t len)
{
	unsigned cp;

	if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
		return 1;
	if (s[i] == 0xC2 && i + 1 < len && (s[i + 1] == 0x85 || s[i + 1] == 0xA0))
		return 2;
	if (s[i] == 0xE1 && i + 2 < len && s[i + 1] == 0x9A && s[i + 2] == 0x80)
		return 3;   /* U+1680 */
	if ((s[i] == 0xE2 || s[i] == 0xE3 || s[i] == 0xEF) && i + 2 < len) {
		cp = (unsigned)(s[i] & 0x0F) << 12 |
		     (unsigned)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
		if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
		    cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
		    cp == 0x3000 || cp == 0xFEFF)
			return 3;
	}
	return 0;
}

static int apply_trim(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err)
{
	const unsigned char *s = (const unsigned char *)in->s;
	size_t start = 0, end = in->len, n, k;

	(void)c;
	while (start < end && (n = space_at(s, start, end)) > 0)
		start += n;
	while (end > start) {
		/* the start of the last character */
		for (k = end - 1; k > start && (s[k] & 0xC0) == 0x80; k--)
			;
		if (!space_at(s, k, end))
			break;
		end = k;
	}
	if (end == in->len)
		return put_ref(out, in->s + start, end - start);
	return put_copy(out, env, in->s + start, end - start, err);
}

/* Simple case mappings that keep the UTF-8 length: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic. */
static unsigned upper_cp(unsigned c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0x80)
		return c;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return c - 0x20;
	if (c == 0xFF)
		return 0x178;
	if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14A && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return c & 1u ? c : c - 1;
	if ((c >= 0x3B1 && c <= 0x3C1) || (c >= 0x3C3 && c <= 0x3C9))
		return c - 0x20;
	if (c == 0x3C2)
		return 0x3A3;
	if (c == 0x3AC)
		return 0x386;
	if (c >= 0x3AD && c <= 0x3AF)
		return c - 0x25;
	if (c == 0x3CC)
		return 0x38C;
	if (c == 0x3CD || c == 0x3CE)
		return c - 0x3F;
	if (c >= 0x430 && c <= 0x44F)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45F)
		return c - 0x50;
	return c;
}

static unsigned lower_cp(unsigned c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 0x20;
	if (c == 0x178)
		return 0xFF;
	if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14A && c <= 0x177))
		return c | 1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return c & 1u ? c + 1 : c;
	if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3A9))
		return c + 0x20;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 0x25;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 0x3F;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	return c;
}

static int apply_case(const struct bs_value *in, struct bs_value *out,
		      const struct conv_env *env, struct bs_err *err,
		      unsigned (*map)(unsigned))
{
	const unsigned char *s = (const unsigned char *)in->s;
	size_t i, len = in->len;
	char *p;

	/* nothing to change: hand the input back */
	for (i = 0; i < len; i++) {
		if (s[i] >= 0x80 || map(s[i]) != s[i])
			break;
	}
	if (i == len)
		return put_ref(out, in->s, len);
	p = arena_alloc(env->arena, len + 1);
	if (!p)
		return out_of_memory(err);
	memcpy(p, s, i);
	while (i < len) {
		unsigned cp, m;

		if (s[i] < 0x80) {
			p[i] = (char)map(s[i]);
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0 && i + 1 < len) {
			cp = (unsigned)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F);
			m = map(cp);
			p[i] = (char)(0xC0 | m >> 6);
			p[i + 1] = (char)(0x80 | (m & 0x3F));
			i += 2;
			continue;
		}
		p[i] = (char)s[i];   /* longer sequences are left as they are */
		i++;
	}
	p[len] = '\0';
	return put_ref(out, p, len);
}

static int apply_upper(const struct conv *c, const struct bs_value *in,
		       struct bs_value *out, const struct conv_env *env,
		       struct bs_err *err)
{
	(void)c;
	return apply_case(in, out, env, err, upper_cp);
}

static int apply_lower(const struct conv *c, const struct bs_value *in,
		       struct bs_value *out, const struct conv_env *env,
		       struct bs_err *err)
{
	(void)c;
	return apply_case(in, out, env, err, lower_cp);
}

static int setup_truncate(struct conv *c, const struct args *a,
			  struct bs_err *err)
{
	const char *units = arg_get(a, "units");
	long n;

	if (parse_count(a->pos[0]->value, 1, CONV_TRUNCATE_MAX, &n) < 0)
		return bs_err_set(err, BS_E_CONFIG, "truncate: expected a "
				  "length from 1 to %d, found '%s'",
				  CONV_TRUNCATE_MAX, a->pos[0]->value);
	c->num = (size_t)n;
	/* Salesforce measures text in UTF-16 code units (an emoji is 2) */
	c->units = U_UTF16;
	if (!units || strcmp(units, "utf16") == 0)
		return 0;
	if (strcmp(units, "chars") == 0)
		c->units = U_CHARS;
	else if (strcmp(units, "bytes") == 0)
		c->units = U_BYTES;
	else
		return bs_err_set(err, BS_E_CONFIG, "truncate: units must be "
				  "utf16, chars or bytes, found '%s'", units);
	return 0;
}

/* Bytes of the longest prefix of at most max UTF-16 code units. */
static size_t prefix_utf16(const char *str, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, units = 0;

	while (i < len) {
		size_t w = s[i] >= 0xF0 ? 2 : 1, n = 1;

		if (units + w > max)
			break;
		units += w;
		while (i + n < len && (s[i + n] & 0xC0) == 0x80)
			n++;
		i += n;
	}
	return i;
}

static int apply_truncate(const struct conv *c, const struct bs_value *in,
			  struct bs_value *out, const struct conv_env *env,
			  struct bs_err *err)
{
	size_t cut;

	if (c->units == U_BYTES)
		cut = utf8_prefix_bytes(in->s, in->len, c->num);
	else if (c->units == U_UTF16)
		cut = prefix_utf16(in->s, in->len, c->num);
	else
		cut = utf8_prefix_chars(in->s, in->len, c->num);
	if (cut == in->len)
		return put_ref(out, in->s, in->len);
	return put_copy(out, env, in->s, cut, err);
}

static int setup_default(struct conv *c, const struct args *a,
			 struct bs_err *err)
{
	c->s1 = xstrdup(a->pos[0]->value, &c->l1, err);
	return c->s1 ? 0 : -1;
}

static int apply_default(const struct conv *c, const struct bs_value *in,
			 struct bs_value *out, const struct conv_env *env,
			 struct bs_err *err)
{
	(void)env;
	(void)err;
	if (in->kind == BS_V_NULL || in->len == 0)
		return put_ref(out, c->s1, c->l1);
	*out = *in;
	return 0;
}

static int apply_required(const struct conv *c, const struct bs_value *in,
			  struct bs_value *out, const struct conv_env *env,
			  struct bs_err *err)
{
	(void)c;
	(void)env;
	if (in->kind == BS_V_NULL || in->len == 0)
		return bs_err_set(err, BS_E_ROW, "a value is required but "
				  "the source is empty");
	*out = *in;
	return 0;
}

static int setup_replace(struct conv *c, const struct args *a,
			 struct bs_err *err)
{
	if (!*a->pos[0]->value)
		return bs_err_set(err, BS_E_CONFIG, "replace: the text to "
				  "replace is empty");
	c->s1 = xstrdup(a->pos[0]->value, &c->l1, err);
	c->s2 = c->s1 ? xstrdup(a->pos[1]->value, &c->l2, err) : NULL;
	return c->s2 ? 0 : -1;
}

/* The first s1 in s[from..len), or NULL. */
static const char *find(const struct conv *c, const char *s, size_t len,
			size_t from)
{
	const char *p = s + from, *end = s + len;

	while ((size_t)(end - p) >= c->l1) {
		p = memchr(p, c->s1[0], (size_t)(end - p) - c->l1 + 1);
		if (!p)
			return NULL;
		if (memcmp(p, c->s1, c->l1) == 0)
			return p;
		p++;
	}
	return NULL;
}

static int apply_replace(const struct conv *c, const struct bs_value *in,
			 struct bs_value *out, const struct conv_env *env,
			 struct bs_err *err)
{
	const char *p;
	size_t count = 0, at = 0, olen, o = 0;
	char *buf;

	for (p = find(c, in->s, in->len, 0); p;
	     p = find(c, in->s, in->len, (size_t)(p - in->s) + c->l1))
		count++;
	if (!count)
		return put_ref(out, in->s, in->len);
	olen = in->len - count * c->l1 + count * c->l2;
	buf = arena_alloc(env->arena, olen + 1);
	if (!buf)
		return out_of_memory(err);
	while ((p = find(c, in->s, in->len, at)) != NULL) {
		size_t n = (size_t)(p - in->s) - at;

		memcpy(buf + o, in->s + at, n);
		o += n;
		memcpy(buf + o, c->s2, c->l2);
		o += c->l2;
		at += n + c->l1;
	}
	memcpy(buf + o, in->s + at, in->len - at);
	buf[olen] = '\0';
	return put_ref(out, buf, olen);
}

/* ---- numbers ---- */

static int read_dec(const struct bs_value *in, struct dec *d,
		    struct bs_err *err)
{
	if (dec_parse(d, in->s, in->len, err) < 0)
		return cannot_read(err, in, "a number");
	return 0;
}

static int put_dec(struct bs_value *out, const struct conv_env *env,
		   const struct dec *d, int scale, struct bs_err *err)
{
	char buf[DEC_TEXT_SIZE];
	size_t n = dec_format(d, scale, buf);

	return put_copy(out, env, buf, n, err);
}

static int setup_decimal(struct conv *c, const struct args *a,
			 struct bs_err *err)
{
	c->scale = DEC_SCALE_NATURAL;
	if (a->npos)
		return setup_scale("decimal", a->pos[0]->value, &c->scale, err);
	return 0;
}

static int apply_decimal(const struct conv *c, const struct bs_value *in,
			 struct bs_value *out, const struct conv_env *env,
			 struct bs_err *err)
{
	struct dec d;

	if (read_dec(in, &d, err) < 0)
		return -1;
	return put_dec(out, env, &d, c->scale, err);
}

static int setup_bound(const char *key, const char *text, struct dec *d,
		       struct bs_err *err)
{
	if (dec_parse(d, text, strlen(text), err) < 0 || !dec_is_integer(d))
		return bs_err_set(err, BS_E_CONFIG, "integer: %s must be a "
				  "whole number, found '%s'", key, text);
	return 0;
}

static int setup_integer(struct conv *c, const struct args *a,
			 struct bs_err *err)
{
	const char *min = arg_get(a, "min"), *max = arg_get(a, "max");

	dec_from_i64(&c->min, INT64_MIN);
	dec_from_i64(&c->max, INT64_MAX);
	if (min && setup_bound("min", min, &c->min, err) < 0)
		return -1;
	if (max && setup_bound("max", max, &c->max, err) < 0)
		return -1;
	if (dec_cmp(&c->min, &c->max) > 0) {
		char lo[DEC_TEXT_SIZE], hi[DEC_TEXT_SIZE];

		dec_format(&c->min, 0, lo);
		dec_format(&c->max, 0, hi);
		return bs_err_set(err, BS_E_CONFIG, "integer: min %s is above "
				  "max %s", lo, hi);
	}
	return 0;
}

static int apply_integer(const struct conv *c, const struct bs_value *in,
			 struct bs_value *out, const struct conv_env *env,
			 struct bs_err *err)
{
	char q[QUOTE_SIZE], lim[DEC_TEXT_SIZE];
	struct dec d;

	if (read_dec(in, &d, err) < 0)
		return -1;
	if (!dec_is_integer(&d)) {
		bs_err_set(err, BS_E_ROW, "it has a fraction");
		return cannot_read(err, in, "an integer");
	}
	if (dec_cmp(&d, &c->min) < 0) {
		dec_format(&c->min, 0, lim);
		return bs_err_set(err, BS_E_ROW, "'%s' is below the minimum %s",
				  quote(q, in->s, in->len), lim);
	}
	if (dec_cmp(&d, &c->max) > 0) {
		dec_format(&c->max, 0, lim);
		return bs_err_set(err, BS_E_ROW, "'%s' is above the maximum %s",
				  quote(q, in->s, in->len), lim);
	}
	return put_dec(out, env, &d, 0, err);
}

static int setup_money(struct conv *c, const struct args *a,
		       struct bs_err *err)
{
	const char *scale = arg_get(a, "scale");

	c->scale = -1;   /* the currency's */
	if (scale && setup_scale("money", scale, &c->scale, err) < 0)
		return -1;
	if (!a->need)
		return bs_err_set(err, BS_E_CONFIG, "money: cannot be used here "
				  "(it reads the currency from another column)");
	c->s1 = xstrdup(a->pos[0]->value, &c->l1, err);
	if (!c->s1 || a->need(a->need_ctx, c->s1, &c->num, err) < 0)
		return -1;
	return 0;
}

static int apply_money(const struct conv *c, const struct bs_value *in,
		       struct bs_value *out, const struct conv_env *env,
		       struct bs_err *err)
{
	const struct bs_value *cur = env->column ? env->column(env->ctx, c->num)
						 : NULL;
	char q[QUOTE_SIZE], qc[QUOTE_SIZE];
	struct dec d;
	int digits;

	if (read_dec(in, &d, err) < 0)
		return -1;
	if (!cur || cur->kind == BS_V_NULL || cur->len == 0)
		return bs_err_set(err, BS_E_ROW, "no currency for the amount "
				  "'%s' (column '%s' is empty)",
				  quote(q, in->s, in->len), c->s1);
	digits = currency_digits(cur->s, cur->len);
	if (digits < 0)
		return bs_err_set(err, BS_E_ROW, "unknown currency '%s' in "
				  "column '%s' (expected an ISO 4217 code such "
				  "as USD)", quote(qc, cur->s, cur->len), c->s1);
	return put_dec(out, env, &d, c->scale >= 0 ? c->scale : digits, err);
}

/* ---- booleans ---- */

/* s[0..len) equals the lower-case ASCII word w, ignoring case. */
static int ieq(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len && w[i]; i++) {
		char ch = s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != w[i])
			return 0;
	}
	return i == len && !w[i];
}

static int apply_boolean(const struct conv *c, const struct bs_value *in,
			 struct bs_value *out, const struct conv_env *env,
			 struct bs_err *err)
{
	static const char *const yes[] = { "true", "yes", "y", "1", "on" };
	static const char *const no[] = { "false", "no", "n", "0", "off" };
	size_t i;

	(void)c;
	(void)env;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (ieq(in->s, in->len, yes[i]))
			return put_ref(out, "true", 4);
		if (ieq(in->s, in->len, no[i]))
			return put_ref(out, "false", 5);
	}
	bs_err_set(err, BS_E_ROW, "expected true/false, yes/no, y/n, 1/0 or "
		   "on/off");
	return cannot_read(err, in, "a boolean");
}

/* ---- dates and times ---- */

static int setup_when(struct conv *c, const struct args *a,
		      struct bs_err *err)
{
	const char *tz = arg_get(a, "tz"), *format = arg_get(a, "format");

	if (tz && !(c->tz = tz_load(tz, err)))
		goto fail;
	if (format && !(c->pat = dt_pattern_new(format, err)))
		goto fail;
	return 0;
fail:
	bs_err_prefix(err, "%s", c->def->name);
	return -1;
}

/* Reads in with the declared format, or as ISO 8601. */
static int read_when(const struct conv *c, const struct bs_value *in,
		     struct dt_fields *f, const char *what,
		     struct bs_err *err)
{
	int rc = c->pat ? dt_pattern_parse(c->pat, in->s, in->len, f, err)
			: dt_parse_iso(in->s, in->len, f, err);

	return rc < 0 ? cannot_read(err, in, what) : 0;
}

static int apply_datetime(const struct conv *c, const struct bs_value *in,
			  struct bs_value *out, const struct conv_env *env,
			  struct bs_err *err)
{
	char buf[DT_ISO_LEN + 1];
	struct dt_fields f;
	struct dt_instant t;

	if (read_when(c, in, &f, "a date and time", err) < 0)
		return -1;
	if (dt_to_instant(&f, c->tz, &t, err) < 0)
		return cannot_read(err, in, "a date and time");
	dt_format_iso(&t, buf);
	return put_copy(out, env, buf, DT_ISO_LEN, err);
}

static int apply_date(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err)
{
	char buf[DT_DATE_LEN + 1];
	struct dt_fields f;
	struct dt_instant t;
	int64_t y = 0;
	int m = 0, d = 0;

	if (read_when(c, in, &f, "a date", err) < 0)
		return -1;
	if (!f.has_time) {
		y = f.year;
		m = f.month;
		d = f.day;
	} else {
		if (dt_to_instant(&f, c->tz, &t, err) < 0)
			return cannot_read(err, in, "a date");
		dt_local_date(&t, c->tz, &y, &m, &d);
		if (y < 1 || y > 9999) {
			bs_err_set(err, BS_E_ROW, "outside years 0001-9999 in "
				   "time zone %s", tz_name(c->tz));
			return cannot_read(err, in, "a date");
		}
	}
	dt_format_date(y, m, d, buf);
	return put_copy(out, env, buf, DT_DATE_LEN, err);
}

/* ---- picklist maps ---- */

static int map_cmp(const void *a, const void *b)
{
	const struct map_ent *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->key, y->key, n);

	if (r)
		return r;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static int setup_map(struct conv *c, const struct args *a,
		     struct bs_err *err)
{
	size_t i, o = 0, klen;

	c->map = calloc(a->n, sizeof(*c->map));
	c->keys = malloc(CONV_KEYS_LIST_MAX + 8);
	if (!c->map || !c->keys)
		return out_of_memory(err);
	for (i = 0; i < a->n; i++) {
		const struct conv_arg *g = &a->all[i];
		struct map_ent *e;

		if (!*g->key)
			/* empty text is null, which map passes through */
			return bs_err_set(err, BS_E_CONFIG, "map: an empty key "
					  "never matches (an empty value is "
					  "null, and stays null): to label empty "
					  "values, put '| default(\"%s\")' after "
					  "map", g->value);
		if (strcmp(g->key, "default") == 0) {
			/* kept after the sorted entries, outside the search */
			e = &c->map[a->n - 1];
			c->fallback = e;
		} else {
			e = &c->map[c->nmap++];
		}
		/* the arguments are the caller's: copy key and value */
		e->klen = strlen(g->key);
		e->vlen = strlen(g->value);
		e->mem = malloc(e->klen + e->vlen + 2);
		if (!e->mem)
			return out_of_memory(err);
		memcpy(e->mem, g->key, e->klen + 1);
		memcpy(e->mem + e->klen + 1, g->value, e->vlen + 1);
		e->key = e->mem;
		e->val = e->mem + e->klen + 1;
	}
	if (c->nmap == 0)
		return bs_err_set(err, BS_E_CONFIG, "map: needs at least one "
				  "value=Label");
	qsort(c->map, c->nmap, sizeof(*c->map), map_cmp);
	for (i = 1; i < c->nmap; i++)
		if (map_cmp(&c->map[i - 1], &c->map[i]) == 0)
			return bs_err_set(err, BS_E_CONFIG, "map: '%s' is "
					  "mapped twice", c->map[i].key);
	/* the mapped values in file order, for the error message */
	for (i = 0; i < a->n; i++) {
		const char *k = a->all[i].key;

		if (strcmp(k, "default") == 0)
			continue;
		klen = strlen(k);
		if (o + klen + 2 > CONV_KEYS_LIST_MAX) {
			memcpy(c->keys + o, o ? ", ..." : "...", o ? 5 : 3);
			o += o ? 5 : 3;
			break;
		}
		if (o) {
			memcpy(c->keys + o, ", ", 2);
			o += 2;
		}
		memcpy(c->keys + o, k, klen);
		o += klen;
	}
	c->keys[o] = '\0';
	return 0;
}

static int apply_map(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err)
{
	struct map_ent key = { in->s, NULL, in->len, 0, NULL };
	const struct map_ent *e;
	char q[QUOTE_SIZE];

	(void)env;
	e = bsearch(&key, c->map, c->nmap, sizeof(*c->map), map_cmp);
	if (!e)
		e = c->fallback;
	if (!e)
		return bs_err_set(err, BS_E_ROW, "'%s' is not one of the mapped "
				  "values (%s)", quote(q, in->s, in->len),
				  c->keys);
	return put_ref(out, e->val, e->vlen);
}

/* ---- JSON ---- */

static int apply_json(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err)
{
	char *buf = arena_alloc(env->arena, in->len + 1);
	size_t n;

	(void)c;
	if (!buf)
		return out_of_memory(err);
	if (jtext_compact(in->s, in->len, buf, &n, err) < 0)
		return cannot_read(err, in, "JSON");
	return put_ref(out, buf, n);
}

/* ---- Salesforce ids ---- */

static int is_alnum(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= 'a' && ch <= 'z');
}

/* The three check characters of a 15-character id. */
static void sfid_suffix(const char *id, char out[3])
{
	static const char map[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	int b, i;

	for (b = 0; b < 3; b++) {
		int n = 0;

		for (i = 0; i < 5; i++) {
			char ch = id[b * 5 + i];

			if (ch >= 'A' && ch <= 'Z')
				n |= 1 << i;
		}
		out[b] = map[n];
	}
}

static int apply_sfid(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err)
{
	char q[QUOTE_SIZE], suffix[3], id[19];
	size_t i;

	(void)c;
	for (i = 0; i < in->len && is_alnum(in->s[i]); i++)
		;
	if ((in->len != 15 && in->len != 18) || i < in->len)
		return bs_err_set(err, BS_E_ROW, "'%s' is not a Salesforce id "
				  "(expected 15 or 18 letters and digits)",
				  quote(q, in->s, in->len));
	sfid_suffix(in->s, suffix);
	if (in->len == 18) {
		for (i = 0; i < 3; i++) {
			char ch = in->s[15 + i];

			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			if (ch != suffix[i])
				return bs_err_set(err, BS_E_ROW, "'%s' is not a "
						  "Salesforce id (its check "
						  "characters should be '%.3s')",
						  quote(q, in->s, in->len),
						  suffix);
		}
		if (memcmp(in->s + 15, suffix, 3) == 0)
			return put_ref(out, in->s, 18);
	}
	memcpy(id, in->s, 15);
	memcpy(id + 15, suffix, 3);
	return put_copy(out, env, id, 18, err);
}

/* ---- the table ---- */

static const char *const keys_truncate[] = { "units", NULL };
static const char *const keys_integer[] = { "min", "max", NULL };
static const char *const keys_money[] = { "scale", NULL };
static const char *const keys_when[] = { "format", "tz", NULL };

#define TYPED (F_EMPTY_NULL)

/* Sorted by name (bsearch). */
static const struct conv_def defs[] = {
	{ "boolean", "boolean", 0, 0, NULL, TYPED, NULL, apply_boolean },
	{ "date", "date[(tz=Zone, format=\"MM/DD/YYYY\")]", 0, 0, keys_when,
	  TYPED, setup_when, apply_date },
	{ "datetime", "datetime[(tz=Zone, format=\"MM/DD/YYYY HH:mm\")]", 0,
	  0, keys_when, TYPED, setup_when, apply_datetime },
	{ "decimal", "decimal[(SCALE)]", 0, 1, NULL, TYPED, setup_decimal,
	  apply_decimal },
	{ "default", "default(\"TEXT\")", 1, 1, NULL, F_NULL_IN | F_JSON_IN,
	  setup_default, apply_default },
	{ "integer", "integer[(min=N, max=N)]", 0, 0, keys_integer, TYPED,
	  setup_integer, apply_integer },
	{ "json", "json", 0, 0, NULL, TYPED | F_JSON_IN, NULL, apply_json },
	{ "lower", "lower", 0, 0, NULL, 0, NULL, apply_lower },
	{ "map", "map(value=Label, ..., default=Label)", 0, 0, NULL,
	  TYPED | F_ANY_KEYS, setup_map, apply_map },
	{ "money", "money(CURRENCY_COLUMN[, scale=N])", 1, 1, keys_money,
	  TYPED, setup_money, apply_money },
	{ "replace", "replace(\"FROM\", \"TO\")", 2, 2, NULL, 0,
	  setup_replace, apply_replace },
	{ "required", "required", 0, 0, NULL, F_NULL_IN | F_JSON_IN, NULL,
	  apply_required },
	{ "sfid", "sfid", 0, 0, NULL, TYPED, NULL, apply_sfid },
	{ "trim", "trim", 0, 0, NULL, 0, NULL, apply_trim },
	{ "truncate", "truncate(N[, units=utf16|chars|bytes])", 1, 1,
	  keys_truncate, 0, setup_truncate, apply_truncate },
	{ "upper", "upper", 0, 0, NULL, 0, NULL, apply_upper },
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static const char *const names[] = {
	"boolean", "date", "datetime", "decimal", "default", "integer",
	"json", "lower", "map", "money", "replace", "required", "sfid",
	"trim", "truncate", "upper"
};

_Static_assert(sizeof(names) / sizeof(names[0]) == NDEFS,
	       "names[] must list every converter of defs[]");

size_t conv_names(const char *const **out)
{
	*out = names;
	return NDEFS;
}

static int cmp_def(const void *key, const void *elem)
{
	return strcmp(key, ((const struct conv_def *)elem)->name);
}

/* Checks the arguments against def and sorts them out into *a. */
static int check_args(const struct conv_def *def, const struct conv_arg *args,
		      size_t nargs, struct args *a, struct bs_err *err)
{
	size_t i, j;
	int k;

	if (nargs > CONV_MAX_ARGS)
		return bs_err_set(err, BS_E_CONFIG, "%s: more than %d "
				  "arguments", def->name, CONV_MAX_ARGS);
	a->all = args;
	a->n = nargs;
	a->npos = 0;
	for (i = 0; i < nargs; i++) {
		const char *key = args[i].key;

		if (!key) {
			if (a->npos >= (size_t)def->pos_max) {
				if (def->flags & F_ANY_KEYS)
					return bs_err_set(err, BS_E_CONFIG,
							  "%s: expected value="
							  "Label, found '%s'",
							  def->name,
							  args[i].value);
				return bs_err_set(err, BS_E_CONFIG, "%s: too "
						  "many arguments (usage: %s)",
						  def->name, def->usage);
			}
			a->pos[a->npos++] = &args[i];
			continue;
		}
		for (j = 0; j < i; j++)
			if (args[j].key && strcmp(args[j].key, key) == 0)
				return bs_err_set(err, BS_E_CONFIG, "%s: '%s' "
						  "is given twice", def->name,
						  key);
		if (def->flags & F_ANY_KEYS)
			continue;
		for (k = 0; def->keys && def->keys[k]; k++)
			if (strcmp(def->keys[k], key) == 0)
				break;
		if (!def->keys || !def->keys[k]) {
			const char *hint = def->keys ? strsim_closest(key,
				def->keys, (size_t)k) : NULL;

			if (hint)
				return bs_err_set(err, BS_E_CONFIG, "%s: unknown "
						  "argument '%s'; did you mean "
						  "'%s'?", def->name, key, hint);
			return bs_err_set(err, BS_E_CONFIG, "%s: unknown "
					  "argument '%s' (usage: %s)",
					  def->name, key, def->usage);
		}
	}
	if (a->npos < (size_t)def->pos_min)
		return bs_err_set(err, BS_E_CONFIG, "%s: missing argument "
				  "(usage: %s)", def->name, def->usage);
	return 0;
}

struct conv *conv_new(const char *name, const struct conv_arg *args,
		      size_t nargs, conv_need_fn need, void *need_ctx,
		      struct bs_err *err)
{
	const struct conv_def *def;
	struct args a;
	struct conv *c;

	def = bsearch(name, defs, NDEFS, sizeof(defs[0]), cmp_def);
	if (!def) {
		const char *hint = strsim_closest(name, names, NDEFS);

		if (hint)
			bs_err_set(err, BS_E_CONFIG, "unknown converter '%s'; "
				   "did you mean '%s'?", name, hint);
		else
			bs_err_set(err, BS_E_CONFIG, "unknown converter '%s'",
				   name);
		return NULL;
	}
	memset(&a, 0, sizeof(a));
	if (check_args(def, args, nargs, &a, err) < 0)
		return NULL;
	a.need = need;
	a.need_ctx = need_ctx;
	c = calloc(1, sizeof(*c));
	if (!c) {
		out_of_memory(err);
		return NULL;
	}
	c->def = def;
	if (def->setup && def->setup(c, &a, err) < 0) {
		conv_free(c);
		return NULL;
	}
	return c;
}

int conv_apply(const struct conv *c, const struct bs_value *in,
	       struct bs_value *out, const struct conv_env *env,
	       struct bs_err *err)
{
	unsigned flags = c->def->flags;
	char q[QUOTE_SIZE];

	if (in->kind == BS_V_NULL && !(flags & F_NULL_IN)) {
		*out = null_value;
		return 0;
	}
	if (in->kind == BS_V_JSON && !(flags & F_JSON_IN))
		return bs_err_set(err, BS_E_ROW, "%s cannot take a JSON object "
				  "or array ('%s')", c->def->name,
				  quote(q, in->s, in->len));
	if ((flags & F_EMPTY_NULL) && in->len == 0) {
		*out = null_value;
		return 0;
	}
	return c->def->apply(c, in, out, env, err);
}

const char *conv_name(const struct conv *c)
{
	return c->def->name;
}

void conv_free(struct conv *c)
{
	size_t i;

	if (!c)
		return;
	free(c->s1);
	free(c->s2);
	tz_free(c->tz);
	dt_pattern_free(c->pat);
	for (i = 0; c->map && i < c->nmap; i++)
		free(c->map[i].mem);
	if (c->fallback)
		free(c->fallback->mem);
	free(c->map);
	free(c->keys);
	free(c);
}
