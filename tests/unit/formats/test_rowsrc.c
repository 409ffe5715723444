/* test_rowsrc.c - unit tests of the row readers (formats/rowsrc.h, csvr,
 * jsonlr, linerd): CSV and JSON lines fed from memory at every chunk size,
 * malformed input, limits and error locations. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "formats/input.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"

/* What a test reads: the text, the columns to select (NULL: leave
 * rowsrc_select out), and limits (NULL: defaults). */
struct src {
	const char *name;
	const char *text;
	size_t len;                     /* 0: strlen(text) */
	const char *const *cols;
	size_t ncols;
	const struct rowsrc_limits *lim;
};

/* A reader over text, read max_chunk bytes at a time (0: at once). */
static struct rowsrc *open_text(const char *name, const char *text,
				size_t max_chunk)
{
	struct bs_err err;
	struct input *in = input_open_mem(name, text, strlen(text), max_chunk,
					  &err);
	struct rowsrc *rs = in ? rowsrc_open_input(in, name, NULL, &err) : NULL;

	CHECK(rs != NULL);
	return rs;
}

static void add_err(struct sbuf *sb, const struct bs_err *err)
{
	char buf[2048];

	bs_err_format(err, buf, sizeof(buf));
	sbuf_adds(sb, buf);
}

static void add_value(struct sbuf *sb, const struct bs_value *v)
{
	static const char mark[] = { '~', '=', '#', '?', '@' };

	sbuf_addc(sb, mark[v->kind]);
	if (strlen(v->s) != v->len)
		sbuf_adds(sb, "<len mismatch>");
	sbuf_add(sb, v->s, v->len);
}

/*
 * Reads a whole source, max_chunk bytes per input read, into a transcript:
 * one line per record, "LINE:INDEX:ROW:|v1|v2" (each value marked ~ null,
 * = text, # number, ? bool, @ json) or "LINE:INDEX:BAD:error [raw]", then
 * "DONE" or "ERROR:error"; "OPEN:error" or "SELECT:error" when those fail.
 * The caller frees it.
 */
static char *transcript(const struct src *s, size_t max_chunk)
{
	struct sbuf out = SBUF_INIT;
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct input *in;
	struct bs_err err;
	size_t i, len = s->len ? s->len : strlen(s->text);
	int r;

	sbuf_init(&out, 0);
	bs_err_clear(&err);
	in = input_open_mem(s->name, s->text, len, max_chunk, &err);
	rs = in ? rowsrc_open_input(in, s->name, s->lim, &err) : NULL;
	if (!rs) {
		sbuf_adds(&out, "OPEN:");
		add_err(&out, &err);
		return sbuf_detach(&out, NULL);
	}
	if (s->cols && rowsrc_select(rs, s->cols, s->ncols, &err) < 0) {
		sbuf_adds(&out, "SELECT:");
		add_err(&out, &err);
		rowsrc_free(rs);
		return sbuf_detach(&out, NULL);
	}
	while ((r = rowsrc_next(rs, &row, &err)) > 0) {
		sbuf_addf(&out, "%lu:%llu:", row.line, row.index);
		if (strcmp(row.file, s->name) != 0)
			sbuf_addf(&out, "<file %s>", row.file);
		if (r == ROWSRC_BAD) {
			sbuf_adds(&out, "BAD:");
			add_err(&out, &err);
			if (err.kind != BS_E_ROW)
				sbuf_adds(&out, "<kind>");
			sbuf_adds(&out, " [");
			for (i = 0; i < row.raw_len; i++)   /* a NUL as \0 */
				if (row.raw[i])
					sbuf_addc(&out, row.raw[i]);
				else
					sbuf_adds(&out, "\\0");
			sbuf_adds(&out, "]\n");
			continue;
		}
		sbuf_adds(&out, "ROW:");
		for (i = 0; i < row.n; i++) {
			sbuf_addc(&out, '|');
			add_value(&out, &row.v[i]);
		}
		sbuf_addc(&out, '\n');
	}
	if (r == ROWSRC_DONE) {
		sbuf_adds(&out, "DONE");
	} else {
		sbuf_adds(&out, "ERROR:");
		add_err(&out, &err);
		/* the error stays */
		if (rowsrc_next(rs, &row, &err) != ROWSRC_ERROR)
			sbuf_adds(&out, "<not sticky>");
	}
	rowsrc_free(rs);
	return sbuf_detach(&out, NULL);
}

