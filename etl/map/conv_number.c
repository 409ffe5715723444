/* conv_number.c - the converters of numbers and money (decimal, integer,
 * money) and of booleans (see convert.h). */
#include "convert_int.h"

#include <stdint.h>
#include <string.h>

#include "currency.h"
#include "decimal.h"

/* ---- numbers ---- */

static int read_dec(const struct bs_value *in, struct dec *d,
		    struct bs_err *err)
{
	if (dec_parse(d, in->s, in->len, err) < 0)
		return cv_cannot_read(err, in, "a number");
	return 0;
}

static int put_dec(struct bs_value *out, const struct conv_env *env,
		   const struct dec *d, int scale, struct bs_err *err)
{
	char buf[DEC_TEXT_SIZE];
	size_t n = dec_format(d, scale, buf);

	return cv_put_copy(out, env, buf, n, err);
}

int cv_setup_decimal(struct conv *c, const struct args *a,
		     struct bs_err *err)
{
	c->scale = DEC_SCALE_NATURAL;
	if (a->npos)
		return cv_setup_scale("decimal", a->pos[0]->value, &c->scale, err);
	return 0;
}

int cv_apply_decimal(const struct conv *c, const struct bs_value *in,
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

int cv_setup_integer(struct conv *c, const struct args *a,
		     struct bs_err *err)
{
	const char *min = cv_arg_get(a, "min"), *max = cv_arg_get(a, "max");

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

int cv_apply_integer(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err)
{
	char q[QUOTE_SIZE], lim[DEC_TEXT_SIZE];
	struct dec d;

	if (read_dec(in, &d, err) < 0)
		return -1;
	if (!dec_is_integer(&d)) {
		bs_err_set(err, BS_E_ROW, "it has a fraction");
		return cv_cannot_read(err, in, "an integer");
	}
	if (dec_cmp(&d, &c->min) < 0) {
		dec_format(&c->min, 0, lim);
		return bs_err_set(err, BS_E_ROW, "'%s' is below the minimum %s",
				  cv_quote(q, in->s, in->len), lim);
	}
	if (dec_cmp(&d, &c->max) > 0) {
		dec_format(&c->max, 0, lim);
		return bs_err_set(err, BS_E_ROW, "'%s' is above the maximum %s",
				  cv_quote(q, in->s, in->len), lim);
	}
	return put_dec(out, env, &d, 0, err);
}

int cv_setup_money(struct conv *c, const struct args *a,
		   struct bs_err *err)
{
	const char *scale = cv_arg_get(a, "scale");

	c->scale = -1;   /* the currency's */
	if (scale && cv_setup_scale("money", scale, &c->scale, err) < 0)
		return -1;
	if (!a->need)
		return bs_err_set(err, BS_E_CONFIG, "money: cannot be used here "
				  "(it reads the currency from another column)");
	c->s1 = cv_xstrdup(a->pos[0]->value, &c->l1, err);
	if (!c->s1 || a->need(a->need_ctx, c->s1, &c->num, err) < 0)
		return -1;
	return 0;
}

int cv_apply_money(const struct conv *c, const struct bs_value *in,
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
				  cv_quote(q, in->s, in->len), c->s1);
	digits = currency_digits(cur->s, cur->len);
	if (digits < 0)
		return bs_err_set(err, BS_E_ROW, "unknown currency '%s' in "
				  "column '%s' (expected an ISO 4217 code such "
				  "as USD)", cv_quote(qc, cur->s, cur->len), c->s1);
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

int cv_apply_boolean(const struct conv *c, const struct bs_value *in,
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
			return cv_put_ref(out, "true", 4);
		if (ieq(in->s, in->len, no[i]))
			return cv_put_ref(out, "false", 5);
	}
	bs_err_set(err, BS_E_ROW, "expected true/false, yes/no, y/n, 1/0 or "
		   "on/off");
	return cv_cannot_read(err, in, "a boolean");
}
