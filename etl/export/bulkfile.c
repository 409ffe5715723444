/* bulkfile.c - bulk files as streamed upload bodies, and copies of some of
 * their rows (see bulkfile.h). */
#include "bulkfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/gunzip.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"
#include "formats/zsink.h"

/* Bytes of rows gathered before they go to the gzip stream at once. */
#define COPY_FLUSH ((size_t)64 * 1024)

struct bulkfile_body {
	char *path;
	int gunzip;           /* decompress while reading */
	int gzip_bytes;       /* the bytes sent are gzip */
	int fd;
	struct gunzip *gz;
	long long len;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int body_open(struct bulkfile_body *b, struct bs_err *err)
{
	if (b->gunzip) {
		b->gz = gunzip_open(b->path, b->path, err);
		return b->gz ? 0 : -1;
	}
	b->fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return bs_err_set(err, BS_E_IO, "cannot open '%s': %s", b->path,
				  strerror(errno));
	return 0;
}

static void body_close(struct bulkfile_body *b)
{
	gunzip_free(b->gz);
	b->gz = NULL;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* The decompressed length, by reading the file once. */
static int measure(struct bulkfile_body *b, struct bs_err *err)
{
	char buf[64 * 1024];
	ssize_t n;

	b->len = 0;
	while ((n = gunzip_read(b->gz, buf, sizeof(buf), err)) > 0)
		b->len += n;
	if (n < 0)
		return -1;
	return bulkfile_body_rewind(b, err);
}

struct bulkfile_body *bulkfile_body_open(const char *path, int want_gzip,
					 struct bs_err *err)
{
	struct bulkfile_body *b = calloc(1, sizeof(*b));
	struct stat st;
	int gz_file = ends_with(path, ".gz");

	if (!b || !(b->path = strdup(path))) {
		free(b);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	b->fd = -1;
	b->gunzip = gz_file && !want_gzip;
	b->gzip_bytes = gz_file && want_gzip;
	if (body_open(b, err) < 0)
		goto fail;
	if (b->gunzip) {
		if (measure(b, err) < 0)
			goto fail;
	} else {
		if (fstat(b->fd, &st) != 0) {
			bs_err_set(err, BS_E_IO, "cannot read '%s': %s", path,
				   strerror(errno));
			goto fail;
		}
		b->len = (long long)st.st_size;
	}
	return b;
fail:
	bulkfile_body_free(b);
	return NULL;
}

int bulkfile_body_gzip(const struct bulkfile_body *b)
{
	return b->gzip_bytes;
}

long long bulkfile_body_len(const struct bulkfile_body *b)
{
	return b->len;
}

ssize_t bulkfile_body_read(void *ctx, void *buf, size_t n, struct bs_err *err)
{
	struct bulkfile_body *b = ctx;
	ssize_t got;

	if (b->gunzip)
		return gunzip_read(b->gz, buf, n, err);
	do
		got = read(b->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return bs_err_set(err, BS_E_IO, "cannot read '%s': %s", b->path,
				  strerror(errno));
	return got;
}

int bulkfile_body_rewind(struct bulkfile_body *b, struct bs_err *err)
{
	body_close(b);
	return body_open(b, err);
}

void bulkfile_body_free(struct bulkfile_body *b)
{
	if (!b)
		return;
	body_close(b);
	free(b->path);
	free(b);
}

/* Where bulkfile_copy_rows writes: a plain file or a gzip stream. */
struct copy_out {
	FILE *f;
	struct zsink *z;
	struct sbuf buf;              /* bytes not yet given to z */
};

static int out_flush(struct copy_out *o, struct bs_err *err)
{
	if (!o->z || !o->buf.len)
		return 0;
	if (zsink_write(o->z, o->buf.buf, o->buf.len, err) < 0)
		return -1;
	sbuf_reset(&o->buf);
	return 0;
}

static int out_put(struct copy_out *o, const char *s, size_t n,
		   struct bs_err *err)
{
	if (!o->z) {
		if (n && fwrite(s, 1, n, o->f) != n)
			return bs_err_set(err, BS_E_IO, "%s", strerror(errno));
		return 0;
	}
	if (sbuf_add(&o->buf, s, n) < 0)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return o->buf.len >= COPY_FLUSH ? out_flush(o, err) : 0;
}

/* Writes the header names as a CSV record (field API names never need
 * quoting, but a name that would is quoted). */
static int write_header(struct copy_out *o, const char *const *names,
			size_t n, struct bs_err *err)
{
	const char *p;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (i)
			rc = out_put(o, ",", 1, err);
		if (rc == 0 && !strpbrk(names[i], ",\"\r\n")) {
			rc = out_put(o, names[i], strlen(names[i]), err);
			continue;
		}
		if (rc == 0)
			rc = out_put(o, "\"", 1, err);
		for (p = names[i]; rc == 0 && *p; p++) {
			if (*p == '"')
				rc = out_put(o, "\"", 1, err);
			if (rc == 0)
				rc = out_put(o, p, 1, err);
		}
		if (rc == 0)
			rc = out_put(o, "\"", 1, err);
	}
	return rc == 0 ? out_put(o, "\n", 1, err) : rc;
}

int bulkfile_copy_rows(const char *src, const char *key_field,
		       bulkfile_want_fn want, void *ctx, const char *dst,
		       unsigned long long *rows, struct bs_err *err)
{
	struct rowsrc *rs = rowsrc_open(src, NULL, NULL, err);
	struct zsink_opts zo = ZSINK_OPTS_INIT;
	const char *const *names;
	struct copy_out o;
	struct rowsrc_row row;
	struct bs_err we;
	size_t n;
	int st, rc = -1;

	*rows = 0;
	memset(&o, 0, sizeof(o));
	sbuf_init(&o.buf, 0);
	bs_err_clear(&we);
	if (!rs)
		goto out;
	n = rowsrc_header(rs, &names);
	if (rowsrc_select(rs, &key_field, 1, err) < 0)
		goto out;
	if (ends_with(dst, ".gz")) {
		zo.threaded = 0;      /* a worker thread is busy enough */
		o.z = zsink_open(dst, &zo, err);
		if (!o.z)
			goto out;
	} else {
		o.f = fopen(dst, "w");
		if (!o.f) {
			bs_err_set(err, BS_E_IO, "cannot create '%s': %s", dst,
				   strerror(errno));
			goto out;
		}
	}
	if (write_header(&o, names, n, &we) < 0)
		goto write_failed;
	while ((st = rowsrc_next(rs, &row, err)) != ROWSRC_DONE) {
		if (st == ROWSRC_ERROR)
			goto out;
		if (st == ROWSRC_BAD || !want(ctx, row.v[0].s, row.v[0].len))
			continue;
		if (out_put(&o, row.raw, row.raw_len, &we) < 0 ||
		    out_put(&o, "\n", 1, &we) < 0)
			goto write_failed;
		(*rows)++;
	}
	bs_err_clear(err);
	if (o.z) {
		if (out_flush(&o, &we) < 0)
			goto write_failed;
		st = zsink_close(o.z, NULL, &we);
		o.z = NULL;           /* freed either way */
		if (st < 0)
			goto write_failed;
	} else {
		FILE *f = o.f;

		o.f = NULL;
		if (fclose(f) != 0) {
			bs_err_set(&we, BS_E_IO, "%s", strerror(errno));
			goto write_failed;
		}
	}
	rc = 0;
	goto out;
write_failed:
	bs_err_set(err, we.kind == BS_E_NOMEM ? BS_E_NOMEM : BS_E_IO,
		   "cannot write '%s': %s", dst, we.msg);
out:
	if (o.f)
		fclose(o.f);
	zsink_abort(o.z);
	sbuf_release(&o.buf);
	rowsrc_free(rs);
	return rc;
}