/* Checks the transcript of s against want, read whole and then at every
 * chunk size from 1 to its length. */
static void check_reads(const struct src *s, const char *want)
{
	size_t len = s->len ? s->len : strlen(s->text), k;
	char *got = transcript(s, 0);
	int differ = 0;

	CHECK_STR(got, want);
	free(got);
	for (k = 1; k <= len && !differ; k++) {
		got = transcript(s, k);
		if (strcmp(got, want) != 0) {
			printf("#   chunk size %zu:\n%s\n", k, got);
			differ = 1;
		}
		free(got);
	}
	CHECK(!differ);
}

#define CSV(name_, text_) { name_, text_, 0, NULL, 0, NULL }

/* ---- CSV ---- */

static void test_csv_quoting(void)
{
	static const struct src s = CSV("t.csv",
		"id,name,memo\n"
		"1,\"Acme, Inc.\",\"said \"\"hi\"\"\"\n"
		"2,\"multi\nline\n\",x\n"
		"3,,\"\"\n"
		"4, spaced ,\" q \"\n");

	check_reads(&s,
		"2:0:ROW:|=1|=Acme, Inc.|=said \"hi\"\n"
		"3:1:ROW:|=2|=multi\nline\n|=x\n"
		"6:2:ROW:|=3|~|~\n"
		"7:3:ROW:|=4|= spaced |= q \n"
		"DONE");
}

static void test_csv_line_ends(void)
{
	static const struct src crlf = CSV("t.csv",
		"a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n");
	static const struct src mixed = CSV("t.csv",
		"a,b\n1,2\r\n3,4\n5,\"6\r\n\"\r\n7,8");
	static const struct src lone_cr = CSV("t.csv", "a,b\n1,x\ry\n");

	check_reads(&crlf,
		"2:0:ROW:|=1|=x\r\ny\n"
		"4:1:ROW:|=2|=z\n"
		"DONE");
	check_reads(&mixed,
		"2:0:ROW:|=1|=2\n"
		"3:1:ROW:|=3|=4\n"
		"4:2:ROW:|=5|=6\r\n\n"
		"6:3:ROW:|=7|=8\n"
		"DONE");
	/* a CR that does not end a line is data */
	check_reads(&lone_cr, "2:0:ROW:|=1|=x\ry\nDONE");
}

static void test_csv_bom_blank_lines(void)
{
	static const struct src s = CSV("t.csv",
		"\xEF\xBB\xBF\n\nid,v\n\n1,a\n\r\n\n2,b\n\n");
	const char *const *names;
	struct rowsrc *rs;

	check_reads(&s, "5:0:ROW:|=1|=a\n8:1:ROW:|=2|=b\nDONE");
	rs = open_text("t.csv", s.text, 0);
	REQUIRE(rs != NULL);
	CHECK_INT(rowsrc_header(rs, &names), 2);
	CHECK_STR(names[0], "id");                 /* no BOM in it */
	CHECK_STR(names[1], "v");
	CHECK_STR(rowsrc_name(rs), "t.csv");
	rowsrc_free(rs);
}

static void test_csv_header_only_and_empty(void)
{
	static const struct src header = CSV("h.csv", "a,b,c\r\n");
	static const struct src header_no_eol = CSV("h.csv", "a,b,c");
	static const struct src empty = CSV("e.csv", "");
	static const struct src blank = CSV("e.csv", "\n\r\n\n");
	static const struct src bom = CSV("e.csv", "\xEF\xBB\xBF");

	check_reads(&header, "DONE");
	check_reads(&header_no_eol, "DONE");
	check_reads(&empty, "OPEN:e.csv: empty file: expected a header row");
	check_reads(&blank, "OPEN:e.csv: empty file: expected a header row");
	check_reads(&bom, "OPEN:e.csv: empty file: expected a header row");
}

