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

#include "../formats/gunzip.h"
#include "../formats/rowsrc.h"

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

/* Writes the header names as a CSV record (field API names never need
 * quoting, but a name that would is quoted); -1 on a write error. */
static int write_header(FILE *f, const char *const *names, size_t n)
{
	const char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			putc(',', f);
		if (!strpbrk(names[i], ",\"\r\n")) {
			fputs(names[i], f);
			continue;
		}
		putc('"', f);
		for (p = names[i]; *p; p++) {
			if (*p == '"')
				putc('"', f);
			putc(*p, f);
		}
		putc('"', f);
	}
	putc('\n', f);
	return ferror(f) ? -1 : 0;
}

int bulkfile_copy_rows(const char *src, const char *key_field,
		       bulkfile_want_fn want, void *ctx, const char *dst,
		       unsigned long long *rows, struct bs_err *err)
{
	struct rowsrc *rs = rowsrc_open(src, NULL, NULL, err);
	const char *const *names;
	struct rowsrc_row row;
	FILE *f = NULL;
	size_t n;
	int st, rc = -1;

	*rows = 0;
	if (!rs)
		return -1;
	n = rowsrc_header(rs, &names);
	if (rowsrc_select(rs, &key_field, 1, err) < 0)
		goto out;
	f = fopen(dst, "w");
	if (!f) {
		bs_err_set(err, BS_E_IO, "cannot create '%s': %s", dst,
			   strerror(errno));
		goto out;
	}
	if (write_header(f, names, n) < 0)
		goto write_failed;
	while ((st = rowsrc_next(rs, &row, err)) != ROWSRC_DONE) {
		if (st == ROWSRC_ERROR)
			goto out;
		if (st == ROWSRC_BAD || !want(ctx, row.v[0].s, row.v[0].len))
			continue;
		if (fwrite(row.raw, 1, row.raw_len, f) != row.raw_len ||
		    putc('\n', f) == EOF)
			goto write_failed;
		(*rows)++;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto write_failed;
	}
	f = NULL;
	rc = 0;
	goto out;
write_failed:
	bs_err_set(err, BS_E_IO, "cannot write '%s': %s", dst, strerror(errno));
out:
	if (f)
		fclose(f);
	rowsrc_free(rs);
	return rc;
}
