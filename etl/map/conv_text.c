/* conv_text.c - the text converters: trim, upper, lower, truncate,
 * default, required, replace (see convert.h). */
#include "convert_int.h"

#include <string.h>

#include "formats/utf8.h"

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

int cv_apply_trim(const struct conv *c, const struct bs_value *in,
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
		return cv_put_ref(out, in->s + start, end - start);
	return cv_put_copy(out, env, in->s + start, end - start, err);
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
		return cv_put_ref(out, in->s, len);
	p = arena_alloc(env->arena, len + 1);
	if (!p)
		return cv_out_of_memory(err);
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
	return cv_put_ref(out, p, len);
}

int cv_apply_upper(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err)
{
	(void)c;
	return apply_case(in, out, env, err, upper_cp);
}

int cv_apply_lower(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err)
{
	(void)c;
	return apply_case(in, out, env, err, lower_cp);
}

int cv_setup_truncate(struct conv *c, const struct args *a,
		      struct bs_err *err)
{
	const char *units = cv_arg_get(a, "units");
	long n;

	if (cv_parse_count(a->pos[0]->value, 1, CONV_TRUNCATE_MAX, &n) < 0)
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

int cv_apply_truncate(const struct conv *c, const struct bs_value *in,
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
		return cv_put_ref(out, in->s, in->len);
	return cv_put_copy(out, env, in->s, cut, err);
}

int cv_setup_default(struct conv *c, const struct args *a,
		     struct bs_err *err)
{
	c->s1 = cv_xstrdup(a->pos[0]->value, &c->l1, err);
	return c->s1 ? 0 : -1;
}

int cv_apply_default(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err)
{
	(void)env;
	(void)err;
	if (in->kind == BS_V_NULL || in->len == 0)
		return cv_put_ref(out, c->s1, c->l1);
	*out = *in;
	return 0;
}

int cv_apply_required(const struct conv *c, const struct bs_value *in,
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

int cv_setup_replace(struct conv *c, const struct args *a,
		     struct bs_err *err)
{
	if (!*a->pos[0]->value)
		return bs_err_set(err, BS_E_CONFIG, "replace: the text to "
				  "replace is empty");
	c->s1 = cv_xstrdup(a->pos[0]->value, &c->l1, err);
	c->s2 = c->s1 ? cv_xstrdup(a->pos[1]->value, &c->l2, err) : NULL;
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

int cv_apply_replace(const struct conv *c, const struct bs_value *in,
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
		return cv_put_ref(out, in->s, in->len);
	olen = in->len - count * c->l1 + count * c->l2;
	buf = arena_alloc(env->arena, olen + 1);
	if (!buf)
		return cv_out_of_memory(err);
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
	return cv_put_ref(out, buf, olen);
}