/* A bit of everything, for the every-chunk-size check. */
static void test_csv_tricky_every_chunk(void)
{
	static const struct src s = CSV("t.csv",
		"\xEF\xBB\xBFid,\"na,me\",note\r\n"
		"\r\n"
		"1,\"a\"\"b\",\"line1\r\nline2\"\r\n"
		"2,caf\xC3\xA9,\"\"\n"
		"\n"
		"3,x\n"
		"4,\"\"\"\",\",\"\n"
		"5,\"\n\n\",end");

	check_reads(&s,
		"3:0:ROW:|=1|=a\"b|=line1\r\nline2\n"
		"5:1:ROW:|=2|=caf\xC3\xA9|~\n"
		"7:2:BAD:t.csv:7: expected 3 fields, found 2 [3,x]\n"
		"8:3:ROW:|=4|=\"|=,\n"
		"9:4:ROW:|=5|=\n\n|=end\n"
		"DONE");
}

static void test_csv_field_count(void)
{
	static const struct src s = CSV("t.csv",
		"a,b,c\n1,2\n3,4,5\n6,7,8,9\n,,\n");

	check_reads(&s,
		"2:0:BAD:t.csv:2: expected 3 fields, found 2 [1,2]\n"
		"3:1:ROW:|=3|=4|=5\n"
		"4:2:BAD:t.csv:4: expected 3 fields, found 4 [6,7,8,9]\n"
		"5:3:ROW:|~|~|~\n"
		"DONE");
}

static void test_csv_limits(void)
{
	static const struct rowsrc_limits lim = { 5, 16, 3, NULL };
	static const struct src field = {
		"t.csv", "a,b\n1,123456\n2,12345\n", 0, NULL, 0, &lim
	};
	static const struct src record = {
		"t.csv",
		"a,b\n"
		"1,\"1234\n5678\n9abc\n\"\n"    /* 21 bytes over 4 lines */
		"2,\"a\r\nb\"\r\n"
		"3,12345,1234567890\n"
		"4,\"x\"\r\n",
		0, NULL, 0, &lim
	};
	static const struct src exact = {
		"t.csv", "a,b\n1234567,12345678\r\n", 0, NULL, 0, &lim
	};
	static const struct src columns = {
		"t.csv", "a,b,c,d\n1,2,3,4\n", 0, NULL, 0, &lim
	};
	static const struct src header = {
		"t.csv", "abcdefgh,ijklmnopq\n1,2\n", 0, NULL, 0, &lim
	};

	check_reads(&field,
		"2:0:BAD:t.csv:2: field 'b': value is longer than 5 bytes [1,123456]\n"
		"3:1:ROW:|=2|=12345\n"
		"DONE");
	check_reads(&record,
		"2:0:BAD:t.csv:2: record is longer than 16 bytes [1,\"1234\n5678\n9ab]\n"
		"6:1:ROW:|=2|=a\r\nb\n"
		"8:2:BAD:t.csv:8: record is longer than 16 bytes [3,12345,12345678]\n"
		"9:3:ROW:|=4|=x\n"
		"DONE");
	/* 16 bytes plus CRLF fits; the field limit still applies */
	check_reads(&exact,
		"2:0:BAD:t.csv:2: field 'a': value is longer than 5 bytes [1234567,12345678]\n"
		"DONE");
	check_reads(&columns, "OPEN:t.csv:1: more than 3 columns");
	check_reads(&header, "OPEN:t.csv:1: header is longer than 16 bytes");
}

static void test_csv_bad_utf8(void)
{
	static const struct src s = CSV("t.csv",
		"id,name\n1,ok\xC3\xA9\n2,ab\xC3(\n3,\"x\xED\xA0\x80\"\n4,\xF0\x9F\x98\x80\n");
	static const struct src header = CSV("t.csv", "id,n\xFF\n1,2\n");

	check_reads(&s,
		"2:0:ROW:|=1|=ok\xC3\xA9\n"
		"3:1:BAD:t.csv:3: field 'name': invalid UTF-8 at byte 3 [2,ab\xC3(]\n"
		"4:2:BAD:t.csv:4: field 'name': invalid UTF-8 at byte 2 [3,\"x\xED\xA0\x80\"]\n"
		"5:3:ROW:|=4|=\xF0\x9F\x98\x80\n"
		"DONE");
	check_reads(&header,
		"OPEN:t.csv:1: column 2 of the header: invalid UTF-8 at byte 2");
}

