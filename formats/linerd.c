/* linerd.c - physical lines out of a byte stream, through one fixed buffer
 * (see linerd.h). */
#include "linerd.h"

#include <stdlib.h>
#include <string.h>

/* Bytes read from the input at a time. */
#define LINERD_BUF ((size_t)64 << 10)

struct linerd {
	struct input *in;
	const volatile sig_atomic_t *stop;   /* may be NULL */
	size_t pos, end;        /* unread bytes are buf[pos..end) */
	unsigned long lineno;   /* line of the next piece */
	unsigned long cur;      /* line of the piece last returned */
	int started;            /* the byte order mark was looked for */
	int eof;                /* the input has no more bytes */
	int open_line;          /* part of the current line was returned */
	int failed;             /* a read failed: err is in sticky */
	struct bs_err sticky;
	char buf[LINERD_BUF];
};

struct linerd *linerd_new(struct input *in, const volatile sig_atomic_t *stop,
			  struct bs_err *err)
{
	struct linerd *lr = malloc(sizeof(*lr));

	if (!lr) {
		input_free(in);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	lr->in = in;
	lr->stop = stop;
	lr->pos = lr->end = 0;
	lr->lineno = 1;
	lr->cur = 0;
	lr->started = lr->eof = lr->open_line = lr->failed = 0;
	bs_err_clear(&lr->sticky);
	return lr;
}

/* Appends what the input gives to buf[end..); -1 on a read error or
 * when asked to stop. */
static int fill(struct linerd *lr, struct bs_err *err)
{
	ssize_t r;

	if (lr->stop && *lr->stop)
		r = bs_err_at(err, BS_E_LIMIT, input_name(lr->in), 0,
			      "interrupted");
	else
		r = input_read(lr->in, lr->buf + lr->end, LINERD_BUF - lr->end,
			       err);
	if (r < 0) {
		lr->failed = 1;
		if (err)
			lr->sticky = *err;
		return -1;
	}
	if (r == 0)
		lr->eof = 1;
	lr->end += (size_t)r;
	return 0;
}

/* Reads the first bytes and drops a byte order mark. */
static int start(struct linerd *lr, struct bs_err *err)
{
	while (lr->end < 3 && !lr->eof)
		if (fill(lr, err) < 0)
			return -1;
	if (lr->end >= 3 && memcmp(lr->buf, "\xEF\xBB\xBF", 3) == 0)
		lr->pos = 3;
	lr->started = 1;
	return 0;
}

int linerd_next(struct linerd *lr, const char **p, size_t *n, int *eol,
		struct bs_err *err)
{
	char *s, *nl;

	if (lr->failed) {
		if (err)
			*err = lr->sticky;
		return -1;
	}
	if (!lr->started && start(lr, err) < 0)
		return -1;
	if (lr->pos == lr->end) {
		lr->pos = lr->end = 0;
		if (!lr->eof && fill(lr, err) < 0)
			return -1;
		if (lr->pos == lr->end) {
			if (!lr->open_line)
				return 0;
			lr->open_line = 0;          /* last line, no '\n' */
			lr->cur = lr->lineno++;
			*p = lr->buf;
			*n = 0;
			*eol = 1;
			return 1;
		}
	}
	s = lr->buf + lr->pos;
	*p = s;
	lr->cur = lr->lineno;
	nl = memchr(s, '\n', lr->end - lr->pos);
	if (nl) {
		*n = (size_t)(nl - s);
		lr->pos += *n + 1;
		lr->lineno++;
		lr->open_line = 0;
		*eol = 1;
	} else {
		*n = lr->end - lr->pos;
		lr->pos = lr->end;
		lr->open_line = 1;
		*eol = 0;
	}
	return 1;
}

int linerd_keep(struct sbuf *sb, const char *p, size_t n, int *cut)
{
	size_t room = sb->max - sb->len;

	if (*cut)
		return 0;
	if (n > room) {
		n = room;
		*cut = 1;
	}
	return sbuf_add(sb, p, n);
}

void linerd_chomp(struct sbuf *sb, size_t max, int *cut)
{
	if (*cut)
		return;
	if (sb->len && sb->buf[sb->len - 1] == '\r')
		sb->buf[--sb->len] = '\0';
	if (sb->len > max)
		*cut = 1;
}

unsigned long linerd_lineno(const struct linerd *lr)
{
	return lr->cur;
}

unsigned long long linerd_position(const struct linerd *lr)
{
	return input_position(lr->in);
}

const char *linerd_name(const struct linerd *lr)
{
	return input_name(lr->in);
}

void linerd_free(struct linerd *lr)
{
	if (!lr)
		return;
	input_free(lr->in);
	free(lr);
}
