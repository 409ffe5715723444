/*
 * zbench.c - measures gzip back-ends for the bulk files (see
 * docs/performance.md, "Compression").  Not part of make check; build by hand:
 *
 *   gcc -O2 -std=c11 -D_DEFAULT_SOURCE -Iformats -o /tmp/zbench \
 *       tests/bench/zbench.c formats/zsink.c formats/sha256.c formats/csvw.c \
 *       formats/sbuf.c formats/bs_err.c \
 *       $(pkg-config --cflags --libs libisal zlib openssl libdeflate) -lpthread
 *   /tmp/zbench INPUT.csv [OUTDIR] [REPEAT] [ONLY]
 *
 * Each option compresses INPUT to OUTDIR/zbench.gz; the table gives the best
 * wall time of REPEAT runs, the CPU time (all threads), input MB/s
 * (MB = 10^6 bytes), the output size and its ratio to gzip -6's output, and
 * whether gzip -t accepts the file.  "encode" rows also parse every CSV
 * record into fields and re-encode it with csvw before compressing, which is
 * the work the caller's thread does in `billsync export`.  The "csvsplit"
 * row writes INPUT's records through csvsplit (100 MB files, a group per
 * invoice, the third column) into OUTDIR/split/, which must exist: the whole
 * writing side of the export.  ONLY runs just the options whose label holds
 * that text (for measuring one under /usr/bin/time -v).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <libdeflate.h>

#include "bs_err.h"
#include "csvsplit.h"
#include "csvw.h"
#include "sbuf.h"
#include "zsink.h"

#define READ_BUF ((size_t)1 << 16)
#define MAX_FIELDS 64

enum mode { M_ZSINK, M_ENCODE, M_DEFLATE, M_GZIP, M_SPLIT };

struct option_row {
	const char *label;
	enum mode mode;
	const char *spec;   /* zsink spec, or NULL for encode-only */
	int threaded;
	int level;          /* libdeflate / gzip level */
};

static const struct option_row rows[] = {
	{ "gzip -6 (reference)", M_GZIP, NULL, 0, 6 },
	{ "gzip -1 (reference)", M_GZIP, NULL, 0, 1 },
	{ "zlib:1", M_ZSINK, "zlib:1", 0, 0 },
	{ "zlib:6", M_ZSINK, "zlib:6", 0, 0 },
	{ "isal:0", M_ZSINK, "isal:0", 0, 0 },
	{ "isal:1", M_ZSINK, "isal:1", 0, 0 },
	{ "isal:2", M_ZSINK, "isal:2", 0, 0 },
	{ "isal:3", M_ZSINK, "isal:3", 0, 0 },
	{ "libdeflate:1 (1 MiB members)", M_DEFLATE, NULL, 0, 1 },
	{ "libdeflate:6 (1 MiB members)", M_DEFLATE, NULL, 0, 6 },
	{ "isal:2 threaded", M_ZSINK, "isal:2", 1, 0 },
	{ "zlib:6 threaded", M_ZSINK, "zlib:6", 1, 0 },
	{ "encode only, no compression", M_ENCODE, NULL, 0, 0 },
	{ "encode + isal:1", M_ENCODE, "isal:1", 0, 0 },
	{ "encode + isal:1 threaded", M_ENCODE, "isal:1", 1, 0 },
	{ "encode + isal:2", M_ENCODE, "isal:2", 0, 0 },
	{ "encode + isal:2 threaded", M_ENCODE, "isal:2", 1, 0 },
	{ "encode + isal:3 threaded", M_ENCODE, "isal:3", 1, 0 },
	{ "encode + zlib:6 threaded", M_ENCODE, "zlib:6", 1, 0 },
	{ "csvsplit, isal:2 threaded", M_SPLIT, "isal:2", 1, 0 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of this process (all threads) and of its waited-for children
 * (the gzip commands). */
static double cpu(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
	       self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	       kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
	       kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const struct bs_err *err)
{
	char msg[2048];

	if (err) {
		bs_err_format(err, msg, sizeof(msg));
		fprintf(stderr, "zbench: %s: %s\n", what, msg);
	} else {
		perror(what);
	}
	exit(1);
}

/* A minimal CSV record splitter (RFC 4180 quoting) feeding csvw. */
struct enc {
	struct sbuf rec;        /* the record being assembled, unquoted fields */
	size_t start[MAX_FIELDS], len[MAX_FIELDS];
	size_t nf;
	int inq, afterq;
	struct sbuf out;        /* encoded records, flushed to the sink */
	struct zsink *z;
};

static void enc_field_end(struct enc *e)
{
	if (e->nf < MAX_FIELDS) {
		e->len[e->nf] = e->rec.len - e->start[e->nf];
		e->nf++;
	}
	if (e->nf < MAX_FIELDS)
		e->start[e->nf] = e->rec.len;
}

static void enc_record(struct enc *e, struct bs_err *err)
{
	const char *s[MAX_FIELDS];
	size_t i;

	enc_field_end(e);
	for (i = 0; i < e->nf; i++)
		s[i] = e->rec.buf + e->start[i];
	if (csvw_record_strs(&e->out, s, e->len, e->nf, 0, err) < 0)
		die("encode", err);
	sbuf_reset(&e->rec);
	e->nf = 0;
	e->start[0] = 0;
	if (e->out.len >= READ_BUF) {
		if (e->z && zsink_write(e->z, e->out.buf, e->out.len, err) < 0)
			die("write", err);
		sbuf_reset(&e->out);
	}
}

static void enc_feed(struct enc *e, const char *p, size_t n, struct bs_err *err)
{
	size_t i, run;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (e->inq) {
			run = i;
			while (run < n && p[run] != '"')
				run++;
			sbuf_add(&e->rec, p + i, run - i);
			i = run;
			if (i < n) {
				e->inq = 0;
				e->afterq = 1;
			}
			continue;
		}
		if (c == '"') {
			if (e->afterq)
				sbuf_addc(&e->rec, '"');
			e->inq = 1;
			e->afterq = 0;
			continue;
		}
		e->afterq = 0;
		if (c == ',')
			enc_field_end(e);
		else if (c == '\n')
			enc_record(e, err);
		else
			sbuf_addc(&e->rec, c);
	}
}

static unsigned long long file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		die(path, NULL);
	return (unsigned long long)st.st_size;
}

