/* decimal.c - exact decimal parsing, comparison, rounding and printing (see decimal.h). */
#include "decimal.h"

#include <string.h>

/* Exponents in the text beyond this are out of range whatever the digits
 * (the text is at most DEC_MAX_TEXT long), so reading stops growing here. */
#define EXP_TEXT_CAP 1000000

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int bad_char(struct bs_err *err, const char *s, size_t i)
{
	unsigned char c = (unsigned char)s[i];

	if (c == ',')
		return bs_err_set(err, BS_E_ROW, "unexpected ',' at position %zu: "
				  "the decimal point is '.', with no thousands "
				  "separators", i + 1);
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return bs_err_set(err, BS_E_ROW, "unexpected white space at "
				  "position %zu: use trim first", i + 1);
	if (c > 0x20 && c < 0x7f)
		return bs_err_set(err, BS_E_ROW,
				  "unexpected '%c' at position %zu", c, i + 1);
	return bs_err_set(err, BS_E_ROW,
			  "unexpected byte 0x%02x at position %zu", c, i + 1);
}

/* The k-th digit of the mantissa written as int part s[a..b) then fraction
 * s[c..e). */
struct mant {
	const char *s;
	size_t a, b, c, e;
};

static char mant_digit(const struct mant *m, size_t k)
{
	size_t ni = m->b - m->a;

	return k < ni ? m->s[m->a + k] : m->s[m->c + k - ni];
}

/* Reads the sign, the mantissa and the exponent of s[0..len) (checked
 * for length already) into d->neg, *m and *e. */
static int scan(struct dec *d, const char *s, size_t len, struct mant *m,
		long *e, struct bs_err *err)
{
	size_t i = 0;
	int eneg = 0;

	if (s[i] == '-' || s[i] == '+')
		d->neg = s[i++] == '-';
	m->s = s;
	m->a = i;
	while (i < len && is_digit(s[i]))
		i++;
	m->b = i;
	m->c = m->e = i;
	if (i < len && s[i] == '.') {
		m->c = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		m->e = i;
	}
	if ((m->b - m->a) + (m->e - m->c) == 0) {
		if (i < len && !(s[i] == 'e' || s[i] == 'E'))
			return bad_char(err, s, i);
		return bs_err_set(err, BS_E_ROW, "no digits");
	}
	*e = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		if (i >= len || !is_digit(s[i]))
			return bs_err_set(err, BS_E_ROW,
					  "no digits after the exponent mark");
		while (i < len && is_digit(s[i])) {
			if (*e < EXP_TEXT_CAP)
				*e = *e * 10 + (s[i] - '0');
			i++;
		}
		if (eneg)
			*e = -*e;
	}
	if (i < len)
		return bad_char(err, s, i);
	return 0;
}

int dec_parse(struct dec *d, const char *s, size_t len, struct bs_err *err)
{
	struct mant m;
	size_t total, first, last, end, k;
	long e = 0, pow;

	memset(d, 0, sizeof(*d));
	if (len == 0)
		return bs_err_set(err, BS_E_ROW, "empty text");
	if (len > DEC_MAX_TEXT)
		return bs_err_set(err, BS_E_ROW, "longer than %d characters",
				  DEC_MAX_TEXT);
	if (scan(d, s, len, &m, &e, err) < 0)
		return -1;
	total = (m.b - m.a) + (m.e - m.c);
	for (first = 0; first < total && mant_digit(&m, first) == '0'; first++)
		;
	/* power of ten of the mantissa's last digit */
	pow = e - (long)(m.e - m.c);
	if (first == total) {
		/* zero keeps its scale, within what can be printed */
		if (pow > 0)
			pow = 0;
		if (pow < -DEC_MAX_SCALE)
			pow = -DEC_MAX_SCALE;
		d->exp = (int)pow;
		return 0;
	}
	for (last = total - 1; mant_digit(&m, last) == '0'; last--)
		;
	end = total;
	if (end - first > DEC_MAX_DIGITS)
		end = last + 1;     /* drop trailing zeros to make room */
	if (end - first > DEC_MAX_DIGITS)
		return bs_err_set(err, BS_E_ROW,
				  "more than %d significant digits",
				  DEC_MAX_DIGITS);
	pow += (long)(total - end);
	/* power of ten of the leading digit */
	if (pow + (long)(end - first) - 1 > DEC_MAX_POW)
		return bs_err_set(err, BS_E_ROW, "too large: more than %d "
				  "digits before the point", DEC_MAX_POW + 1);
	if (pow + (long)(end - first) - 1 < -DEC_MAX_POW)
		return bs_err_set(err, BS_E_ROW, "too small: below 1e-%d",
				  DEC_MAX_POW);
	for (k = first; k < end; k++)
		d->digit[d->n++] = (unsigned char)(mant_digit(&m, k) - '0');
	d->exp = (int)pow;
	return 0;
}

void dec_from_i64(struct dec *d, int64_t v)
{
	unsigned char tmp[20];
	uint64_t u;
	int n = 0;

	memset(d, 0, sizeof(*d));
	d->neg = v < 0;
	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	while (u) {
		tmp[n++] = (unsigned char)(u % 10);
		u /= 10;
	}
	while (n)
		d->digit[d->n++] = tmp[--n];
}

int dec_is_zero(const struct dec *d)
{
	return d->n == 0;
}

