/* test_base.c - unit tests of the small shared modules: bs_err, sbuf, arena,
 * strsim, ini. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/ini.h"
#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "formats/utf8.h"

static void test_err_format(void)
{
	struct bs_err e;
	char buf[256];

	bs_err_clear(&e);
	CHECK_INT(bs_err_at(&e, BS_E_ROW, "invoices.csv", 12, "bad '%s'", "x"), -1);
	bs_err_field(&e, "total");
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "invoices.csv:12: field 'total': bad 'x'");
	bs_err_set(&e, BS_E_CONFIG, "plain");
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "plain");
	bs_err_prefix(&e, "mapping %s", "a.map");
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "mapping a.map: plain");
	CHECK_INT(bs_err_set(NULL, BS_E_IO, "ignored"), -1);
}

static void test_sbuf_cap(void)
{
	struct sbuf sb;
	char *p;
	size_t n;

	sbuf_init(&sb, 8);
	CHECK_STR(sb.buf, "");
	CHECK_INT(sbuf_adds(&sb, "12345"), 0);
	CHECK_INT(sbuf_addf(&sb, "%d", 678), 0);
	CHECK_STR(sb.buf, "12345678");
	CHECK_INT(sbuf_addc(&sb, '9'), -1);     /* over the cap */
	CHECK_STR(sb.buf, "12345678");          /* unchanged */
	sbuf_reset(&sb);
	CHECK_INT(sb.len, 0);
	CHECK_STR(sb.buf, "");
	sbuf_adds(&sb, "ab");
	p = sbuf_detach(&sb, &n);
	CHECK_STR(p, "ab");
	CHECK_INT(n, 2);
	free(p);
	CHECK_STR(sb.buf, "");
	sbuf_release(&sb);
}

static void test_arena(void)
{
	struct arena a;
	char *s, *big;
	int i;

	arena_init(&a, 128);
	for (i = 0; i < 100; i++) {
		s = arena_strdup(&a, "hello");
		CHECK_STR(s, "hello");
	}
	big = arena_alloc(&a, 1000);   /* larger than a block */
	CHECK(big != NULL);
	memset(big, 'x', 1000);
	s = arena_strndup(&a, "abcdef", 3);
	CHECK_STR(s, "abc");
	CHECK(((unsigned long)arena_alloc(&a, 3) % sizeof(void *)) == 0);
	arena_reset(&a);
	CHECK_INT(a.used_total, 0);
	s = arena_strdup(&a, "again");
	CHECK_STR(s, "again");
	arena_release(&a);
}

static void test_strsim(void)
{
	const char *names[] = { "decimal", "datetime", "date", "truncate" };

	CHECK_INT(strsim_distance("decmal", "decimal", 3), 1);
	CHECK_INT(strsim_distance("abc", "acb", 3), 1);       /* swap */
	CHECK_INT(strsim_distance("abc", "xyzxyz", 2), 3);    /* capped */
	CHECK_STR(strsim_closest("decmal", names, 4), "decimal");
	CHECK_STR(strsim_closest("TRUNCATE", names, 4), "truncate");
	CHECK(strsim_closest("zzzzzz", names, 4) == NULL);
}

struct ini_log {
	char text[1024];
};

static int log_item(void *ctx, const struct ini_item *it, struct bs_err *err)
{
	struct ini_log *l = ctx;
	size_t n = strlen(l->text);

	(void)err;
	if (it->key)
		snprintf(l->text + n, sizeof(l->text) - n, "%lu:%s:%s=%s|",
			 it->line, it->section, it->key, it->value);
	else
		snprintf(l->text + n, sizeof(l->text) - n, "%lu:[%s]|",
			 it->line, it->section);
	return 0;
}

static void test_ini(void)
{
	static const char text[] =
		"\xEF\xBB\xBF# comment\n"
		"[object]\r\n"
		"name = OrbInvoice__c   # trailing comment\n"
		"\n"
		"  ; another comment\n"
		"[fields]\n"
		"OrbCustomer__r.OrbId__c = customer_id\n"
		"Memo__c = \"a # not a comment\" | trim\n"
		"skip = total == 0\n";
	struct ini_log l = { "" };
	struct bs_err e;
	char buf[256];

	CHECK_INT(ini_parse_buf("t.map", text, sizeof(text) - 1, log_item, &l,
				&e), 0);
	CHECK_STR(l.text, "2:[object]|3:object:name=OrbInvoice__c|6:[fields]|"
		  "7:fields:OrbCustomer__r.OrbId__c=customer_id|"
		  "8:fields:Memo__c=\"a # not a comment\" | trim|"
		  "9:fields:skip=total == 0|");

	l.text[0] = '\0';
	CHECK_INT(ini_parse_buf("bad.map", "[a]\nno equals here\n", 19, log_item,
				&l, &e), -1);
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "bad.map:2: expected 'key = value' or '[section]', "
		  "found 'no equals here'");
	CHECK_INT(e.kind, BS_E_CONFIG);
	CHECK_INT(ini_parse_buf("bad.map", "[a\n", 3, log_item, &l, &e), -1);
	CHECK_INT(e.line, 1);
	CHECK_INT(ini_parse_file("/nonexistent/x.conf", log_item, &l, &e), -1);
	CHECK_INT(e.kind, BS_E_IO);
}

static void test_utf8(void)
{
	const char *s = "a\xC3\xA9\xE6\xA0\xAA\xF0\x9F\x98\x80z"; /* a é 株 😀 z */
	size_t len = strlen(s);

	CHECK_INT(utf8_check(s, len), len);
	CHECK_INT(utf8_chars(s, len), 5);
	CHECK_INT(utf8_prefix_chars(s, len, 0), 0);
	CHECK_INT(utf8_prefix_chars(s, len, 2), 3);
	CHECK_INT(utf8_prefix_chars(s, len, 4), 10);   /* whole emoji */
	CHECK_INT(utf8_prefix_chars(s, len, 99), len);
	CHECK_INT(utf8_prefix_bytes(s, len, 8), 6);    /* not inside the emoji */
	CHECK_INT(utf8_prefix_bytes(s, len, 10), 10);
	CHECK_INT(utf8_check("ab\xC0\xAF", 4), 2);     /* overlong */
	CHECK_INT(utf8_check("\xED\xA0\x80", 3), 0);   /* surrogate */
	CHECK_INT(utf8_check("\xF4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	CHECK_INT(utf8_check("x\xE6\xA0", 3), 1);       /* truncated */
}

int main(void)
{
	RUN(test_utf8);
	RUN(test_err_format);
	RUN(test_sbuf_cap);
	RUN(test_arena);
	RUN(test_strsim);
	RUN(test_ini);
	return tap_done();
}
