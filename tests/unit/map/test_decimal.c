/* test_decimal.c - unit tests of etl/decimal: parsing, exact comparison,
 * rounding half away from zero, plain printing, integer conversion. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "map/decimal.h"

/* Parses s (which must be valid) and prints it at scale. */
static const char *fmt(const char *s, int scale)
{
	static char buf[DEC_TEXT_SIZE];
	static struct bs_err err;
	struct dec d;

	if (dec_parse(&d, s, strlen(s), &err) < 0)
		return err.msg;
	dec_format(&d, scale, buf);
	return buf;
}

static int cmp(const char *a, const char *b)
{
	struct dec x, y;
	struct bs_err err;

	if (dec_parse(&x, a, strlen(a), &err) < 0 ||
	    dec_parse(&y, b, strlen(b), &err) < 0)
		return 99;
	return dec_cmp(&x, &y);
}

static void test_format(void)
{
	CHECK_STR(fmt("1250.00", DEC_SCALE_NATURAL), "1250.00");
	CHECK_STR(fmt("1.5e-7", DEC_SCALE_NATURAL), "0.00000015");
	CHECK_STR(fmt("9.1E8", DEC_SCALE_NATURAL), "910000000");
	CHECK_STR(fmt("1E+2", DEC_SCALE_NATURAL), "100");
	CHECK_STR(fmt("-0.00", DEC_SCALE_NATURAL), "0.00");
	CHECK_STR(fmt("-0", 2), "0.00");
	CHECK_STR(fmt("0e-999", DEC_SCALE_NATURAL),
		  "0.0000000000000000000000000000000000000000000000000000000000000000");
	CHECK_STR(fmt("007", 0), "7");
	CHECK_STR(fmt("0.1", 0), "0");
	CHECK_STR(fmt("12.5", 4), "12.5000");
	CHECK_STR(fmt("-12.5", 0), "-13");
	CHECK_STR(fmt("0.0049", 2), "0.00");
	CHECK_STR(fmt("0.005", 2), "0.01");
	CHECK_STR(fmt("-0.005", 2), "-0.01");
	CHECK_STR(fmt("9.999", 2), "10.00");
	CHECK_STR(fmt("0.995", 2), "1.00");
	CHECK_STR(fmt("5e-3", 2), "0.01");
	CHECK_STR(fmt("4.9e-3", 2), "0.00");
	CHECK_STR(fmt("1e-1", 0), "0");
	CHECK_STR(fmt("5e-1", 0), "1");
	CHECK_STR(fmt("1.23e1", 3), "12.300");
}

/* Every number of thousandths from -3000 to 3000, rounded to hundredths and
 * to units, against integer arithmetic. */
static void test_round_all(void)
{
	char in[32], want[32];
	int n, bad = 0;

	for (n = -3000; n <= 3000; n++) {
		int a = n < 0 ? -n : n, h, u;
		const char *sign = n < 0 ? "-" : "";

		snprintf(in, sizeof(in), "%s%d.%03d", sign, a / 1000, a % 1000);
		h = (a + 5) / 10;         /* half away from zero on |n| */
		snprintf(want, sizeof(want), "%s%d.%02d", h ? sign : "",
			 h / 100, h % 100);
		if (strcmp(fmt(in, 2), want) != 0 && bad++ < 5)
			printf("#   %s -> %s, want %s\n", in, fmt(in, 2), want);
		u = (a + 500) / 1000;
		snprintf(want, sizeof(want), "%s%d", u ? sign : "", u);
		if (strcmp(fmt(in, 0), want) != 0 && bad++ < 5)
			printf("#   %s -> %s, want %s\n", in, fmt(in, 0), want);
	}
	CHECK_INT(bad, 0);
}

