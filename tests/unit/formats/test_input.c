/* test_input.c - unit tests of formats/input.h: plain, gzipped (also two
 * concatenated members), .tar, .tar.gz, .tgz and .zip entries, corrupt
 * data and file-system errors; plus rowsrc over those entries.  Archives
 * are made at test time with gzip, tar and zip in a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "formats/input.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"

static char dir[] = "/tmp/bs-input.XXXXXX";

static const char customers[] =
	"id,name\n1,\"Acme, Inc.\"\n2,caf\xC3\xA9\n";
static const char events[] =
	"{\"id\":1,\"a\":{\"b\":2.50}}\n{\"id\":2}\n";

/* dir/name, in a static buffer. */
static const char *at(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(at(name), "wb");

	if (!f || fwrite(data, 1, len, f) != len)
		printf("# cannot write %s\n", at(name));
	if (f)
		fclose(f);
}

/* Runs a shell command in dir; 0 when it worked. */
static int sh(const char *cmd)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "cd '%s' && %s", dir, cmd);
	return system(buf);
}

/* Reads a whole entry into sb (chunks of n bytes); -1 and err on error. */
static int slurp(const char *path, const char *member, size_t n,
		 struct sbuf *sb, struct bs_err *err)
{
	struct input *in = input_open(path, member, err);
	char buf[4096];
	ssize_t r;

	sbuf_reset(sb);
	if (!in)
		return -1;
	while ((r = input_read(in, buf, n < sizeof(buf) ? n : sizeof(buf),
			       err)) > 0)
		sbuf_add(sb, buf, (size_t)r);
	if (r == 0 && input_offset(in) != sb->len)
		r = -2;
	input_free(in);
	return r < 0 ? -1 : 0;
}

static char *formatted(const struct bs_err *err)
{
	static char buf[2048];

	bs_err_format(err, buf, sizeof(buf));
	return buf;
}

static void test_kind_of(void)
{
	CHECK_INT(input_kind_of("a.csv"), INPUT_PLAIN);
	CHECK_INT(input_kind_of("a.jsonl"), INPUT_PLAIN);
	CHECK_INT(input_kind_of("a.csv.gz"), INPUT_GZIP);
	CHECK_INT(input_kind_of("a.CSV.GZ"), INPUT_GZIP);
	CHECK_INT(input_kind_of("a.tar"), INPUT_ARCHIVE);
	CHECK_INT(input_kind_of("a.tar.gz"), INPUT_ARCHIVE);
	CHECK_INT(input_kind_of("a.tgz"), INPUT_ARCHIVE);
	CHECK_INT(input_kind_of("a.ZIP"), INPUT_ARCHIVE);
	CHECK_INT(input_kind_of("gz"), INPUT_PLAIN);
}

static void test_mem(void)
{
	struct bs_err err;
	struct input *in = input_open_mem("m.csv", "abcdefg", 7, 3, &err);
	char buf[16];

	REQUIRE(in != NULL);
	CHECK_STR(input_name(in), "m.csv");
	CHECK_INT(input_read(in, buf, sizeof(buf), &err), 3);
	CHECK_INT(input_read(in, buf, 2, &err), 2);
	CHECK_INT(input_offset(in), 5);
	CHECK_INT(input_read(in, buf, sizeof(buf), &err), 2);
	CHECK(memcmp(buf, "fg", 2) == 0);
	CHECK_INT(input_read(in, buf, sizeof(buf), &err), 0);
	input_free(in);
	input_free(NULL);
}