/* A NUL byte in a field rejects the row, as in JSON lines (issue 13). */
static void test_csv_nul(void)
{
#define ROWS "id,name\n1,a\0b\n2,\"x\0\"\n3,ok\n"
#define HEADER "id,n\0\n1,2\n"
	static const struct src s = {
		"t.csv", ROWS, sizeof(ROWS) - 1, NULL, 0, NULL
	};
	static const struct src header = {
		"t.csv", HEADER, sizeof(HEADER) - 1, NULL, 0, NULL
	};
#undef ROWS
#undef HEADER

	check_reads(&s,
		"2:0:BAD:t.csv:2: field 'name': NUL byte at byte 2: "
		"NUL is not allowed in a value [1,a\\0b]\n"
		"3:1:BAD:t.csv:3: field 'name': NUL byte at byte 2: "
		"NUL is not allowed in a value [2,\"x\\0\"]\n"
		"4:2:ROW:|=3|=ok\n"
		"DONE");
	check_reads(&header,
		"OPEN:t.csv:1: column 2 of the header: NUL byte at byte 2: "
		"NUL is not allowed in a value");
}

/* CR-only line ends and a second byte order mark are named (issue 13). */
static void test_csv_cr_only_and_second_bom(void)
{
	static const struct src cr = CSV("t.csv",
		"id,amount\r1,10.00\r2,10.00\r");
	static const struct src bom2 = CSV("t.csv",
		"\xEF\xBB\xBF\xEF\xBB\xBFid,v\n1,2\n");
	static const struct src bom_mid = CSV("t.csv",
		"id,\xEF\xBB\xBFv\n1,2\n");

	check_reads(&cr,
		"OPEN:t.csv:1: carriage return inside the header (byte 10): "
		"lines must end with LF or CRLF, not CR alone");
	check_reads(&bom2,
		"OPEN:t.csv:1: column 1 of the header begins with a byte order mark "
		"(the file has two at its start)");
	check_reads(&bom_mid,
		"OPEN:t.csv:1: column 2 of the header begins with a byte order mark");
}

static void test_csv_unterminated_quote(void)
{
	static const struct src s = CSV("t.csv",
		"a,b\n1,x\n2,\"open\nstill open\n\nend\n");
	static const struct src header = CSV("t.csv", "a,\"b\n1,2\n");

	check_reads(&s,
		"2:0:ROW:|=1|=x\n"
		"ERROR:t.csv:3: quoted field not closed before the end of the file");
	check_reads(&header,
		"OPEN:t.csv:1: quoted field not closed before the end of the file");
}

static void test_csv_stray_quotes(void)
{
	static const struct src s = CSV("t.csv",
		"a,b\n"
		"1,5\" screen\n"
		"2,\"x\"y\n"
		"3,\"ok\"\n"
		"4,\"x\" \n"
		"5,z\n");

	/* a stray quote costs its own record only */
	check_reads(&s,
		"2:0:BAD:t.csv:2: '\"' inside an unquoted field (byte 4 of the "
		"record) [1,5\" screen]\n"
		"3:1:BAD:t.csv:3: unexpected character after a closing quote "
		"(byte 6 of the record) [2,\"x\"y]\n"
		"4:2:ROW:|=3|=ok\n"
		"5:3:BAD:t.csv:5: unexpected character after a closing quote "
		"(byte 6 of the record) [4,\"x\" ]\n"
		"6:4:ROW:|=5|=z\n"
		"DONE");
}

static void test_csv_header_errors(void)
{
	static const struct src dup = CSV("t.csv", "id,name,id\n1,2,3\n");
	static const struct src noname = CSV("t.csv", "id,,x\n");
	static const struct src quoted = CSV("t.csv", "\"id\",\"a,b\"\n1,2\n");

	check_reads(&dup,
		"OPEN:t.csv:1: duplicate column 'id' in the header (columns 1 and 3)");
	check_reads(&noname, "OPEN:t.csv:1: column 2 of the header has no name");
	check_reads(&quoted, "2:0:ROW:|=1|=2\nDONE");
}