static void run_deflate(int in, const char *out, int level)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t bound = libdeflate_gzip_compress_bound(c, ZSINK_BLOCK), n, got;
	char *ib = malloc(ZSINK_BLOCK), *ob = malloc(bound);
	FILE *f = fopen(out, "wb");
	ssize_t r;

	if (!c || !ib || !ob || !f)
		die("libdeflate setup", NULL);
	for (;;) {
		for (n = 0; n < ZSINK_BLOCK; n += (size_t)r) {
			r = read(in, ib + n, ZSINK_BLOCK - n);
			if (r < 0)
				die("read", NULL);
			if (r == 0)
				break;
		}
		if (!n)
			break;
		got = libdeflate_gzip_compress(c, ib, n, ob, bound);
		if (!got || fwrite(ob, 1, got, f) != got)
			die("libdeflate", NULL);
	}
	fclose(f);
	free(ib);
	free(ob);
	libdeflate_free_compressor(c);
}

struct split_stats {
	unsigned files;
	unsigned long long gz_bytes;
};

static int on_split_file(void *ctx, const struct csvsplit_file *f,
			 struct bs_err *err)
{
	struct split_stats *st = ctx;

	(void)err;
	st->files++;
	st->gz_bytes += f->z.gz_bytes;
	return 0;
}

/* The third field of a CSV line (quotes respected), as [*b, *e). */
static void third_field(const char *p, size_t n, size_t *b, size_t *e)
{
	size_t i, field = 0;
	int inq = 0;

	*b = *e = 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			inq = !inq;
		else if (p[i] == ',' && !inq && ++field == 2)
			*b = i + 1;
		else if (p[i] == ',' && !inq && field == 3)
			break;
	}
	*e = i;
}

/* Feeds INPUT's records (one per line) through csvsplit. */
static void run_split(FILE *in, const char *dir, const struct zsink_opts *zo,
		      struct split_stats *st)
{
	struct csvsplit_opts o = CSVSPLIT_OPTS_INIT;
	struct csvsplit_row row = { NULL, 0, NULL, 0, 0, 0 };
	struct bs_err err;
	struct csvsplit *s = NULL;
	char *line = NULL, last[64] = "";
	size_t cap = 0, b, e;
	ssize_t n;
	unsigned long long seq = 0;
	int first = 1, starts;

	o.zsink = *zo;
	o.on_file = on_split_file;
	o.ctx = st;
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] != '\n')
			break;          /* a cut-off last line (head -c) */
		if (first) {
			if (!(s = csvsplit_new(dir, "OrbRevenue__c", line, (size_t)n,
					       &o, &err)))
				die("csvsplit", &err);
			first = 0;
			continue;
		}
		third_field(line, (size_t)n, &b, &e);
		starts = e - b >= sizeof(last) || memcmp(last, line + b, e - b) ||
			 last[e - b];
		if (e - b < sizeof(last)) {
			memcpy(last, line + b, e - b);
			last[e - b] = '\0';
		}
		row.rec = line;
		row.len = (size_t)n;
		row.seq = seq++;
		row.starts_group = starts;
		if (csvsplit_add(s, &row, &err) < 0)
			die("csvsplit_add", &err);
	}
	free(line);
	if (!first && csvsplit_close(s, &err) < 0)
		die("csvsplit_close", &err);
}

