/*
 * sbuf.h - a growable byte buffer with a hard size cap.
 *
 * The contents are always NUL-terminated (the NUL is not counted in len).
 * Every append checks the cap given at init: going past it fails with -1
 * and leaves the buffer as it was, so a caller can report "too big" with
 * the data still intact.  An append that finds no memory fails with -1 too,
 * and that sticks: every later append fails and sbuf_detach returns NULL
 * until sbuf_reset, so a string built by several appends is either whole
 * or NULL, never short.  The struct is the caller's; its memory is released
 * by sbuf_release.  Pointers into buf are invalidated by any append.
 */
#ifndef SBUF_H
#define SBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "bs_err.h"

struct sbuf {
	char *buf;      /* NUL-terminated contents; never NULL after init */
	size_t len;     /* bytes used, NUL not counted */
	size_t alloc;   /* bytes allocated (0 while buf points at a static "") */
	size_t max;     /* cap on len; 0 means SBUF_DEFAULT_MAX */
	int nomem;      /* an append found no memory (until sbuf_reset) */
};

#define SBUF_DEFAULT_MAX ((size_t)1 << 30)
#define SBUF_INIT { NULL, 0, 0, 0, 0 }

void sbuf_init(struct sbuf *sb, size_t max);
void sbuf_release(struct sbuf *sb);
/* Keeps the allocation, empties the contents. */
void sbuf_reset(struct sbuf *sb);
/* 0 on success, -1 on out-of-memory or cap. */
int sbuf_add(struct sbuf *sb, const void *data, size_t len);
int sbuf_addc(struct sbuf *sb, char c);
int sbuf_adds(struct sbuf *sb, const char *s);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...) BS_PRINTF(2, 3);
int sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap) BS_PRINTF(2, 0);
/* 1 when an append found no memory since the last reset (the contents
 * may then be short), else 0: one check after a series of appends, before
 * buf is used without sbuf_detach. */
int sbuf_failed(const struct sbuf *sb);
/* Makes room for n more bytes without changing len. */
int sbuf_grow(struct sbuf *sb, size_t n);
/* Hands the malloc'd string to the caller (who frees it); re-inits sb.
 * NULL when memory ran out, here or in an append since the last reset. */
char *sbuf_detach(struct sbuf *sb, size_t *len);

#endif