static void test_csv_select(void)
{
	static const char *const cols[] = { "memo", "id", "memo" };
	static const char *const typo[] = { "id", "custmer_id" };
	static const char *const far[] = { "zzzzzz" };
	static const struct src s = {
		"t.csv", "id,customer_id,memo\n1,c1,m1\n2,c2,\n", 0, cols, 3, NULL
	};
	static const struct src t = {
		"t.csv", "\nid,customer_id\n", 0, typo, 2, NULL
	};
	static const struct src u = {
		"t.csv", "id,customer_id\n", 0, far, 1, NULL
	};
	static const struct src none = {
		"t.csv", "a,b\n1,2\n", 0, cols, 0, NULL
	};

	check_reads(&s, "2:0:ROW:|=m1|=1|=m1\n3:1:ROW:|~|=2|~\nDONE");
	check_reads(&t,
		"SELECT:t.csv:2: no column 'custmer_id' in the header; "
		"did you mean 'customer_id'?");
	check_reads(&u, "SELECT:t.csv:1: no column 'zzzzzz' in the header");
	check_reads(&none, "2:0:ROW:\nDONE");
}

static void test_csv_select_errors(void)
{
	static const char *const typo[] = { "custmer_id" };
	struct rowsrc *rs = open_text("t.csv", "id,customer_id\n", 0);
	struct bs_err err;

	REQUIRE(rs != NULL);
	CHECK_INT(rowsrc_select(rs, typo, 1, &err), -1);
	CHECK_INT(err.kind, BS_E_CONFIG);
	CHECK_STR(err.file, "t.csv");
	CHECK_INT(err.line, 1);
	CHECK_CONTAINS(err.msg, "'custmer_id'");
	rowsrc_free(rs);
}

/* The records without a quote skip libcsv; quoting every field must not
 * change a thing. */
static void test_csv_plain_matches_quoted(void)
{
	static const char *const fields[] = {
		"", " ", "a", " a b ", "\t", "caf\xC3\xA9", "x\ry", "1.50", "-"
	};
	struct sbuf plain = SBUF_INIT, quoted = SBUF_INIT;
	struct src a = CSV("p.csv", NULL), b = CSV("q.csv", NULL);
	unsigned seed = 7;
	char *ta, *tb, *p;
	size_t r, f, k;

	sbuf_init(&plain, 0);
	sbuf_init(&quoted, 0);
	sbuf_adds(&plain, "c1,c2,c3\n");
	sbuf_adds(&quoted, "\"c1\",\"c2\",\"c3\"\n");
	for (r = 0; r < 200; r++) {
		for (f = 0; f < 3; f++) {
			seed = seed * 1103515245u + 12345u;
			k = (seed >> 16) % (sizeof(fields) / sizeof(fields[0]));
			sbuf_addf(&plain, "%s%s", f ? "," : "", fields[k]);
			sbuf_addf(&quoted, "%s\"%s\"", f ? "," : "", fields[k]);
		}
		sbuf_adds(&plain, r % 2 ? "\r\n" : "\n");
		sbuf_adds(&quoted, r % 3 ? "\n" : "\r\n");
	}
	a.text = plain.buf;
	b.text = quoted.buf;
	ta = transcript(&a, 0);
	tb = transcript(&b, 0);
	for (p = tb; (p = strstr(p, "q.csv")) != NULL; p++)
		*p = 'p';
	CHECK_STR(ta, tb);
	CHECK(strstr(ta, "BAD") == NULL);
	CHECK_INT(strlen(ta) > 1000, 1);
	free(ta);
	free(tb);
	sbuf_release(&plain);
	sbuf_release(&quoted);
}

static void test_csv_raw_and_index(void)
{
	static const struct src s = CSV("t.csv", "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z");
	struct rowsrc *rs = open_text(s.name, s.text, 3);
	struct rowsrc_row row;
	struct bs_err err;

	REQUIRE(rs != NULL);
	CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
	CHECK_INT(row.raw_len, 8);
	CHECK_STR(row.raw, "1,\"x\r\ny\"");
	CHECK_INT(row.index, 0);
	CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
	CHECK_STR(row.raw, "2,z");
	CHECK_INT(row.line, 5);
	CHECK_INT(row.index, 1);
	CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_DONE);
	CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_DONE);
	rowsrc_free(rs);
}