static void test_compare(void)
{
	CHECK_INT(cmp("1.50", "1.5"), 0);
	CHECK_INT(cmp("-0", "0"), 0);
	CHECK_INT(cmp("-0.00", "0e5"), 0);
	CHECK_INT(cmp("1e2", "100"), 0);
	CHECK_INT(cmp("100", "1e2"), 0);
	CHECK_INT(cmp("0.1", "0.10000000001"), -1);
	CHECK_INT(cmp("0.10000000001", "0.1"), 1);
	CHECK_INT(cmp("-1", "-0.5"), -1);
	CHECK_INT(cmp("-2", "-1"), -1);
	CHECK_INT(cmp("-1", "1"), -1);
	CHECK_INT(cmp("0", "-1e-400"), 1);
	CHECK_INT(cmp("1e-400", "0"), 1);
	CHECK_INT(cmp("9.9e400", "1e400"), 1);
	CHECK_INT(cmp("123456789012345678901234567890.12",
		      "123456789012345678901234567890.13"), -1);
	CHECK_INT(cmp("1250", "1250.00"), 0);
	CHECK_INT(cmp("999", "1000"), -1);
}

static void test_predicates(void)
{
	struct dec d;
	struct bs_err err;

	dec_parse(&d, "0.00", 4, &err);
	CHECK(dec_is_zero(&d));
	CHECK(dec_is_integer(&d));
	dec_parse(&d, "-0", 2, &err);
	CHECK(dec_is_zero(&d));
	dec_parse(&d, "1e-400", 6, &err);
	CHECK(!dec_is_zero(&d));
	CHECK(!dec_is_integer(&d));
	dec_parse(&d, "12.0", 4, &err);
	CHECK(dec_is_integer(&d));
	dec_parse(&d, "1.5e1", 5, &err);
	CHECK(dec_is_integer(&d));
	dec_parse(&d, "1.25e1", 6, &err);
	CHECK(!dec_is_integer(&d));
	dec_parse(&d, "0.5", 3, &err);
	CHECK(!dec_is_integer(&d));
	dec_parse(&d, "1e2", 3, &err);
	CHECK(dec_is_integer(&d));
}

static void test_int64(void)
{
	struct dec d;
	struct bs_err err;
	char buf[DEC_TEXT_SIZE];
	int64_t v = 0;

	dec_parse(&d, "9223372036854775807", 19, &err);
	CHECK_INT(dec_to_i64(&d, &v), 0);
	CHECK(v == INT64_MAX);
	dec_parse(&d, "-9223372036854775808", 20, &err);
	CHECK_INT(dec_to_i64(&d, &v), 0);
	CHECK(v == INT64_MIN);
	dec_parse(&d, "9223372036854775808", 19, &err);
	CHECK_INT(dec_to_i64(&d, &v), -1);
	dec_parse(&d, "-9223372036854775809", 20, &err);
	CHECK_INT(dec_to_i64(&d, &v), -1);
	dec_parse(&d, "1e30", 4, &err);
	CHECK_INT(dec_to_i64(&d, &v), -1);
	dec_parse(&d, "12.5", 4, &err);
	CHECK_INT(dec_to_i64(&d, &v), -1);
	dec_parse(&d, "1.2e1", 5, &err);
	CHECK_INT(dec_to_i64(&d, &v), 0);
	CHECK_INT(v, 12);
	dec_parse(&d, "-0.00", 5, &err);
	CHECK_INT(dec_to_i64(&d, &v), 0);
	CHECK_INT(v, 0);
	dec_from_i64(&d, INT64_MIN);
	dec_format(&d, 0, buf);
	CHECK_STR(buf, "-9223372036854775808");
	dec_from_i64(&d, 0);
	CHECK(dec_is_zero(&d));
	dec_format(&d, 1, buf);
	CHECK_STR(buf, "0.0");
	dec_from_i64(&d, 1000);
	dec_format(&d, DEC_SCALE_NATURAL, buf);
	CHECK_STR(buf, "1000");
}

static void test_errors(void)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "", "empty text" },
		{ "-", "no digits" },
		{ "+", "no digits" },
		{ ".", "no digits" },
		{ "e5", "no digits" },
		{ "1e", "no digits after the exponent mark" },
		{ "1e+", "no digits after the exponent mark" },
		{ "1,5", "unexpected ','" },
		{ "1 ", "unexpected white space at position 2" },
		{ "--1", "unexpected '-' at position 2" },
		{ "1..2", "unexpected '.' at position 3" },
		{ "0x10", "unexpected 'x'" },
		{ "Infinity", "unexpected 'I'" },
		{ "1e401", "too large" },
		{ "1e-401", "too small" },
		{ "1e99999999999999999999999", "too large" },
		{ "1e-99999999999999999999999", "too small" },
	};
	struct dec d;
	struct bs_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bs_err_clear(&err);
		CHECK_INT(dec_parse(&d, bad[i].in, strlen(bad[i].in), &err), -1);
		CHECK_INT(err.kind, BS_E_ROW);
		CHECK_CONTAINS(err.msg, bad[i].msg);
	}
}

