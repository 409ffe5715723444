/* replay.c - a once-readable file whose head is kept and read again
 * (see replay.h); its streams are stdio cookie streams. */
#define _GNU_SOURCE   /* fopencookie */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct replay {
	int fd;
	const volatile sig_atomic_t *stop;   /* borrowed, or NULL */
	unsigned char *kept;   /* the bytes read from fd by peeks */
	size_t len, cap;
	int full;
};

/* One stream over a replay. */
struct cursor {
	struct replay *r;
	size_t pos;            /* the next kept byte to hand out */
	int peek;              /* keeps what it reads; else owns r */
};

struct replay *replay_open(const char *path,
			   const volatile sig_atomic_t *stop,
			   struct bs_err *err)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		bs_err_at(err, BS_E_IO, path, 0, "cannot open: %s",
			  strerror(errno));
		free(r);
		return NULL;
	}
	r->stop = stop;
	return r;
}

/* Waits until the file has bytes or its writer is gone, looking at the
 * stop flag every REPLAY_STOP_POLL_MS: -1 (errno EINTR) once it is set. */
static int wait_readable(const struct replay *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	int n;

	for (;;) {
		if (r->stop && *r->stop) {
			errno = EINTR;
			return -1;
		}
		n = poll(&p, 1, REPLAY_STOP_POLL_MS);
		if (n > 0)
			return 0;   /* bytes, end of file or an error: read says */
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Room for n more kept bytes; -1 when out of memory. */
static int reserve(struct replay *r, size_t n)
{
	size_t cap = r->cap ? r->cap : 64 << 10;
	unsigned char *p;

	while (cap - r->len < n)
		cap *= 2;
	if (cap == r->cap)
		return 0;
	if (!(p = realloc(r->kept, cap)))
		return -1;
	r->kept = p;
	r->cap = cap;
	return 0;
}

static ssize_t cursor_read(void *ctx, char *buf, size_t n)
{
	struct cursor *c = ctx;
	struct replay *r = c->r;
	ssize_t got;

	if (c->pos < r->len) {
		if (n > r->len - c->pos)
			n = r->len - c->pos;
		memcpy(buf, r->kept + c->pos, n);
		c->pos += n;
		return (ssize_t)n;
	}
	if (!c->peek && r->kept) {   /* the head is handed out: let it go */
		free(r->kept);
		r->kept = NULL;
		r->len = r->cap = c->pos = 0;
	}
	if (c->peek && r->len + n > REPLAY_HEAD_MAX) {
		n = REPLAY_HEAD_MAX - r->len;
		if (!n) {
			r->full = 1;
			errno = EFBIG;
			return -1;
		}
	}
	if (c->peek && reserve(r, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	do
		got = wait_readable(r) < 0 ? -1 : read(r->fd, buf, n);
	while (got < 0 && errno == EINTR && !(r->stop && *r->stop));
	if (got > 0 && c->peek) {
		memcpy(r->kept + r->len, buf, (size_t)got);
		r->len += (size_t)got;
		c->pos = r->len;
	}
	return got;
}

static int cursor_close(void *ctx)
{
	struct cursor *c = ctx;

	if (!c->peek)
		replay_free(c->r);
	free(c);
	return 0;
}

static FILE *stream(struct replay *r, int peek, struct bs_err *err)
{
	static const cookie_io_functions_t io = { cursor_read, NULL, NULL,
						  cursor_close };
	struct cursor *c = calloc(1, sizeof(*c));
	FILE *f = c ? fopencookie(c, "r", io) : NULL;

	if (!f) {
		free(c);
		if (!peek)
			replay_free(r);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	c->r = r;
	c->peek = peek;
	return f;
}

FILE *replay_peek(struct replay *r, struct bs_err *err)
{
	return stream(r, 1, err);
}

int replay_full(const struct replay *r)
{
	return r->full;
}

FILE *replay_finish(struct replay *r, struct bs_err *err)
{
	return stream(r, 0, err);
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->kept);
	free(r);
}