/* Values longer than the read buffer and libcsv's growth step, read in
 * chunks around the buffer size. */
static void test_csv_long_values(void)
{
	static const size_t chunks[] = { 0, 1000, 65535, 65537 };
	struct sbuf text = SBUF_INIT, quoted = SBUF_INIT;
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct bs_err err;
	size_t i, k;

	sbuf_init(&text, 0);
	sbuf_init(&quoted, 0);
	for (i = 0; i < 100000; i++)
		sbuf_addc(&quoted, i % 1000 == 999 ? '\n' : i % 100 == 0 ? '"' : 'q');
	sbuf_adds(&text, "a,b\n1,\"");
	for (i = 0; i < quoted.len; i++) {
		if (quoted.buf[i] == '"')
			sbuf_addc(&text, '"');      /* doubled */
		sbuf_addc(&text, quoted.buf[i]);
	}
	sbuf_adds(&text, "\"\n2,");
	for (i = 0; i < 70000; i++)
		sbuf_addc(&text, 'x');
	sbuf_adds(&text, "\n3,end\n");
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		rs = open_text("t.csv", text.buf, chunks[k]);
		if (!rs)
			break;
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(row.line, 2);
		CHECK_INT(row.v[1].len, quoted.len);
		CHECK(row.v[1].len == quoted.len &&
		      memcmp(row.v[1].s, quoted.buf, quoted.len) == 0);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(row.line, 103);           /* after 100 line breaks */
		CHECK_INT(row.v[1].len, 70000);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(row.line, 104);
		CHECK_STR(row.v[1].s, "end");
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_DONE);
		rowsrc_free(rs);
	}
	sbuf_release(&text);
	sbuf_release(&quoted);
}

static void test_unknown_format(void)
{
	static const struct src s = CSV("t.txt", "a\n");

	check_reads(&s,
		"OPEN:t.txt: unknown format: expected a name ending in .csv, "
		".jsonl, .ndjson or .json (optionally .gz)");
	rowsrc_free(NULL);
}

/* ---- JSON lines ---- */

static const char *const jcols[] = {
	"id", "a", "b", "addr.country", "addr", "flag", "missing", "id.deeper"
};

#define JL(text_) { "t.jsonl", text_, 0, jcols, 8, NULL }

static void test_jsonl_values(void)
{
	static const struct src s = JL(
		"{\"id\":\"c1\",\"a\":1.5e-7,\"b\":[1,2.50],"
		"\"addr\":{\"country\":\"FR\",\"zip\":\"75001\"},\"flag\":true}\n"
		"{\"id\":7,\"a\":null,\"b\":{\"a\":1.5e-7,\"b\":[1,2.50]},"
		"\"addr\":\"x\",\"flag\":false}\n"
		"{ \"id\" : \"\" , \"b\" : [ ] , \"addr\" : { } }\n");

	check_reads(&s,
		"1:0:ROW:|=c1|#1.5e-7|@[1,2.50]|=FR"
		"|@{\"country\":\"FR\",\"zip\":\"75001\"}|?true|~|~\n"
		"2:1:ROW:|#7|~|@{\"a\":1.5e-7,\"b\":[1,2.50]}|~|=x|?false|~|~\n"
		"3:2:ROW:|=|~|@[]|~|@{}|~|~|~\n"
		"DONE");
}

static void test_jsonl_exact_numbers(void)
{
	static const char *const cols[] = { "n" };
	static const struct src s = {
		"t.ndjson",
		"{\"n\":0.1}\n{\"n\":123456789012345678901234567890}\n"
		"{\"n\":-0}\n{\"n\":1E400}\n{\"n\":-1.25E-10}\n{\"n\":\"12\"}\n"
		"{\"n\":[1E400,-0,0.10]}\n",
		0, cols, 1, NULL
	};

	check_reads(&s,
		"1:0:ROW:|#0.1\n2:1:ROW:|#123456789012345678901234567890\n"
		"3:2:ROW:|#-0\n4:3:ROW:|#1E400\n5:4:ROW:|#-1.25E-10\n"
		"6:5:ROW:|=12\n7:6:ROW:|@[1E400,-0,0.10]\n"
		"DONE");
}

