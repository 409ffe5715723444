/* test_csvsplit.c - unit tests of the size-capped CSV.gz file set: byte and
 * row caps, repeated header, groups kept whole, oversize fallbacks,
 * determinism, callbacks and abort. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "formats/csvsplit.h"
#include "formats/sbuf.h"

#define HDR "id,v\n"          /* 5 bytes */
#define HDR_LEN 5
#define REC_LEN 10            /* "0001,g001\n" */
#define MAX_FILES 64

static char dir[] = "/tmp/billsync-csvsplit.XXXXXX";

struct seen {
	int n;
	struct {
		char name[64];
		char side[64];   /* "" without side files */
		unsigned number;
		unsigned long long rows, raw, gz, first, last;
		int split;
	} f[MAX_FILES];
};

static int on_file(void *ctx, const struct csvsplit_file *f, struct bs_err *err)
{
	struct seen *s = ctx;

	if (s->n == MAX_FILES)
		return bs_err_set(err, BS_E_INTERNAL, "too many files");
	snprintf(s->f[s->n].name, sizeof(s->f[0].name), "%s", f->name);
	snprintf(s->f[s->n].side, sizeof(s->f[0].side), "%s",
		 f->side_name ? f->side_name : "");
	s->f[s->n].number = f->number;
	s->f[s->n].rows = f->rows;
	s->f[s->n].raw = f->z.raw_bytes;
	s->f[s->n].gz = f->z.gz_bytes;
	s->f[s->n].first = f->first_seq;
	s->f[s->n].last = f->last_seq;
	s->f[s->n].split = f->split_group;
	s->n++;
	return 0;
}

static int refuse(void *ctx, const struct csvsplit_file *f, struct bs_err *err)
{
	(void)ctx;
	return bs_err_set(err, BS_E_IO, "manifest full at '%s'", f->name);
}

/* The decompressed text of a file ("" if gzip fails: that fails checks). */
static char *gunzip(const char *sub, const char *name, size_t *len)
{
	char cmd[4400];
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "gzip -t '%s/%s/%s' && gzip -dc '%s/%s/%s'",
		 dir, sub, name, dir, sub, name);
	f = popen(cmd, "r");
	while (f && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	if (!f || pclose(f) != 0)
		n = 0;
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *subdir(const char *sub)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	return path;
}

static int count_files(const char *sub)
{
	DIR *d = opendir(subdir(sub));
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* csvsplit_add of rec[0..len) with a side line "SEQ\n". */
static int add(struct csvsplit *s, const char *rec, size_t len, int starts,
	       unsigned long long seq, struct bs_err *err)
{
	char side[32];
	struct csvsplit_row row;

	row.rec = rec;
	row.len = len;
	row.side = side;
	row.side_len = (size_t)snprintf(side, sizeof(side), "%llu\n", seq);
	row.seq = seq;
	row.starts_group = starts;
	return csvsplit_add(s, &row, err);
}

/* Record i of group g: "iiii,gGGG\n", REC_LEN bytes. */
static const char *rec(int i, int g)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%04d,g%03d\n", i, g);
	return buf;
}

/* Feeds groups of the given sizes (records numbered from 1, seq = number)
 * into a new set in sub; returns what the callback saw. */
static int feed(const char *sub, const struct csvsplit_opts *base,
		const int *groups, int ngroups, struct seen *seen)
{
	struct csvsplit_opts o = *base;
	struct bs_err err;
	struct csvsplit *s;
	int g, k, i = 0;

	memset(seen, 0, sizeof(*seen));
	o.on_file = on_file;
	o.ctx = seen;
	s = csvsplit_new(subdir(sub), "Obj__c", HDR, HDR_LEN, &o, &err);
	if (!s)
		return -1;
	for (g = 0; g < ngroups; g++)
		for (k = 0; k < groups[g]; k++) {
			i++;
			if (add(s, rec(i, g), REC_LEN, k == 0,
					 (unsigned long long)i, &err) < 0) {
				csvsplit_abort(s);
				return -1;
			}
		}
	return csvsplit_close(s, &err);
}

/* Checks a side file: "seq\n", then one line per seq first..last. */
static void check_side(const char *sub, const char *name,
		       unsigned long long first, unsigned long long last)
{
	struct sbuf want;
	char *body;
	size_t len;

	sbuf_init(&want, 0);
	sbuf_adds(&want, "seq\n");
	while (first <= last)
		sbuf_addf(&want, "%llu\n", first++);
	body = gunzip(sub, name, &len);
	CHECK_STR(body, want.buf);
	free(body);
	sbuf_release(&want);
}

