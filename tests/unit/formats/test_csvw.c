/* test_csvw.c - unit tests of the CSV record encoder: Bulk API 2.0 quoting,
 * null and empty cells, UTF-8, spreadsheet-safe mode, buffer caps. */
#include <string.h>

#include "tap.h"
#include "formats/csvw.h"

struct field_case {
	const char *in;
	size_t len;        /* 0: strlen(in) */
	unsigned flags;
	const char *want;
	size_t want_len;   /* 0: strlen(want) */
};

static void test_field_quoting(void)
{
	static const struct field_case cases[] = {
		{ "plain", 0, 0, "plain", 0 },
		{ "", 0, 0, "", 0 },
		{ "a,b", 0, 0, "\"a,b\"", 0 },
		{ "say \"hi\"", 0, 0, "\"say \"\"hi\"\"\"", 0 },
		{ "\"", 0, 0, "\"\"\"\"", 0 },
		{ "line1\nline2", 0, 0, "\"line1\nline2\"", 0 },
		{ "cr\rhere", 0, 0, "\"cr\rhere\"", 0 },
		{ "crlf\r\n", 0, 0, "\"crlf\r\n\"", 0 },
		{ " padded ", 0, 0, " padded ", 0 },         /* spaces kept, unquoted */
		{ "tab\there", 0, 0, "tab\there", 0 },
		{ "semi;colon", 0, 0, "semi;colon", 0 },
		{ "'single'", 0, 0, "'single'", 0 },
		{ "Zürich — 東京", 0, 0, "Zürich — 東京", 0 }, /* UTF-8 untouched */
		{ "\xef\xbb\xbf" "bom", 0, 0, "\xef\xbb\xbf" "bom", 0 }, /* not ours to strip */
		{ "#N/A", 0, 0, "#N/A", 0 },
		{ "a\0b", 3, 0, "a\0b", 3 },
		{ "=SUM(A1)", 0, 0, "=SUM(A1)", 0 },         /* Salesforce files: as is */
		{ "-12.50", 0, 0, "-12.50", 0 },
		/* spreadsheet-safe mode */
		{ "=SUM(A1)", 0, CSVW_SPREADSHEET, "'=SUM(A1)", 0 },
		{ "+1", 0, CSVW_SPREADSHEET, "'+1", 0 },
		{ "-12.50", 0, CSVW_SPREADSHEET, "'-12.50", 0 },
		{ "@cmd", 0, CSVW_SPREADSHEET, "'@cmd", 0 },
		{ "\tx", 0, CSVW_SPREADSHEET, "'\tx", 0 },
		{ "\rx", 0, CSVW_SPREADSHEET, "\"'\rx\"", 0 },
		{ "=1,2", 0, CSVW_SPREADSHEET, "\"'=1,2\"", 0 },
		{ "=\"x\"", 0, CSVW_SPREADSHEET, "\"'=\"\"x\"\"\"", 0 },
		{ "a=b", 0, CSVW_SPREADSHEET, "a=b", 0 },
		{ "", 0, CSVW_SPREADSHEET, "", 0 },
	};
	struct sbuf sb;
	struct bs_err err;
	size_t i, len, want_len;

	sbuf_init(&sb, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct field_case *c = &cases[i];

		len = c->len ? c->len : strlen(c->in);
		want_len = c->want_len ? c->want_len : strlen(c->want);
		sbuf_reset(&sb);
		CHECK_INT(csvw_field(&sb, c->in, len, c->flags, &err), 0);
		if (sb.len != want_len || memcmp(sb.buf, c->want, want_len) != 0) {
			printf("#   case %zu: got [%s], want [%s]\n", i, sb.buf, c->want);
			tap.cur_failed++;
		}
		CHECK(sb.buf[sb.len] == '\0');
	}
	sbuf_release(&sb);
}

/* Each byte that forces quoting, at every position of fields of 1 to 40
 * bytes (the scan reads 8 bytes at a time), against quoting done by hand;
 * and bytes next to those (0x2B, 0x2D, 0x21, 0x23, 0x0B, 0x0E, 0xAC) that
 * must not. */