static void test_jsonl_strings(void)
{
	static const char *const cols[] = { "s", "o" };
	static const struct src s = {
		"t.json",
		"{\"s\":\"caf\\u00e9 \\\"q\\\" \\\\u0000 "
		"a/b\",\"o\":{\"k\":\"\xC3\xA9\\n\\u0001\",\"t\":\"\\\\u0000\"}}\n"
		"{\"s\":\"tab\\there\",\"o\":[\"\\\"\\u0000x\"]}\n"
		"{\"s\":\"x\\u0000\"}\n"
		"{\"\\u0000\":1}\n"
		"{\"s\":\"bad \xC3(\"}\n",
		0, cols, 2, NULL
	};

	check_reads(&s,
		"1:0:ROW:|=caf\xC3\xA9 \"q\" \\u0000 "
		"a/b|@{\"k\":\"\xC3\xA9\\n\\u0001\",\"t\":\"\\\\u0000\"}\n"
		"2:1:BAD:t.json:2: string holds \\u0000 at column 26: NUL is "
		"not allowed [{\"s\":\"tab\\there\",\"o\":[\"\\\"\\u0000x\"]}]\n"
		"3:2:BAD:t.json:3: string holds \\u0000 at column 8: NUL is "
		"not allowed [{\"s\":\"x\\u0000\"}]\n"
		"4:3:BAD:t.json:4: string holds \\u0000 at column 3: NUL is "
		"not allowed [{\"\\u0000\":1}]\n"
		"5:4:BAD:t.json:5: malformed JSON at column 10: unable to "
		"decode byte 0xc3 near '\"bad ' [{\"s\":\"bad \xC3(\"}]\n"
		"DONE");
}

static void test_jsonl_malformed(void)
{
	static const char *const cols[] = { "a" };
	static const struct src s = {
		"t.jsonl",
		"{\"a\":1}\n"
		"{\"a\":1,}\n"
		"{\"a\" 1}\n"
		"[1,2]\n"
		"\"text\"\n"
		"42\n"
		"{\"a\":01}\n"
		"{\"a\":1.}\n"
		"{\"a\":-}\n"
		"{\"a\":1e+}\n"
		"{\"a\":1,\"a\":2}\n"
		"{\"a\":tru}\n"
		"{\"a\":2} x\n"
		"{\"a\":3}\n",
		0, cols, 1, NULL
	};

	check_reads(&s,
		"1:0:ROW:|#1\n"
		"2:1:BAD:t.jsonl:2: malformed JSON at column 8: string or '}' "
		"expected near '}' [{\"a\":1,}]\n"
		"3:2:BAD:t.jsonl:3: malformed JSON at column 6: ':' expected near '1' [{\"a\" 1}]\n"
		"4:3:BAD:t.jsonl:4: expected a JSON object, found an array [[1,2]]\n"
		"5:4:BAD:t.jsonl:5: expected a JSON object, found a string [\"text\"]\n"
		"6:5:BAD:t.jsonl:6: expected a JSON object, found a number [42]\n"
		"7:6:BAD:t.jsonl:7: malformed number '01' at column 6 [{\"a\":01}]\n"
		"8:7:BAD:t.jsonl:8: malformed number '1.' at column 6 [{\"a\":1.}]\n"
		"9:8:BAD:t.jsonl:9: malformed number '-' at column 6 [{\"a\":-}]\n"
		"10:9:BAD:t.jsonl:10: malformed number '1e+' at column 6 [{\"a\":1e+}]\n"
		"11:10:BAD:t.jsonl:11: malformed JSON at column 10: duplicate "
		"object key near '\"a\"' [{\"a\":1,\"a\":2}]\n"
		"12:11:BAD:t.jsonl:12: malformed JSON at column 8: invalid "
		"token near 'tru' [{\"a\":tru}]\n"
		"13:12:BAD:t.jsonl:13: malformed JSON at column 9: end of file "
		"expected near 'x' [{\"a\":2} x]\n"
		"14:13:ROW:|#3\n"
		"DONE");
}

