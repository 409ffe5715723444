/* test_zsink.c - unit tests of the streaming gzip writer: every codec and
 * level, threaded or not, checked with the gzip and sha256sum tools;
 * determinism, stats, crash-safe naming and abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "formats/zsink.h"

static char dir[] = "/tmp/billsync-zsink.XXXXXX";

/* Deterministic CSV-looking text of n bytes. */
static char *make_text(size_t n)
{
	char *p = malloc(n ? n : 1);
	uint32_t x = 12345;
	size_t i;

	for (i = 0; p && i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i % 97 == 96) ? '\n' : (i % 13 == 12) ? ',' :
		       "0123456789abcdefABCDEF-:.Z"[(x >> 16) % 26];
	}
	return p;
}

/* Runs cmd and returns its whole stdout (NUL-terminated, *len bytes). */
static char *run_output(const char *cmd, size_t *len)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);

	if (!f || !buf) {
		free(buf);
		if (f)
			pclose(f);
		return NULL;
	}
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *p = realloc(buf, 2 * cap + 1);
			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
	}
	buf[n] = '\0';
	if (pclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static unsigned long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
}

/* The CRC-32 stored in the gzip trailer of path. */
static uint32_t trailer_crc(const char *path)
{
	unsigned char t[8];
	FILE *f = fopen(path, "rb");
	uint32_t crc = 0;

	if (f && fseek(f, -8, SEEK_END) == 0 && fread(t, 1, 8, f) == 8)
		crc = t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
		      (uint32_t)t[3] << 24;
	if (f)
		fclose(f);
	return crc;
}

/* Writes data in chunks of `chunk` bytes; returns the stats of close. */
static int write_file(const char *path, const struct zsink_opts *o,
		      const char *data, size_t n, size_t chunk,
		      struct zsink_stats *st)
{
	struct bs_err err;
	struct zsink *z = zsink_open(path, o, &err);
	size_t off, k;
	char tmp[4300];