static void test_plain_and_gzip(void)
{
	struct sbuf sb = SBUF_INIT;
	struct bs_err err;

	sbuf_init(&sb, 0);
	write_file("c.csv", customers, strlen(customers));
	write_file("empty.csv", "", 0);
	CHECK_INT(sh("gzip -c c.csv > c.csv.gz && gzip -c empty.csv > empty.csv.gz"
		     " && cat c.csv.gz c.csv.gz > twice.csv.gz"), 0);
	CHECK_INT(slurp(at("c.csv"), NULL, 5, &sb, &err), 0);
	CHECK_STR(sb.buf, customers);
	CHECK_INT(slurp(at("c.csv.gz"), NULL, 4096, &sb, &err), 0);
	CHECK_STR(sb.buf, customers);
	CHECK_INT(slurp(at("twice.csv.gz"), NULL, 7, &sb, &err), 0);
	CHECK_INT(sb.len, 2 * strlen(customers));
	CHECK(strncmp(sb.buf + strlen(customers), customers,
		      strlen(customers)) == 0);
	CHECK_INT(slurp(at("empty.csv"), NULL, 100, &sb, &err), 0);
	CHECK_INT(sb.len, 0);
	CHECK_INT(slurp(at("empty.csv.gz"), NULL, 100, &sb, &err), 0);
	CHECK_INT(sb.len, 0);
	sbuf_release(&sb);
}

/* More than the buffers hold, gzipped: every byte comes back. */
static void test_gzip_large(void)
{
	struct sbuf sb = SBUF_INIT, want = SBUF_INIT;
	struct bs_err err;
	size_t i;

	sbuf_init(&sb, 0);
	sbuf_init(&want, 0);
	sbuf_adds(&want, "id,v\n");
	for (i = 0; i < 60000; i++)
		sbuf_addf(&want, "%zu,value number %zu\n", i, i * 7919 % 1000);
	write_file("big.csv", want.buf, want.len);
	CHECK_INT(sh("gzip -c big.csv > big.csv.gz"), 0);
	CHECK_INT(slurp(at("big.csv.gz"), NULL, 4096, &sb, &err), 0);
	CHECK_INT(sb.len, want.len);
	CHECK(sb.len == want.len && memcmp(sb.buf, want.buf, sb.len) == 0);
	sbuf_release(&sb);
	sbuf_release(&want);
}

struct members {
	struct sbuf names;
	int stop_at;        /* return 7 at this member (1-based), 0: never */
	int seen;
};

static int add_member(void *ctx, const char *member)
{
	struct members *m = ctx;

	sbuf_addf(&m->names, "%s;", member);
	return ++m->seen == m->stop_at ? 7 : 0;
}

static void check_archive(const char *name)
{
	struct members m = { SBUF_INIT, 0, 0 };
	struct sbuf sb = SBUF_INIT;
	struct bs_err err;
	char want[256];

	sbuf_init(&m.names, 0);
	sbuf_init(&sb, 0);
	CHECK_INT(input_list_members(at(name), add_member, &m, &err), 0);
	CHECK_STR(m.names.buf, "d/c.csv;e.jsonl;");
	sbuf_reset(&m.names);
	m.seen = 0;
	m.stop_at = 1;
	CHECK_INT(input_list_members(at(name), add_member, &m, &err), 7);
	CHECK_STR(m.names.buf, "d/c.csv;");
	CHECK_INT(slurp(at(name), "e.jsonl", 3, &sb, &err), 0);
	CHECK_STR(sb.buf, events);
	CHECK_INT(slurp(at(name), "d/c.csv", 4096, &sb, &err), 0);
	CHECK_STR(sb.buf, customers);
	CHECK_INT(slurp(at(name), "nope.csv", 4096, &sb, &err), -1);
	CHECK_INT(err.kind, BS_E_INPUT);
	snprintf(want, sizeof(want),
		 "%s: no member 'nope.csv' in the archive", at(name));
	CHECK_STR(formatted(&err), want);
	CHECK_INT(slurp(at(name), NULL, 4096, &sb, &err), -1);
	CHECK_CONTAINS(err.msg, "name one of its members");
	sbuf_release(&m.names);
	sbuf_release(&sb);
}

