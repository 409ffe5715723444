/* test_table.c - display widths (formats/utf8.h) and the aligned tables
 * built on them (etl/cmd/table.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cmd/table.h"
#include "formats/utf8.h"

static size_t w(const char *s)
{
	return utf8_width(s, strlen(s));
}

static void test_width(void)
{
	CHECK_INT(w(""), 0);
	CHECK_INT(w("Acme, Inc."), 10);
	CHECK_INT(w("株式会社サンプル"), 16);            /* CJK, katakana */
	CHECK_INT(w("Société Générale"), 16);           /* precomposed é */
	CHECK_INT(w("Socie\xCC\x81te\xCC\x81"), 7);     /* e + U+0301 */
	CHECK_INT(w("\xF0\x9F\x98\x80"), 2);            /* U+1F600 emoji */
	CHECK_INT(w("a\xE2\x80\x8D" "b"), 2);           /* zero width joiner */
	CHECK_INT(w("\xEF\xBC\xA1"), 2);                /* fullwidth A */
	CHECK_INT(w("\xEF\xBD\xB1"), 1);                /* halfwidth katakana */
	CHECK_INT(w("한국"), 4);                         /* Hangul syllables */
	CHECK_INT(w("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), 2); /* jamo 한 */
	CHECK_INT(w("\xF0\xA0\x80\x80"), 2);            /* U+20000, plane 2 */
	CHECK_INT(w("\xE2\x80\xA6\xE2\x8F\x8E\xE2\x86\x92"), 3); /* … ⏎ → */
	CHECK_INT(w("\xC2\xAD"), 1);                    /* soft hyphen */
	CHECK_INT(w("\xFF" "a\xE6"), 3);                /* invalid bytes: 1 each */
	CHECK_INT(w("Привет"), 6);
	CHECK_INT(w("مرحبا"), 5);
	CHECK_INT(utf8_cp_width(0x3000), 2);            /* ideographic space */
	CHECK_INT(utf8_cp_width(0x0300), 0);
	CHECK_INT(utf8_cp_width(0xFE0F), 0);            /* variation selector */
	CHECK_INT(utf8_cp_width(0x00E9), 1);
	CHECK_INT(utf8_cp_width(0xFFFD), 1);
}

static void test_prefix_width(void)
{
	const char *jp = "株式会社";
	const char *acc = "e\xCC\x81" "e\xCC\x81";
	size_t len = strlen(jp);

	CHECK_INT(utf8_prefix_width(jp, len, 0), 0);
	CHECK_INT(utf8_prefix_width(jp, len, 1), 0);    /* 株 does not fit */
	CHECK_INT(utf8_prefix_width(jp, len, 2), 3);
	CHECK_INT(utf8_prefix_width(jp, len, 5), 6);
	CHECK_INT(utf8_prefix_width(jp, len, 8), len);
	CHECK_INT(utf8_prefix_width(jp, len, 100), len);
	/* a letter keeps its accent */
	CHECK_INT(utf8_prefix_width(acc, strlen(acc), 1), 3);
	CHECK_INT(utf8_prefix_width("abc", 3, 2), 2);
}

/* Prints t into a string (caller frees). */
static char *print(const struct table *t, size_t cap)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	table_print(t, f, cap);
	fclose(f);
	return buf;
}

static void test_table_aligns_wide(void)
{
	static const char *const head[] = { "id", "name", "country" };
	static const char *const r1[] = { "1", "Acme", "US" };
	static const char *const r2[] = { "2", "株式会社サンプル", "JP" };
	static const char *const r3[] = { "3", "Socie\xCC\x81te\xCC\x81", "FR" };
	struct table *t = table_new(3, head);
	char *out;

	REQUIRE(t != NULL);
	CHECK_INT(table_add(t, r1, NULL), 0);
	CHECK_INT(table_add(t, r2, NULL), 0);
	CHECK_INT(table_add(t, r3, NULL), 0);
	CHECK_INT(table_width(t, 0), 2 + 2 + 16 + 2 + 7);
	out = print(t, 0);
	CHECK_STR(out,
		  "id  name              country\n"
		  "--  ----------------  -------\n"
		  "1   Acme              US\n"
		  "2   株式会社サンプル  JP\n"
		  "3   Socie\xCC\x81te\xCC\x81           FR\n");
	free(out);
	/* cut to 7 columns: 株式会 (6) and …; to 6: 株式 (4), … and a space */
	out = print(t, 7);
	CHECK_STR(out,
		  "id  name     country\n"
		  "--  -------  -------\n"
		  "1   Acme     US\n"
		  "2   株式会\xE2\x80\xA6  JP\n"
		  "3   Socie\xCC\x81te\xCC\x81  FR\n");
	free(out);
	out = print(t, 6);
	CHECK_STR(out,
		  "id  name    count\xE2\x80\xA6\n"
		  "--  ------  ------\n"
		  "1   Acme    US\n"
		  "2   株式\xE2\x80\xA6   JP\n"
		  "3   Socie\xCC\x81\xE2\x80\xA6  FR\n");
	free(out);
	table_free(t);
}

int main(void)
{
	RUN(test_width);
	RUN(test_prefix_width);
	RUN(test_table_aligns_wide);
	return tap_done();
}