/* The largest and longest numbers print within DEC_TEXT_SIZE. */
static void test_limits(void)
{
	char text[DEC_MAX_TEXT + 8], buf[DEC_TEXT_SIZE];
	struct dec d;
	struct bs_err err;
	size_t n;

	/* 64 nines with the leading one at 10^400 */
	memset(text, '9', 64);
	snprintf(text + 64, 16, "e%d", DEC_MAX_POW - 63);
	CHECK_INT(dec_parse(&d, text, strlen(text), &err), 0);
	n = dec_format(&d, DEC_MAX_SCALE, buf);
	CHECK_INT(n, DEC_MAX_POW + 1 + 1 + DEC_MAX_SCALE);
	CHECK(n < DEC_TEXT_SIZE);
	CHECK(buf[0] == '9');
	n = dec_format(&d, DEC_SCALE_NATURAL, buf);
	CHECK_INT(n, DEC_MAX_POW + 1);
	/* 64 nines, one after the point: rounding carries into a new digit */
	snprintf(text + 64, 16, "e-1");
	CHECK_INT(dec_parse(&d, text, strlen(text), &err), 0);
	n = dec_format(&d, 0, buf);
	CHECK_INT(n, 64);
	CHECK(buf[0] == '1' && buf[1] == '0' && buf[63] == '0');
	/* 64 digits with the leading one at 10^-400 */
	text[0] = '-';
	memset(text + 1, '7', 64);
	snprintf(text + 65, 16, "e-%d", DEC_MAX_POW + 63);
	CHECK_INT(dec_parse(&d, text, strlen(text), &err), 0);
	n = dec_format(&d, DEC_SCALE_NATURAL, buf);
	CHECK_INT(n, 1 + 2 + DEC_MAX_POW + 63);
	CHECK(n < DEC_TEXT_SIZE);
	CHECK_STR(fmt(text, 2), "0.00");
	/* 65 significant digits: refused; 65 digits ending in 0: fine */
	memset(text, '1', 65);
	text[65] = '\0';
	CHECK_INT(dec_parse(&d, text, 65, &err), -1);
	CHECK_CONTAINS(err.msg, "more than 64 significant digits");
	text[64] = '0';
	CHECK_INT(dec_parse(&d, text, 65, &err), 0);
	dec_format(&d, DEC_SCALE_NATURAL, buf);
	CHECK_STR(buf, text);
	/* leading zeros do not count, but the text length is capped */
	memset(text, '0', DEC_MAX_TEXT);
	text[DEC_MAX_TEXT - 1] = '5';
	CHECK_INT(dec_parse(&d, text, DEC_MAX_TEXT, &err), 0);
	CHECK_INT(dec_parse(&d, text, DEC_MAX_TEXT + 1, &err), -1);
	CHECK_CONTAINS(err.msg, "longer than");
}

/* Random strings over the characters of numbers: whatever parses prints
 * in plain notation and parses back to the same value. */
static void test_random(void)
{
	static const char alphabet[] = "0123456789012345.eE+-x ,";
	char text[40], buf[DEC_TEXT_SIZE];
	uint32_t seed = 42;
	struct dec d, back;
	struct bs_err err;
	int i, k, len, ok = 0, bad = 0;

	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		len = (int)(seed >> 16) % 20 + 1;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			text[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (dec_parse(&d, text, (size_t)len, &err) < 0)
			continue;
		ok++;
		dec_format(&d, DEC_SCALE_NATURAL, buf);
		if (strchr(buf, 'e') || dec_parse(&back, buf, strlen(buf), &err) < 0 ||
		    dec_cmp(&d, &back) != 0)
			bad++;
	}
	CHECK(ok > 1000);
	CHECK_INT(bad, 0);
}

int main(void)
{
	RUN(test_format);
	RUN(test_round_all);
	RUN(test_compare);
	RUN(test_predicates);
	RUN(test_int64);
	RUN(test_errors);
	RUN(test_limits);
	RUN(test_random);
	return tap_done();
}