static void test_jsonl_blank_lines_crlf(void)
{
	static const char *const cols[] = { "a" };
	static const struct src s = {
		"t.jsonl.gz",
		"\xEF\xBB\xBF\r\n{\"a\":\"x\"}\r\n  \t\n\n{\"a\":2}",
		0, cols, 1, NULL
	};
	static const struct src empty = { "t.jsonl", "", 0, cols, 1, NULL };

	check_reads(&s, "2:0:ROW:|=x\n5:1:ROW:|#2\nDONE");
	check_reads(&empty, "DONE");
}

static void test_jsonl_limits(void)
{
	static const char *const cols[] = { "a", "b" };
	static const struct rowsrc_limits lim = { 8, 20, 0, NULL };
	static const struct src s = {
		"t.jsonl",
		"{\"a\":\"12345678\"}\n"
		"{\"a\":\"123456789\"}\n"
		"{\"b\":[1,2,3,4,5]}\n"
		"{\"b\":[1,2,3]}\n"
		"{\"a\":1,\"b\":\"0123456789\"}\n"
		"{\"a\":2}\r\n",
		0, cols, 2, &lim
	};

	check_reads(&s,
		"1:0:ROW:|=12345678|~\n"
		"2:1:BAD:t.jsonl:2: field 'a': value is longer than 8 bytes "
		"[{\"a\":\"123456789\"}]\n"
		"3:2:BAD:t.jsonl:3: field 'b': value is longer than 8 bytes [{\"b\":[1,2,3,4,5]}]\n"
		"4:3:ROW:|~|@[1,2,3]\n"
		"5:4:BAD:t.jsonl:5: line is longer than 20 bytes [{\"a\":1,\"b\":\"01234567]\n"
		"6:5:ROW:|#2|~\n"
		"DONE");
}

static void test_jsonl_default_and_bad_paths(void)
{
	static const char *const bad[] = { "a..b" };
	static const char *const dot[] = { ".a" };
	static const struct src s = { "t.jsonl", "{\"a\":1}\n", 0, NULL, 0, NULL };
	static const struct src b = { "t.jsonl", "{}\n", 0, bad, 1, NULL };
	static const struct src d = { "t.jsonl", "{}\n", 0, dot, 1, NULL };
	const char *const *names = jcols;
	struct rowsrc *rs;

	check_reads(&s, "1:0:ROW:\nDONE");
	check_reads(&b, "SELECT:bad JSON path 'a..b': expected names joined by '.'");
	check_reads(&d, "SELECT:bad JSON path '.a': expected names joined by '.'");
	rs = open_text("t.jsonl", "", 0);
	REQUIRE(rs != NULL);
	CHECK_INT(rowsrc_header(rs, &names), 0);
	CHECK(names == NULL);
	rowsrc_free(rs);
}

int main(void)
{
	RUN(test_csv_quoting);
	RUN(test_csv_line_ends);
	RUN(test_csv_bom_blank_lines);
	RUN(test_csv_header_only_and_empty);
	RUN(test_csv_tricky_every_chunk);
	RUN(test_csv_field_count);
	RUN(test_csv_limits);
	RUN(test_csv_bad_utf8);
	RUN(test_csv_nul);
	RUN(test_csv_cr_only_and_second_bom);
	RUN(test_csv_unterminated_quote);
	RUN(test_csv_stray_quotes);
	RUN(test_csv_header_errors);
	RUN(test_csv_select);
	RUN(test_csv_select_errors);
	RUN(test_csv_plain_matches_quoted);
	RUN(test_csv_raw_and_index);
	RUN(test_csv_long_values);
	RUN(test_unknown_format);
	RUN(test_jsonl_values);
	RUN(test_jsonl_exact_numbers);
	RUN(test_jsonl_strings);
	RUN(test_jsonl_malformed);
	RUN(test_jsonl_blank_lines_crlf);
	RUN(test_jsonl_limits);
	RUN(test_jsonl_default_and_bad_paths);
	return tap_done();
}