/* Checks every file: header first, raw size as reported and within the
 * caps; and that the records, concatenated, are exactly 1..total; and the
 * side files when there are some. */
static void check_files(const char *sub, const struct seen *seen,
			unsigned long long max_bytes, int total)
{
	char *body, want[32];
	size_t len;
	int f, i = 0, sides = 0;
	unsigned long long r;

	for (f = 0; f < seen->n; f++) {
		body = gunzip(sub, seen->f[f].name, &len);
		CHECK(strncmp(body, HDR, HDR_LEN) == 0);
		CHECK_INT(len, seen->f[f].raw);
		CHECK(len <= max_bytes);
		CHECK_INT(len, HDR_LEN + seen->f[f].rows * REC_LEN);
		CHECK_INT(seen->f[f].number, f + 1);
		CHECK_INT(seen->f[f].first, i + 1);
		for (r = 0; r < seen->f[f].rows && len >= HDR_LEN + (r + 1) * REC_LEN; r++) {
			i++;
			snprintf(want, sizeof(want), "%04d,", i);
			CHECK(memcmp(body + HDR_LEN + r * REC_LEN, want, 5) == 0);
		}
		CHECK_INT(seen->f[f].last, i);
		free(body);
		if (seen->f[f].side[0]) {
			check_side(sub, seen->f[f].side, seen->f[f].first,
				   seen->f[f].last);
			sides++;
		}
	}
	CHECK_INT(i, total);
	CHECK_INT(count_files(sub), seen->n + sides);
}