static void test_archives(void)
{
	CHECK(mkdir(at("d"), 0700) == 0 || access(at("d"), F_OK) == 0);
	write_file("d/c.csv", customers, strlen(customers));
	write_file("e.jsonl", events, strlen(events));
	CHECK_INT(sh("tar -cf a.tar d e.jsonl && tar -czf a.tar.gz d e.jsonl"
		     " && cp a.tar.gz a.tgz && zip -qr a.zip d e.jsonl"), 0);
	check_archive("a.tar");
	check_archive("a.tar.gz");
	check_archive("a.tgz");
	check_archive("a.zip");
}

/* Rows out of archive members and gzip, named "archive!member". */
static void test_rows_from_entries(void)
{
	static const char *const cols[] = { "name" };
	static const char *const paths[] = { "a.b" };
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct bs_err err;
	char want[512];

	rs = rowsrc_open(at("a.zip"), "d/c.csv", NULL, &err);
	CHECK(rs != NULL);
	if (rs) {
		snprintf(want, sizeof(want), "%s!d/c.csv", at("a.zip"));
		CHECK_STR(rowsrc_name(rs), want);
		CHECK_INT(rowsrc_select(rs, cols, 1, &err), 0);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_STR(row.file, want);
		CHECK_INT(row.line, 2);
		CHECK_STR(row.v[0].s, "Acme, Inc.");
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_STR(row.v[0].s, "caf\xC3\xA9");
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_DONE);
		rowsrc_free(rs);
	}
	rs = rowsrc_open(at("a.tar.gz"), "e.jsonl", NULL, &err);
	CHECK(rs != NULL);
	if (rs) {
		CHECK_INT(rowsrc_select(rs, paths, 1, &err), 0);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_STR(row.v[0].s, "2.50");
		CHECK_INT(row.v[0].kind, BS_V_NUMBER);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(row.v[0].kind, BS_V_NULL);
		CHECK_INT(row.line, 2);
		rowsrc_free(rs);
	}
	rs = rowsrc_open(at("twice.csv.gz"), NULL, NULL, &err);
	CHECK(rs != NULL);
	if (rs) {
		/* the second member's header is a row of the first stream */
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ROW);
		CHECK_STR(row.v[0].s, "id");
		CHECK_INT(row.line, 4);
		rowsrc_free(rs);
	}
	rs = rowsrc_open(at("empty.csv.gz"), NULL, NULL, &err);
	CHECK(rs == NULL);
	snprintf(want, sizeof(want), "%s: empty file: expected a header row",
		 at("empty.csv.gz"));
	CHECK_STR(formatted(&err), want);
}

/* The bytes of dir/name into sb. */
static void read_file(const char *name, struct sbuf *sb)
{
	FILE *f = fopen(at(name), "rb");
	char buf[4096];
	size_t n;

	sbuf_reset(sb);
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(sb, buf, n);
	if (f)
		fclose(f);
}

/* crc.zip: big.csv with the CRC-32 in both its headers off by one bit. */
static void make_bad_crc_zip(void)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;

	sbuf_init(&sb, 0);
	CHECK_INT(sh("rm -f crc.zip && zip -q crc.zip big.csv"), 0);
	read_file("crc.zip", &sb);
	CHECK(sb.len > 64 && memcmp(sb.buf, "PK\3\4", 4) == 0);
	if (sb.len > 64)
		sb.buf[14] ^= 1;                    /* local header */
	for (i = 0; i + 20 < sb.len; i++)
		if (memcmp(sb.buf + i, "PK\1\2", 4) == 0)
			sb.buf[i + 16] ^= 1;        /* central directory */
	write_file("crc.zip", sb.buf, sb.len);
	sbuf_release(&sb);
}

/* Reads an entry that must fail; checks the message starts with msg. */
static void check_bad(const char *name, const char *member, const char *msg)
{
	struct sbuf sb = SBUF_INIT;
	struct bs_err err;
	char want[512];

	sbuf_init(&sb, 0);
	bs_err_clear(&err);
	CHECK_INT(slurp(at(name), member, 4096, &sb, &err), -1);
	CHECK_INT(err.kind, BS_E_INPUT);
	snprintf(want, sizeof(want), "%s%s%s: %s", at(name), member ? "!" : "",
		 member ? member : "", msg);
	CHECK_CONTAINS(formatted(&err), want);
	sbuf_release(&sb);
}