static void run_one(const struct option_row *o, const char *in_path,
		    const char *out, struct split_stats *split)
{
	static char buf[READ_BUF];
	struct zsink_opts zo = ZSINK_OPTS_INIT;
	struct bs_err err;
	struct enc e;
	struct zsink *z = NULL;
	char cmd[2048];
	ssize_t r;
	int in;

	bs_err_clear(&err);
	if (o->mode == M_GZIP) {
		snprintf(cmd, sizeof(cmd), "gzip -%d -c '%s' > '%s'", o->level,
			 in_path, out);
		if (system(cmd) != 0)
			die("gzip", NULL);
		return;
	}
	if (o->mode == M_SPLIT) {
		FILE *f = fopen(in_path, "r");
		char dir[1100];

		snprintf(dir, sizeof(dir), "%.*s/split", (int)(strrchr(out, '/') - out), out);
		if (!f || zsink_opts_parse(&zo, o->spec, &err) < 0)
			die("split setup", &err);
		zo.threaded = o->threaded;
		memset(split, 0, sizeof(*split));
		run_split(f, dir, &zo, split);
		fclose(f);
		return;
	}
	in = open(in_path, O_RDONLY);
	if (in < 0)
		die(in_path, NULL);
	if (o->mode == M_DEFLATE) {
		run_deflate(in, out, o->level);
		close(in);
		return;
	}
	if (o->spec) {
		if (zsink_opts_parse(&zo, o->spec, &err) < 0)
			die("spec", &err);
		zo.threaded = o->threaded;
		if (!(z = zsink_open(out, &zo, &err)))
			die("open", &err);
	}
	memset(&e, 0, sizeof(e));
	sbuf_init(&e.rec, 0);
	sbuf_init(&e.out, 0);
	e.z = z;
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		if (o->mode == M_ENCODE)
			enc_feed(&e, buf, (size_t)r, &err);
		else if (zsink_write(z, buf, (size_t)r, &err) < 0)
			die("write", &err);
	}
	if (r < 0)
		die("read", NULL);
	if (z && e.out.len && zsink_write(z, e.out.buf, e.out.len, &err) < 0)
		die("write", &err);
	if (z && zsink_close(z, NULL, &err) < 0)
		die("close", &err);
	if (!z)
		unlink(out);
	sbuf_release(&e.rec);
	sbuf_release(&e.out);
	close(in);
}

int main(int argc, char **argv)
{
	const char *in, *dir, *only;
	struct split_stats split;
	char out[1024], cmd[1200];
	unsigned long long in_size, out_size, ref6 = 0;
	double t0, c0, best, best_cpu, t, c;
	int repeat, i, k, ok;

	if (argc < 2) {
		fprintf(stderr, "usage: zbench INPUT.csv [OUTDIR] [REPEAT]\n");
		return 2;
	}
	in = argv[1];
	dir = argc > 2 ? argv[2] : "/tmp";
	repeat = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 1;
	if (repeat < 1)
		repeat = 1;
	only = argc > 4 ? argv[4] : NULL;
	snprintf(out, sizeof(out), "%s/zbench.gz", dir);
	in_size = file_size(in);
	printf("input %s: %.1f MB, best of %d run(s)\n\n", in, in_size / 1e6, repeat);
	printf("| option | wall s | CPU s | MB/s | output MB | %% of input | "
	       "vs gzip -6 | gzip -t |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---|\n");
	fflush(stdout);
	for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
		if (only && !strstr(rows[i].label, only))
			continue;
		best = best_cpu = 1e30;
		for (k = 0; k < repeat; k++) {
			t0 = now();
			c0 = cpu();
			run_one(&rows[i], in, out, &split);
			t = now() - t0;
			c = cpu() - c0;
			if (t < best) {
				best = t;
				best_cpu = c;
			}
		}
		if (rows[i].mode == M_ENCODE && !rows[i].spec) {
			printf("| %s | %.2f | %.2f | %.0f | - | - | - | - |\n",
			       rows[i].label, best, best_cpu, in_size / 1e6 / best);
			fflush(stdout);
			continue;
		}
		if (rows[i].mode == M_SPLIT) {
			printf("| %s | %.2f | %.2f | %.0f | %.2f | %.2f | %s%.1f%% | %u files |\n",
			       rows[i].label, best, best_cpu, in_size / 1e6 / best,
			       split.gz_bytes / 1e6, 100.0 * split.gz_bytes / in_size,
			       ref6 && split.gz_bytes >= ref6 ? "+" : "",
			       ref6 ? 100.0 * ((double)split.gz_bytes - ref6) / ref6 : 0.0,
			       split.files);
			fflush(stdout);
			continue;
		}
		out_size = file_size(out);
		if (rows[i].mode == M_GZIP && rows[i].level == 6)
			ref6 = out_size;
		snprintf(cmd, sizeof(cmd), "gzip -t '%s'", out);
		ok = system(cmd) == 0;
		printf("| %s | %.2f | %.2f | %.0f | %.2f | %.2f | %s%.1f%% | %s |\n",
		       rows[i].label, best, best_cpu, in_size / 1e6 / best,
		       out_size / 1e6, 100.0 * out_size / in_size,
		       ref6 && out_size >= ref6 ? "+" : "",
		       ref6 ? 100.0 * ((double)out_size - ref6) / ref6 : 0.0,
		       ok ? "ok" : "FAIL");
		fflush(stdout);
	}
	unlink(out);
	return 0;
}