/* Compares magnitudes. */
static int cmp_abs(const struct dec *a, const struct dec *b)
{
	int pa = a->exp + a->n, pb = b->exp + b->n, i, n;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	n = a->n > b->n ? a->n : b->n;
	for (i = 0; i < n; i++) {
		int da = i < a->n ? a->digit[i] : 0;
		int db = i < b->n ? b->digit[i] : 0;

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

int dec_cmp(const struct dec *a, const struct dec *b)
{
	if (a->n == 0 && b->n == 0)
		return 0;
	if (a->n == 0)
		return b->neg ? 1 : -1;
	if (b->n == 0)
		return a->neg ? -1 : 1;
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	return a->neg ? -cmp_abs(a, b) : cmp_abs(a, b);
}

int dec_is_integer(const struct dec *d)
{
	int i;

	if (d->n == 0 || d->exp >= 0)
		return 1;
	/* digits i with power exp + n - 1 - i < 0 must be zero */
	for (i = d->n + d->exp; i < d->n; i++)
		if (i >= 0 && d->digit[i])
			return 0;
	return 1;
}

int dec_to_i64(const struct dec *d, int64_t *out)
{
	const uint64_t limit = d->neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	uint64_t u = 0;
	int i, ndig;

	if (!dec_is_integer(d))
		return -1;
	ndig = d->n + d->exp;  /* digits before the point */
	if (ndig > 19)
		return -1;
	for (i = 0; i < ndig; i++) {
		unsigned digit = i < d->n ? d->digit[i] : 0;

		if (u > (limit - digit) / 10)
			return -1;
		u = u * 10 + digit;
	}
	if (d->neg)
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*out = (int64_t)u;
	return 0;
}

/* The digit of d at power of ten p (0 outside its digits). */
static int digit_at(const struct dec *d, int p)
{
	int i = d->exp + d->n - 1 - p;

	return i >= 0 && i < d->n ? d->digit[i] : 0;
}

int dec_add(const struct dec *a, const struct dec *b, struct dec *out,
	    struct bs_err *err)
{
	unsigned char sum[2 * DEC_MAX_DIGITS + 2];
	int lo = a->exp < b->exp ? a->exp : b->exp, hi, p, n = 0, carry = 0;
	int top_a = a->n ? a->exp + a->n - 1 : lo;
	int top_b = b->n ? b->exp + b->n - 1 : lo;
	int sub = a->neg != b->neg && a->n && b->n, neg, i, start, z = 0;
	const struct dec *big = a, *small = b;

	if (!a->n && !b->n) {
		memset(out, 0, sizeof(*out));
		out->exp = lo;
		return 0;
	}
	hi = (top_a > top_b ? top_a : top_b) + 1;
	if (hi - lo + 1 > (int)sizeof(sum))
		return bs_err_set(err, BS_E_ROW, "the sum needs more than %d "
				  "significant digits", DEC_MAX_DIGITS);
	if (sub && cmp_abs(a, b) < 0) {
		big = b;
		small = a;
	}
	neg = big->n ? big->neg : small->neg;
	/* digits from the lowest power up */
	for (p = lo; p <= hi; p++) {
		int d = digit_at(big, p) + carry +
			(sub ? -digit_at(small, p) : digit_at(small, p));

		carry = d < 0 ? -1 : d > 9;
		sum[n++] = (unsigned char)(d < 0 ? d + 10 : d % 10);
	}
	for (start = n - 1; start >= 0 && !sum[start]; start--)
		;
	memset(out, 0, sizeof(*out));
	out->exp = lo;
	if (start < 0)
		return 0;    /* zero, at the larger scale */
	/* beyond DEC_MAX_DIGITS, drop trailing zeros to make room, as
	   dec_parse does */
	while (start + 1 - z > DEC_MAX_DIGITS && z < start && !sum[z])
		z++;
	if (start + 1 - z > DEC_MAX_DIGITS)
		return bs_err_set(err, BS_E_ROW, "the sum needs more than %d "
				  "significant digits", DEC_MAX_DIGITS);
	out->exp = lo + z;
	for (i = start; i >= z; i--)
		out->digit[out->n++] = sum[i];
	out->neg = neg;
	return 0;
}

void dec_round(struct dec *d, int scale)
{
	int keep, i;

	if (d->n == 0) {
		if (d->exp < -scale)
			d->exp = -scale;
		return;
	}
	if (d->exp >= -scale)
		return;
	keep = d->n + d->exp + scale;  /* digits at or above 10^-scale */
	if (keep < 0) {
		d->n = 0;
		d->exp = -scale;
		return;
	}
	if (keep == 0) {
		if (d->digit[0] >= 5) {
			d->digit[0] = 1;
			d->n = 1;
		} else {
			d->n = 0;
		}
		d->exp = -scale;
		return;
	}
	d->exp = -scale;
	if (d->digit[keep] < 5) {
		d->n = keep;
		return;
	}
	d->n = keep;
	for (i = keep - 1; i >= 0; i--) {
		if (d->digit[i] < 9) {
			d->digit[i]++;
			return;
		}
		d->digit[i] = 0;
	}
	/* all nines: 99.995 -> 100.00; keep < original n, so this fits */
	memmove(d->digit + 1, d->digit, (size_t)d->n);
	d->digit[0] = 1;
	d->n++;
}

size_t dec_format(const struct dec *src, int scale, char buf[DEC_TEXT_SIZE])
{
	struct dec d = *src;
	size_t o = 0;
	int top, p;

	if (scale == DEC_SCALE_NATURAL)
		scale = d.exp < 0 ? -d.exp : 0;
	else
		dec_round(&d, scale);
	if (d.n && d.neg)
		buf[o++] = '-';
	/* powers of ten from the highest written down to -scale */
	top = d.n ? d.exp + d.n - 1 : 0;
	if (top < 0)
		top = 0;
	for (p = top; p >= -scale; p--) {
		int i = d.exp + d.n - 1 - p;  /* index of the digit at 10^p */

		if (p == -1)
			buf[o++] = '.';
		buf[o++] = (char)('0' + (i >= 0 && i < d.n ? d.digit[i] : 0));
	}
	buf[o] = '\0';
	return o;
}