static void test_corrupt(void)
{
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct bs_err err;
	int r;

	write_file("fake.csv.gz", customers, strlen(customers));
	write_file("bad.zip", "PK\3\4garbage", 11);
	CHECK_INT(sh("head -c 12 big.csv.gz > head.csv.gz"
		     " && head -c 30000 big.csv.gz > cut.csv.gz"
		     " && cp big.csv.gz flip.csv.gz"
		     " && printf 'XXXXXXXX' | dd of=flip.csv.gz bs=1"
		     " seek=20000 conv=notrunc 2>/dev/null"
		     " && cp big.csv.gz crc.csv.gz"
		     " && size=$(wc -c < crc.csv.gz)"
		     " && printf 'X' | dd of=crc.csv.gz bs=1"
		     " seek=$((size - 8)) conv=notrunc 2>/dev/null"
		     " && (cat big.csv.gz; echo junk) > tail.csv.gz"
		     " && tar -cf - d big.csv | gzip -c > crc.tar.gz"
		     " && size=$(wc -c < crc.tar.gz)"
		     " && printf 'X' | dd of=crc.tar.gz bs=1"
		     " seek=$((size - 8)) conv=notrunc 2>/dev/null"),
		 0);
	make_bad_crc_zip();
	check_bad("fake.csv.gz", NULL, "not in gzip format");
	check_bad("head.csv.gz", NULL,
		  "truncated gzip data (unexpected end of file)");
	check_bad("cut.csv.gz", NULL,
		  "truncated gzip data (unexpected end of file)");
	check_bad("flip.csv.gz", NULL, "corrupt gzip data: ");
	/* caught only by the CRC-32 check that libarchive's filter leaves out */
	check_bad("crc.csv.gz", NULL, "corrupt gzip data: incorrect data check");
	check_bad("crc.tar.gz", "big.csv",
		  "corrupt gzip data: incorrect data check");
	/* the first member too: its end is not the end of the gzip stream */
	check_bad("crc.tar.gz", "d/c.csv",
		  "corrupt gzip data: incorrect data check");
	check_bad("tail.csv.gz", NULL, "data after the end of the gzip stream");
	/* through rowsrc: rows, then an error that stays */
	rs = rowsrc_open(at("cut.csv.gz"), NULL, NULL, &err);
	CHECK(rs != NULL);
	if (rs) {
		while ((r = rowsrc_next(rs, &row, &err)) == ROWSRC_ROW)
			;
		CHECK_INT(r, ROWSRC_ERROR);
		CHECK_INT(err.kind, BS_E_INPUT);
		CHECK_INT(rowsrc_next(rs, &row, &err), ROWSRC_ERROR);
		CHECK_CONTAINS(formatted(&err), "cut.csv.gz: truncated gzip data");
		rowsrc_free(rs);
	}
	/* a zip member whose CRC-32 does not match */
	check_bad("crc.zip", "big.csv",
		  "corrupt archive: cannot read member 'big.csv': ZIP bad CRC");
	/* a zip that is not one */
	CHECK_INT(input_list_members(at("bad.zip"), add_member, NULL, &err), -1);
	CHECK_INT(err.kind, BS_E_INPUT);
	CHECK_CONTAINS(formatted(&err), "bad.zip: corrupt archive: ");
	/* deflated data damaged in the middle names the member (issue 13) */
	CHECK_INT(sh("gzip -dc big.csv.gz > z.csv && rm -f z.zip && zip -q z.zip z.csv"
		     " && printf 'XXXXXXXXXXXXXXXX'"
		     " | dd of=z.zip bs=1 seek=2000 conv=notrunc 2>/dev/null"),
		  0);
	check_bad("z.zip", "z.csv", "corrupt archive: cannot read member 'z.csv': ");
}