static void test_byte_cap(void)
{
	static const int ones[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen s;

	o.max_bytes = HDR_LEN + 3 * REC_LEN;   /* exactly three records */
	CHECK_INT(feed("cap", &o, ones, 10, &s), 0);
	CHECK_INT(s.n, 4);
	CHECK_STR(s.f[0].name, "Obj__c-0001.csv.gz");
	CHECK_STR(s.f[3].name, "Obj__c-0004.csv.gz");
	CHECK_INT(s.f[0].rows, 3);
	CHECK_INT(s.f[0].raw, o.max_bytes);
	CHECK_INT(s.f[3].rows, 1);
	CHECK_INT(s.f[0].split + s.f[1].split + s.f[2].split + s.f[3].split, 0);
	check_files("cap", &s, o.max_bytes, 10);

	/* one byte less: two records a file */
	o.max_bytes--;
	CHECK_INT(feed("cap2", &o, ones, 10, &s), 0);
	CHECK_INT(s.n, 5);
	check_files("cap2", &s, o.max_bytes, 10);
}

static void test_groups_kept(void)
{
	static const int groups[] = { 2, 2, 1, 3, 1 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen s;

	o.max_bytes = HDR_LEN + 3 * REC_LEN;
	CHECK_INT(feed("groups", &o, groups, 5, &s), 0);
	CHECK_INT(s.n, 4);
	CHECK_INT(s.f[0].rows, 2);   /* A */
	CHECK_INT(s.f[1].rows, 3);   /* B + C */
	CHECK_INT(s.f[2].rows, 3);   /* D */
	CHECK_INT(s.f[3].rows, 1);   /* E */
	CHECK_INT(s.f[0].split + s.f[1].split + s.f[2].split + s.f[3].split, 0);
	check_files("groups", &s, o.max_bytes, 9);
}

static void test_oversize_group(void)
{
	static const int groups[] = { 1, 5, 1 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen s;

	o.max_bytes = HDR_LEN + 3 * REC_LEN;
	CHECK_INT(feed("bigroup", &o, groups, 3, &s), 0);
	/* the group of 5 fills the first file, goes on in the second */
	CHECK_INT(s.n, 3);
	CHECK_INT(s.f[0].rows, 3);
	CHECK_INT(s.f[0].split, 1);
	CHECK_INT(s.f[1].rows, 3);
	CHECK_INT(s.f[1].split, 1);
	CHECK_INT(s.f[2].rows, 1);
	CHECK_INT(s.f[2].split, 0);
	check_files("bigroup", &s, o.max_bytes, 7);
}

static void test_row_cap(void)
{
	static const int ones[5] = { 1, 1, 1, 1, 1 };
	static const int groups[] = { 1, 3 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen s;

	o.max_rows = 2;
	CHECK_INT(feed("rows", &o, ones, 5, &s), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.f[0].rows, 2);
	CHECK_INT(s.f[1].rows, 2);
	CHECK_INT(s.f[2].rows, 1);
	check_files("rows", &s, CSVSPLIT_MAX_BYTES_DEFAULT, 5);

	/* a group of 3 under a cap of 2 rows is split */
	CHECK_INT(feed("rows2", &o, groups, 2, &s), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.f[0].rows, 2);
	CHECK_INT(s.f[0].split, 1);
	CHECK_INT(s.f[1].rows, 2);
	CHECK_INT(s.f[1].split, 1);
	check_files("rows2", &s, CSVSPLIT_MAX_BYTES_DEFAULT, 4);
}

/* A group past the hold-back buffer but within a file's cap starts a new
 * file and stays whole. */
static void test_large_group_new_file(void)
{
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct bs_err err;
	struct csvsplit *s;
	struct seen seen;
	char line[1024];
	size_t n = 0, i;

	memset(&seen, 0, sizeof(seen));
	o.max_bytes = 3 * CSVSPLIT_GROUP_BUF;
	o.on_file = on_file;
	o.ctx = &seen;
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	s = csvsplit_new(subdir("large"), "L", HDR, HDR_LEN, &o, &err);
	CHECK(s != NULL);
	CHECK_INT(add(s, "small\n", 6, 1, 0, &err), 0);
	for (i = 0; n < CSVSPLIT_GROUP_BUF + CSVSPLIT_GROUP_BUF / 2; i++) {
		CHECK_INT(add(s, line, sizeof(line), i == 0, i + 1, &err), 0);
		n += sizeof(line);
	}
	CHECK_INT(add(s, "next\n", 5, 1, i + 1, &err), 0);
	CHECK_INT(csvsplit_close(s, &err), 0);
	CHECK_INT(seen.n, 2);
	CHECK_INT(seen.f[0].rows, 1);
	CHECK_INT(seen.f[1].rows, i + 1);
	CHECK_INT(seen.f[1].first, 1);
	CHECK_INT(seen.f[1].split, 0);
	CHECK_INT(seen.f[1].raw, HDR_LEN + n + 5);
}

static void test_oversize_record(void)
{
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct bs_err err;
	struct csvsplit *s;
	struct seen seen;
	char big[64];

	memset(&seen, 0, sizeof(seen));
	o.max_bytes = HDR_LEN + 20;
	o.on_file = on_file;
	o.ctx = &seen;
	memset(big, 'b', sizeof(big));
	s = csvsplit_new(subdir("oversize"), "O", HDR, HDR_LEN, &o, &err);
	CHECK(s != NULL);
	big[20] = '\n';
	bs_err_clear(&err);
	CHECK_INT(add(s, big, 21, 1, 1, &err), -1);
	CHECK_INT(err.kind, BS_E_ROW);
	CHECK_CONTAINS(err.msg, "record of 21 bytes does not fit");
	big[19] = '\n';
	CHECK_INT(add(s, big, 20, 1, 2, &err), 0);   /* exactly fits */
	CHECK_INT(add(s, "x\n", 2, 1, 3, &err), 0);
	CHECK_INT(add(s, "y\n", 2, 1, 4, &err), 0);  /* file 2: x */
	CHECK_INT(add(s, "no newline", 10, 1, 5, &err), -1);
	CHECK_INT(err.kind, BS_E_INTERNAL);
	csvsplit_abort(s);
	/* the full first file was finished; the second one is removed */
	CHECK_INT(seen.n, 1);
	CHECK_INT(seen.f[0].raw, o.max_bytes);
	CHECK_INT(count_files("oversize"), 1);
}

static void test_deterministic(void)
{
	static const int groups[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen a, b;
	char cmd[4400];
	int f;

	o.max_bytes = HDR_LEN + 7 * REC_LEN;
	CHECK_INT(feed("det1", &o, groups, 11, &a), 0);
	o.zsink.threaded = !o.zsink.threaded;
	CHECK_INT(feed("det2", &o, groups, 11, &b), 0);
	CHECK_INT(a.n, b.n);
	for (f = 0; f < a.n; f++) {
		snprintf(cmd, sizeof(cmd), "cmp -s '%s/det1/%s' '%s/det2/%s'",
			 dir, a.f[f].name, dir, b.f[f].name);
		CHECK_INT(system(cmd), 0);
		CHECK(a.f[f].rows <= 7);
	}
	check_files("det1", &a, o.max_bytes, 44);
}

static void test_side_files(void)
{
	static const int groups[] = { 2, 2, 1, 3, 1, 5 };
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct seen s;

	o.max_bytes = HDR_LEN + 3 * REC_LEN;
	o.side_suffix = ".origin.csv.gz";
	o.side_header = "seq\n";
	o.side_header_len = 4;
	CHECK_INT(feed("side", &o, groups, 6, &s), 0);
	/* A | B C | D | E F1 F2 | F3 F4 F5 */
	CHECK_INT(s.n, 5);
	CHECK_STR(s.f[0].side, "Obj__c-0001.origin.csv.gz");
	CHECK_STR(s.f[4].side, "Obj__c-0005.origin.csv.gz");
	CHECK_INT(s.f[2].split, 0);
	CHECK_INT(s.f[3].split, 1);
	CHECK_INT(s.f[4].split, 1);
	check_files("side", &s, o.max_bytes, 14);
}

static void test_empty_and_errors(void)
{
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct bs_err err;
	struct csvsplit *s;

	s = csvsplit_new(subdir("empty"), "E", HDR, HDR_LEN, NULL, &err);
	CHECK(s != NULL);
	CHECK_INT(csvsplit_close(s, &err), 0);
	CHECK_INT(count_files("empty"), 0);

	bs_err_clear(&err);
	CHECK(csvsplit_new(subdir("empty"), "E", "id,v", 4, NULL, &err) == NULL);
	CHECK_INT(err.kind, BS_E_CONFIG);
	o.max_bytes = HDR_LEN;
	CHECK(csvsplit_new(subdir("empty"), "E", HDR, HDR_LEN, &o, &err) == NULL);
	CHECK_INT(err.kind, BS_E_CONFIG);
	o.max_bytes = 0;
	o.side_suffix = ".side.gz";
	o.side_header = "no newline";
	o.side_header_len = 10;
	CHECK(csvsplit_new(subdir("empty"), "E", HDR, HDR_LEN, &o, &err) == NULL);
	CHECK_INT(err.kind, BS_E_CONFIG);
	o.side_header = "k\n";
	o.side_header_len = 2;
	s = csvsplit_new(subdir("empty"), "E", HDR, HDR_LEN, &o, &err);
	CHECK(s != NULL);
	{
		struct csvsplit_row row = { "a\n", 2, "k", 1, 1, 1 };

		CHECK_INT(csvsplit_add(s, &row, &err), -1);
		CHECK_CONTAINS(err.msg, "side line does not end in a line feed");
	}
	csvsplit_abort(s);
	o.side_suffix = NULL;
	csvsplit_abort(NULL);

	/* an on_file error reaches the caller, and the set is then broken */
	o.max_bytes = HDR_LEN + REC_LEN;
	o.on_file = refuse;
	s = csvsplit_new(subdir("refuse"), "R", HDR, HDR_LEN, &o, &err);
	CHECK(s != NULL);
	CHECK_INT(add(s, rec(1, 1), REC_LEN, 1, 1, &err), 0);
	CHECK_INT(add(s, rec(2, 2), REC_LEN, 1, 2, &err), 0);
	CHECK_INT(add(s, rec(3, 3), REC_LEN, 1, 3, &err), -1);
	CHECK_STR(err.msg, "manifest full at 'R-0001.csv.gz'");
	CHECK_INT(add(s, rec(4, 4), REC_LEN, 1, 4, &err), -1);
	CHECK_CONTAINS(err.msg, "used after an error");
	CHECK_INT(csvsplit_close(s, &err), -1);

	/* a directory that does not exist */
	s = csvsplit_new("/nonexistent-dir", "N", HDR, HDR_LEN, NULL, &err);
	CHECK(s != NULL);
	CHECK_INT(add(s, rec(1, 1), REC_LEN, 1, 1, &err), 0); /* held */
	CHECK_INT(csvsplit_close(s, &err), -1);
	CHECK_INT(err.kind, BS_E_IO);
	CHECK_STR(err.file, "/nonexistent-dir/N-0001.csv.gz.tmp");
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_byte_cap);
	RUN(test_groups_kept);
	RUN(test_oversize_group);
	RUN(test_row_cap);
	RUN(test_large_group_new_file);
	RUN(test_oversize_record);
	RUN(test_deterministic);
	RUN(test_side_files);
	RUN(test_empty_and_errors);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