	if (!z)
		return -1;
	for (off = 0; off < n; off += k) {
		k = n - off < chunk ? n - off : chunk;
		if (zsink_write(z, data + off, k, &err) < 0) {
			zsink_abort(z);
			return -1;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (exists(path) || !exists(tmp)) { /* only the .tmp name until close */
		zsink_abort(z);
		return -1;
	}
	return zsink_close(z, st, &err);
}

/* Checks path against the tools: gzip -t, gzip -dc == data, sha256sum. */
static void check_file(const char *path, const char *data, size_t n,
		       const struct zsink_stats *st)
{
	char cmd[4300], tmp[4300], *out;
	size_t len = 0;

	snprintf(cmd, sizeof(cmd), "gzip -t '%s'", path);
	CHECK_INT(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	out = run_output(cmd, &len);
	CHECK(out != NULL);
	CHECK_INT(len, n);
	CHECK(out && len == n && (n == 0 || memcmp(out, data, n) == 0));
	free(out);
	CHECK_INT(st->raw_bytes, n);
	CHECK_INT(st->gz_bytes, file_size(path));
	CHECK_INT(st->crc32, trailer_crc(path));
	snprintf(cmd, sizeof(cmd), "sha256sum '%s' | cut -c1-64", path);
	out = run_output(cmd, &len);
	CHECK(out != NULL);
	if (out && len > 0)
		out[len - 1] = '\0'; /* the newline */
	CHECK_STR(st->sha256, out);
	free(out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(!exists(tmp));
}

static void test_roundtrip_all_codecs(void)
{
	static const char *const specs[] = {
		"isal:0", "isal:1", "isal:2", "isal:3", "zlib:1", "zlib:6", "zlib:9"
	};
	const size_t sizes[] = { 0, 6, 3 * ZSINK_BLOCK + 12345 };
	char *big = make_text(sizes[2]);
	char path[4200];
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct zsink_stats st;
	struct bs_err err;
	size_t i, j;
	int t;

	CHECK(big != NULL);
	memcpy(big, "hello\n", 6);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		CHECK_INT(zsink_opts_parse(&o, specs[i], &err), 0);
		for (t = 0; t <= 1; t++) {
			o.threaded = t;
			for (j = 0; j < 3; j++) {
				snprintf(path, sizeof(path), "%s/%s-%d-%zu.gz", dir,
					 specs[i], t, j);
				CHECK_INT(write_file(path, &o, big, sizes[j], 4093, &st), 0);
				check_file(path, big, sizes[j], &st);
				unlink(path);
			}
		}
	}
	free(big);
}

/* Same bytes whatever the write sizes and the threading. */
static void test_deterministic(void)
{
	size_t n = 2 * ZSINK_BLOCK + 777;
	char *data = make_text(n);
	char path[4200];
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct zsink_stats a, b, c;

	snprintf(path, sizeof(path), "%s/det.gz", dir);
	o.threaded = 0;
	CHECK_INT(write_file(path, &o, data, n, 1, &a), 0);
	o.threaded = 1;
	unlink(path);
	CHECK_INT(write_file(path, &o, data, n, 65536, &b), 0);
	unlink(path);
	CHECK_INT(write_file(path, NULL, data, n, n, &c), 0);
	CHECK_STR(a.sha256, b.sha256);
	CHECK_STR(a.sha256, c.sha256);
	CHECK_INT(a.gz_bytes, b.gz_bytes);
	check_file(path, data, n, &c);
	unlink(path);
	free(data);
}

static void test_abort(void)
{
	char path[4200], tmp[4300], *data = make_text(ZSINK_BLOCK + 10);
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct zsink_stats st;
	struct bs_err err;
	struct zsink *z;
	int t;

	snprintf(path, sizeof(path), "%s/abort.gz", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (t = 0; t <= 1; t++) {
		o.threaded = t;
		z = zsink_open(path, &o, &err);
		CHECK(z != NULL);
		CHECK_INT(zsink_write(z, data, ZSINK_BLOCK + 10, &err), 0);
		CHECK_INT(zsink_raw_bytes(z), ZSINK_BLOCK + 10);
		CHECK(exists(tmp));
		zsink_abort(z);
		CHECK(!exists(tmp));
		CHECK(!exists(path));
	}
	/* an abort leaves an earlier complete file under the name alone */
	CHECK_INT(write_file(path, NULL, "old\n", 4, 4, &st), 0);
	z = zsink_open(path, NULL, &err);
	CHECK(z != NULL);
	CHECK_INT(zsink_write(z, data, 100, &err), 0);
	zsink_abort(z);
	check_file(path, "old\n", 4, &st);
	unlink(path);
	zsink_abort(NULL);
	free(data);
}

static void test_errors(void)
{
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct bs_err err;
	char path[4200];

	bs_err_clear(&err);
	CHECK(zsink_open("/nonexistent-dir/x.gz", NULL, &err) == NULL);
	CHECK_INT(err.kind, BS_E_IO);
	CHECK_STR(err.file, "/nonexistent-dir/x.gz.tmp");
	CHECK_CONTAINS(err.msg, "cannot create");

	CHECK_INT(zsink_opts_parse(&o, "zlib:9", &err), 0);
	CHECK_INT(o.codec, ZSINK_ZLIB);
	CHECK_INT(o.level, 9);
	CHECK_INT(zsink_opts_parse(&o, "isal", &err), 0);
	CHECK_INT(o.codec, ZSINK_ISAL);
	CHECK_INT(o.level, ZSINK_LEVEL_DEFAULT);
	CHECK_INT(zsink_opts_parse(&o, "isal:4", &err), -1);
	CHECK_INT(err.kind, BS_E_CONFIG);
	CHECK_CONTAINS(err.msg, "'isal:4'");
	CHECK_INT(zsink_opts_parse(&o, "zlib:0", &err), -1);
	CHECK_INT(zsink_opts_parse(&o, "zlib:", &err), -1);
	CHECK_INT(zsink_opts_parse(&o, "zstd", &err), -1);
	CHECK_CONTAINS(err.msg, "unknown compression 'zstd'");

	o.codec = ZSINK_ZLIB;
	o.level = 0;
	snprintf(path, sizeof(path), "%s/bad.gz", dir);
	CHECK(zsink_open(path, &o, &err) == NULL);
	CHECK_INT(err.kind, BS_E_CONFIG);
	CHECK(!exists(path));
}

/* A failing write(2) (file size limit) is reported, on either thread, and
 * nothing is left behind. */
static void test_write_error(void)
{
	size_t n = 3 * ZSINK_BLOCK, i;
	unsigned char *noise = malloc(n);
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct rlimit old, lim;
	struct bs_err err;
	struct zsink *z;
	char path[4200], tmp[4300];
	uint32_t x = 7;
	int t, rc;

	for (i = 0; noise && i < n; i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (unsigned char)(x >> 23);
	}
	snprintf(path, sizeof(path), "%s/full.gz", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	for (t = 0; t <= 1; t++) {
		o.threaded = t;
		z = zsink_open(path, &o, &err);
		CHECK(z != NULL);
		lim = old;
		lim.rlim_cur = 100000;
		setrlimit(RLIMIT_FSIZE, &lim);
		bs_err_clear(&err);
		rc = zsink_write(z, noise, n, &err);
		if (rc == 0)
			rc = zsink_close(z, NULL, &err);
		else
			zsink_abort(z);
		setrlimit(RLIMIT_FSIZE, &old);
		CHECK_INT(rc, -1);
		CHECK_INT(err.kind, BS_E_IO);
		CHECK_STR(err.file, path);
		CHECK_CONTAINS(err.msg, "cannot write: File too large");
		CHECK(!exists(tmp));
		CHECK(!exists(path));
	}
	signal(SIGXFSZ, SIG_DFL);
	free(noise);
}

static void test_sync(void)
{
	struct zsink_opts o = ZSINK_OPTS_INIT;
	struct zsink_stats st;
	char path[4200];

	o.sync = 1;
	snprintf(path, sizeof(path), "%s/sync.gz", dir);
	CHECK_INT(write_file(path, &o, "a,b\n", 4, 4, &st), 0);
	check_file(path, "a,b\n", 4, &st);
	unlink(path);
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_roundtrip_all_codecs);
	RUN(test_deterministic);
	RUN(test_abort);
	RUN(test_errors);
	RUN(test_write_error);
	RUN(test_sync);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