/* Members named absolutely or climbing out with ".." are refused, when
 * listed and when opened (issue 13). */
static void test_escaping_members(void)
{
	static const char mk[] =
		"import io, sys, tarfile, zipfile\n"
		"a, m = sys.argv[1:]\n"
		"if a.endswith('.zip'):\n"
		"    zipfile.ZipFile(a, 'w').writestr(m, 'id\\n1\\n')\n"
		"else:\n"
		"    t = tarfile.open(a, 'w'); i = tarfile.TarInfo(m); i.size = 5\n"
		"    t.addfile(i, io.BytesIO(b'id\\n1\\n')); t.close()\n";
	static const char *const bad[][2] = {
		{ "up.zip", "../../x.csv" }, { "abs.zip", "/abs/x.csv" },
		{ "up.tar", "d/../../x.csv" }, { "abs.tar", "/abs/x.csv" },
	};
	struct members m = { SBUF_INIT, 0, 0 };
	struct input *in;
	struct bs_err err;
	char cmd[512], want[512];
	size_t i;

	sbuf_init(&m.names, 0);
	write_file("mk.py", mk, strlen(mk));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "python3 mk.py %s '%s'", bad[i][0],
			 bad[i][1]);
		CHECK_INT(sh(cmd), 0);
		snprintf(want, sizeof(want), "%s: member '%s' refused: its name %s",
			 at(bad[i][0]), bad[i][1], bad[i][1][0] == '/'
			 ? "is absolute" : "climbs out of the archive");
		CHECK_INT(input_list_members(at(bad[i][0]), add_member, &m, &err), -1);
		CHECK_INT(err.kind, BS_E_INPUT);
		CHECK_STR(formatted(&err), want);
		in = input_open(at(bad[i][0]), bad[i][1], &err);
		CHECK(in == NULL);
		input_free(in);
		CHECK_STR(formatted(&err), want);
	}
	/* a ".." that stays inside is a name like any other */
	sbuf_reset(&m.names);
	CHECK_INT(sh("python3 mk.py in.zip 'd/../x.csv'"), 0);
	CHECK_INT(input_list_members(at("in.zip"), add_member, &m, &err), 0);
	CHECK_STR(m.names.buf, "d/../x.csv;");
	sbuf_release(&m.names);
}

/* Reads every row of an entry, sampling rowsrc_position: it never goes
 * back, is mid-way through the file on disk (30% to 70% of its size) when
 * half the rows are read, and ends at least at end_pct% of the size and
 * never past it.  rows: the entry's row count. */
static void check_positions(const char *file, const char *member,
			    unsigned long rows, int end_pct)
{
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct bs_err err;
	struct stat st;
	unsigned long long size, pos, last = 0, half = 0;
	unsigned long n = 0, moves = 0;
	int ok = 1;

	REQUIRE(stat(at(file), &st) == 0);
	size = (unsigned long long)st.st_size;
	rs = rowsrc_open(at(file), member, NULL, &err);
	REQUIRE(rs != NULL);
	while (rowsrc_next(rs, &row, &err) == ROWSRC_ROW) {
		pos = rowsrc_position(rs);
		if (pos < last || pos > size)
			ok = 0;
		moves += pos != last;
		last = pos;
		if (++n == rows / 2)
			half = pos;
	}
	CHECK_INT(n, rows);
	CHECK(ok);                 /* never backwards, never past the size */
	CHECK(moves >= 5);         /* it moves while the file is read */
	CHECK(half * 10 >= size * 3 && half * 10 <= size * 7);
	pos = rowsrc_position(rs);
	CHECK(pos * 100 >= size * (unsigned)end_pct && pos <= size);
	if (!ok || half * 10 < size * 3 || half * 10 > size * 7)
		printf("# %s%s%s: half-way %llu, end %llu of %llu\n", file,
		       member ? "!" : "", member ? member : "", half, pos, size);
	rowsrc_free(rs);
}