static void test_field_positions(void)
{
	static const char special[] = { ',', '"', '\n', '\r' };
	static const char near[] = { '+', '-', '!', '#', '\v', '\x0e', '\xac' };
	char in[48], want[128];
	struct sbuf sb;
	struct bs_err e;
	size_t len, at, k, bad = 0, n;

	sbuf_init(&sb, 0);
	for (len = 1; len <= 40; len++) {
		for (at = 0; at < len; at++) {
			for (k = 0; k < sizeof(special) + sizeof(near); k++) {
				char c = k < sizeof(special) ? special[k] :
					 near[k - sizeof(special)];
				size_t i;

				memset(in, 'x', len);
				in[at] = c;
				n = 0;
				if (k < sizeof(special))
					want[n++] = '"';
				for (i = 0; i < len; i++) {
					want[n++] = in[i];
					if (in[i] == '"')
						want[n++] = '"';
				}
				if (k < sizeof(special))
					want[n++] = '"';
				sbuf_reset(&sb);
				if (csvw_field(&sb, in, len, 0, &e) < 0 ||
				    sb.len != n || memcmp(sb.buf, want, n))
					bad++;
			}
		}
	}
	CHECK_INT(bad, 0);
	sbuf_release(&sb);
}

static void test_record_values(void)
{
	const struct bs_value v[] = {
		{ "a1", 2, BS_V_TEXT },
		{ "", 0, BS_V_NULL },
		{ "", 0, BS_V_TEXT },
		{ "12.50", 5, BS_V_NUMBER },
		{ "x,\"y\"", 5, BS_V_TEXT },
		{ "true", 4, BS_V_BOOL },
		{ "{\"k\":1}", 7, BS_V_JSON },
	};
	struct sbuf sb;
	struct bs_err err;

	sbuf_init(&sb, 0);
	CHECK_INT(csvw_record(&sb, v, 7, 0, &err), 0);
	CHECK_STR(sb.buf, "a1,,,12.50,\"x,\"\"y\"\"\",true,\"{\"\"k\"\":1}\"\n");
	/* appends: a second record follows the first */
	CHECK_INT(csvw_record(&sb, v, 1, 0, &err), 0);
	CHECK_STR(sb.buf, "a1,,,12.50,\"x,\"\"y\"\"\",true,\"{\"\"k\"\":1}\"\na1\n");
	sbuf_reset(&sb);
	/* a record of one null cell is an empty line; of zero cells too */
	CHECK_INT(csvw_record(&sb, v + 1, 1, 0, &err), 0);
	CHECK_INT(csvw_record(&sb, v, 0, 0, &err), 0);
	CHECK_STR(sb.buf, "\n\n");
	sbuf_release(&sb);
}

static void test_record_strs(void)
{
	const char *names[] = { "OrbId__c", "Name", "OrbInvoice__r.OrbId__c", NULL };
	const char *vals[] = { "ab", "c,d" };
	const size_t lens[] = { 1, 3 };
	struct sbuf sb;
	struct bs_err err;

	sbuf_init(&sb, 0);
	CHECK_INT(csvw_record_strs(&sb, names, NULL, 4, 0, &err), 0);
	CHECK_STR(sb.buf, "OrbId__c,Name,OrbInvoice__r.OrbId__c,\n");
	sbuf_reset(&sb);
	CHECK_INT(csvw_record_strs(&sb, vals, lens, 2, 0, &err), 0);
	CHECK_STR(sb.buf, "a,\"c,d\"\n");
	sbuf_release(&sb);
}

static void test_cap(void)
{
	const struct bs_value v[] = {
		{ "12345", 5, BS_V_TEXT }, { "a\"b", 3, BS_V_TEXT },
	};
	struct sbuf sb;
	struct bs_err err;

	sbuf_init(&sb, 12);
	CHECK_INT(csvw_record(&sb, v, 1, 0, &err), 0);       /* "12345\n" */
	bs_err_clear(&err);
	/* "a""b" quoted is 6 bytes: 6 + 6 + 1 > 12 */
	CHECK_INT(csvw_record(&sb, v + 1, 1, 0, &err), -1);
	CHECK_INT(err.kind, BS_E_ROW);
	CHECK_CONTAINS(err.msg, "larger than 12 bytes");
	CHECK_STR(sb.buf, "12345\n");                        /* unchanged */
	CHECK_INT(sb.len, 6);
	/* exactly at the cap fits */
	CHECK_INT(csvw_record(&sb, v, 1, 0, &err), 0);
	CHECK_INT(sb.len, 12);
	sbuf_release(&sb);
}

int main(void)
{
	RUN(test_field_quoting);
	RUN(test_field_positions);
	RUN(test_record_values);
	RUN(test_record_strs);
	RUN(test_cap);
	return tap_done();
}
