/* out.c - buffered CSV output files, optionally through a gzip child
 * (out.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "money.h"
#include "out.h"

#define GEN_OUT_BUF (1u << 20)        /* bytes buffered per output file */
#define GEN_PATH_MAX 4096
#define GEN_GZIP_LEVEL "-1"           /* fast: gzip runs beside us on the other core */

struct out {
	int fd;
	pid_t child;          /* gzip compressing our pipe, or 0 */
	char *buf;
	size_t len;
	uint64_t rows;
	int err;              /* errno of the first failure; sticky */
	char path[GEN_PATH_MAX];
};

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	o->len = 0;
}

void put_mem(struct out *o, const char *s, size_t n)
{
	if (o->len + n > GEN_OUT_BUF) {
		out_flush(o);
		if (n > GEN_OUT_BUF) {      /* cannot happen: fields are bounded */
			o->err = EOVERFLOW;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void put_ch(struct out *o, char c)
{
	if (o->len == GEN_OUT_BUF)
		out_flush(o);
	o->buf[o->len++] = c;
}

void put_str(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

void put_text(struct out *o, const char *s, size_t n)
{
	size_t i;

	if (!memchr(s, '"', n) && !memchr(s, ',', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		put_mem(o, s, n);
		return;
	}
	put_ch(o, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			put_ch(o, '"');
		put_ch(o, s[i]);
	}
	put_ch(o, '"');
}

void put_cstr(struct out *o, const char *s)
{
	if (s)
		put_text(o, s, strlen(s));
}

void put_u64(struct out *o, uint64_t v)
{
	char b[24], *p = b + sizeof b;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(o, p, (size_t)(b + sizeof b - p));
}

void put_dec(struct out *o, int64_t v, int vscale, int mindec)
{
	char b[32];

	put_mem(o, b, fmt_dec(b, v, vscale, mindec));
}

void put_money(struct out *o, int64_t v6, int scale)
{
	put_dec(o, v6, 6, scale);
}

void put_ts(struct out *o, int64_t t, enum tstyle st)
{
	char b[32];

	if (t)
		put_mem(o, b, fmt_ts(b, t, st));
}

void put_sep(struct out *o)
{
	put_ch(o, ',');
}

void end_row(struct out *o)
{
	put_ch(o, '\n');
	o->rows++;
}

int mkdirs(const char *dir)
{
	char p[GEN_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

int out_open(struct out *o, const char *dir, const char *name, int gzip)
{
	int fd, p[2];
	int n = snprintf(o->path, sizeof o->path, "%s/%s.csv%s", dir, name,
			 gzip ? ".gz" : "");

	o->fd = -1;
	o->child = 0;
	o->len = 0;
	o->rows = 0;
	o->err = 0;
	o->buf = NULL;
	if (n < 0 || (size_t)n >= sizeof o->path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	o->fd = fd;
	if (gzip) {
		if (pipe(p) < 0)
			return -1;
		fcntl(p[1], F_SETFD, FD_CLOEXEC);   /* later gzips must not hold it */
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
		o->child = fork();
		if (o->child < 0) {
			close(p[0]);
			close(p[1]);
			return -1;
		}
		if (o->child == 0) {
			if (dup2(p[0], 0) < 0 || dup2(fd, 1) < 0)
				_exit(127);
			execlp("gzip", "gzip", "-c", "-n", GEN_GZIP_LEVEL, (char *)NULL);
			_exit(127);
		}
		close(p[0]);
		close(fd);
		o->fd = p[1];
	}
	o->buf = malloc(GEN_OUT_BUF);
	if (!o->buf) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int out_close(struct out *o)
{
	int status, err;

	if (o->fd >= 0) {
		out_flush(o);
		if (close(o->fd) < 0 && !o->err)
			o->err = errno;
		o->fd = -1;
	}
	if (o->child > 0) {
		while (waitpid(o->child, &status, 0) < 0 && errno == EINTR)
			;
		if (!o->err && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
			o->err = EIO;
		o->child = 0;
	}
	free(o->buf);
	o->buf = NULL;
	err = o->err;
	errno = err;
	return err ? -1 : 0;
}

struct out *out_new(void)
{
	struct out *o = calloc(1, sizeof *o);

	if (o)
		o->fd = -1;
	return o;
}

void out_free(struct out *o)
{
	if (!o)
		return;
	out_close(o);
	free(o);
}

const char *out_path(const struct out *o)
{
	return o->path;
}

uint64_t out_rows(const struct out *o)
{
	return o->rows;
}
