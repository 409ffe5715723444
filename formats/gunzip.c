/* gunzip.c - gzip decompression through zlib with every member's CRC-32
 * and length checked (see gunzip.h). */
#include "gunzip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Compressed bytes read from the file at a time. */
#define GUNZIP_BUF ((size_t)64 << 10)

struct gunzip {
	FILE *f;
	z_stream z;
	int z_live;                 /* z was initialised */
	int member_done;            /* between members: more may follow */
	int eof;                    /* the file has no more bytes */
	int done;                   /* the last member ended cleanly */
	int failed;
	unsigned long long raw;     /* bytes read from the file */
	struct bs_err sticky;
	char *name;
	unsigned char in[GUNZIP_BUF];
};

static int fail(struct gunzip *g, struct bs_err *err, enum bs_errkind kind,
		const char *msg)
{
	g->failed = 1;
	bs_err_at(&g->sticky, kind, g->name, 0, "%s", msg);
	if (err)
		*err = g->sticky;
	return -1;
}

static int corrupt(struct gunzip *g, struct bs_err *err)
{
	char msg[256];

	if (g->z.msg && strcmp(g->z.msg, "incorrect header check") == 0)
		return fail(g, err, BS_E_INPUT, "not in gzip format");
	snprintf(msg, sizeof(msg), "corrupt gzip data: %s",
		 g->z.msg ? g->z.msg : "invalid data");
	return fail(g, err, BS_E_INPUT, msg);
}

struct gunzip *gunzip_open(const char *path, const char *name,
			   struct bs_err *err)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		bs_err_at(err, BS_E_IO, name, 0, "cannot open: %s",
			  strerror(errno));
		return NULL;
	}
	return gunzip_open_stream(f, name, err);
}

struct gunzip *gunzip_open_stream(FILE *f, const char *name,
				  struct bs_err *err)
{
	struct gunzip *g = calloc(1, sizeof(*g));

	if (!g || !(g->name = strdup(name))) {
		free(g);
		fclose(f);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	g->f = f;
	/* 16 + MAX_WBITS: a gzip wrapper, whose trailer zlib checks */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		gunzip_free(g);
		return NULL;
	}
	g->z_live = 1;
	g->member_done = 1;         /* the file must start with a member */
	return g;
}

/* Makes compressed input available; 0 at the end of the file. */
static int refill(struct gunzip *g, struct bs_err *err)
{
	size_t n;

	if (g->z.avail_in)
		return 1;
	if (g->eof)
		return 0;
	n = fread(g->in, 1, sizeof(g->in), g->f);
	if (n == 0) {
		if (ferror(g->f))
			return fail(g, err, BS_E_IO, strerror(errno ? errno : EIO));
		g->eof = 1;
		return 0;
	}
	g->raw += n;
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)n;
	return 1;
}

/* At a member boundary: starts the next member, or ends the stream. */
static int next_member(struct gunzip *g, struct bs_err *err)
{
	int r = refill(g, err);

	if (r < 0)
		return -1;
	if (r == 0) {
		if (g->z.total_out == 0 && !g->done)
			return fail(g, err, BS_E_INPUT, "not in gzip format");
		g->done = 1;
		return 0;
	}
	if (g->z.next_in[0] != 0x1f)
		return fail(g, err, BS_E_INPUT,
			    g->done ? "data after the end of the gzip stream"
				    : "not in gzip format");
	if (g->done && inflateReset(&g->z) != Z_OK)
		return fail(g, err, BS_E_INPUT, "cannot restart gzip decoder");
	g->member_done = 0;
	return 1;
}

ssize_t gunzip_read(struct gunzip *g, void *buf, size_t n, struct bs_err *err)
{
	int r;

	if (g->failed) {
		if (err)
			*err = g->sticky;
		return -1;
	}
	if (n == 0)
		return 0;
	if (n > (size_t)1 << 30)
		n = (size_t)1 << 30;
	g->z.next_out = buf;
	g->z.avail_out = (uInt)n;
	while (g->z.avail_out == n) {
		if (g->member_done) {
			r = next_member(g, err);
			if (r <= 0)
				return r;
		}
		r = refill(g, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return fail(g, err, BS_E_INPUT,
				    "truncated gzip data (unexpected end of file)");
		r = inflate(&g->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			g->member_done = g->done = 1;
		} else if (r == Z_DATA_ERROR || r == Z_NEED_DICT) {
			return corrupt(g, err);
		} else if (r == Z_MEM_ERROR) {
			return fail(g, err, BS_E_NOMEM, "out of memory");
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			return fail(g, err, BS_E_INPUT, "corrupt gzip data");
		}
	}
	return (ssize_t)(n - g->z.avail_out);
}

unsigned long long gunzip_position(const struct gunzip *g)
{
	return g->raw - g->z.avail_in;
}

void gunzip_free(struct gunzip *g)
{
	if (!g)
		return;
	if (g->z_live)
		inflateEnd(&g->z);
	if (g->f)
		fclose(g->f);
	free(g->name);
	free(g);
}