/* How far reading has got in the file on disk (rowsrc_position, what
 * the progress line's percent and ETA are made of): plain, gzipped (the
 * compressed bytes), and a member of each kind of archive (its place in
 * the archive, after a first member). */
static void test_positions(void)
{
	struct sbuf csv = SBUF_INIT, jl = SBUF_INIT;
	unsigned long i, x = 1;

	sbuf_init(&csv, 0);
	sbuf_init(&jl, 0);
	sbuf_adds(&csv, "id,v\n");
	for (i = 0; i < 40000; i++) {
		x = x * 1103515245 + 12345;   /* compresses like real data */
		sbuf_addf(&csv, "%lu,%lu\n", i, x % 1000000007);
		sbuf_addf(&jl, "{\"id\":%lu,\"v\":%lu}\n", i, x % 1000000007);
	}
	write_file("pos.csv", csv.buf, csv.len);
	write_file("pos.jsonl", jl.buf, jl.len);
	write_file("first.csv", customers, sizeof(customers) - 1);
	CHECK_INT(sh("gzip -c pos.csv > pos.csv.gz && gzip -c pos.jsonl > "
		     "pos.jsonl.gz && tar -cf pos.tar first.csv pos.csv && "
		     "tar -czf pos.tar.gz first.csv pos.jsonl && "
		     "zip -q pos.zip first.csv pos.csv"), 0);
	check_positions("pos.csv", NULL, 40000, 100);
	check_positions("pos.jsonl", NULL, 40000, 100);
	check_positions("pos.csv.gz", NULL, 40000, 100);
	check_positions("pos.jsonl.gz", NULL, 40000, 100);
	/* a tar ends with padding, a zip with its central directory */
	check_positions("pos.tar", "pos.csv", 40000, 90);
	check_positions("pos.tar.gz", "pos.jsonl", 40000, 90);
	check_positions("pos.zip", "pos.csv", 40000, 90);
	sbuf_release(&csv);
	sbuf_release(&jl);
}

static void test_fs_errors(void)
{
	struct bs_err err;
	char want[512];

	CHECK(input_open(at("missing.csv"), NULL, &err) == NULL);
	CHECK_INT(err.kind, BS_E_IO);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
		 at("missing.csv"));
	CHECK_STR(formatted(&err), want);
	CHECK(rowsrc_open(at("missing.csv"), NULL, NULL, &err) == NULL);
	CHECK_STR(formatted(&err), want);
	CHECK(input_open(at("d"), NULL, &err) == NULL);
	CHECK_INT(err.kind, BS_E_IO);
	CHECK_CONTAINS(err.msg, "Is a directory");
	CHECK_INT(input_list_members(at("missing.zip"), add_member, NULL, &err), -1);
	CHECK_INT(err.kind, BS_E_IO);
	CHECK(input_open(at("c.csv"), "x.csv", &err) == NULL);
	CHECK_INT(err.kind, BS_E_INPUT);
	CHECK_CONTAINS(err.msg, "not an archive");
	CHECK_INT(input_list_members(at("c.csv"), add_member, NULL, &err), -1);
	CHECK_CONTAINS(err.msg, "not an archive");
	CHECK(input_open(at("a.tar"), "d/c.csv.gz", &err) == NULL);
	CHECK_CONTAINS(err.msg, "gzipped members are not supported");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir)) {
		printf("Bail out! cannot make a temporary directory\n");
		return 1;
	}
	RUN(test_kind_of);
	RUN(test_mem);
	RUN(test_plain_and_gzip);
	RUN(test_gzip_large);
	RUN(test_archives);
	RUN(test_rows_from_entries);
	RUN(test_corrupt);
	RUN(test_fs_errors);
	RUN(test_positions);
	RUN(test_escaping_members);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return tap_done();
}
