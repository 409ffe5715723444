/*
 * linerd.h - splits a byte stream into physical lines, for the row readers.
 *
 * The reader hands out each line in one or more pieces that point into its
 * fixed read buffer, so memory does not depend on line length: a caller
 * copies what it keeps, up to its own limit.  Lines end at '\n', which is
 * not part of any piece (a '\r' before it is: the caller decides what a
 * CR means).  A UTF-8 byte order mark at the very start of the stream is
 * dropped.  Line numbers are 1-based.
 */
#ifndef LINERD_H
#define LINERD_H

#include <signal.h>
#include <stddef.h>

#include "bs_err.h"
#include "input.h"
#include "sbuf.h"

struct linerd;

/* Reads from in, which the line reader owns from now on (it is freed by
 * linerd_free, or here on failure).  stop may be NULL; once *stop is
 * non-zero, the next read from in fails instead (BS_E_LIMIT,
 * "interrupted"), so a caller skipping blank lines or a long line is
 * stopped within one buffer of input. */
struct linerd *linerd_new(struct input *in, const volatile sig_atomic_t *stop,
			  struct bs_err *err);

/* The next piece of the current line: bytes (*p)[0..*n), valid until the
 * next call.  *eol is set when the piece ends its line (the last line of
 * the stream ends with a piece that has *eol set even without a final
 * '\n'; that piece may be empty).  Returns 1 for a piece, 0 at the end of
 * the stream, -1 on a read error (which stays: later calls fail again). */
int linerd_next(struct linerd *lr, const char **p, size_t *n, int *eol,
		struct bs_err *err);

/* The line number of the piece last returned. */
unsigned long linerd_lineno(const struct linerd *lr);

/* input_position of the input (see input.h). */
unsigned long long linerd_position(const struct linerd *lr);

/* The display name of the input. */
const char *linerd_name(const struct linerd *lr);

/* Appends p[0..n) to sb as far as sb's cap allows and sets *cut when not
 * all of it fitted; once *cut is set it appends nothing more.  Returns -1
 * only when out of memory.  This is how a reader keeps a line or record
 * without going over its limit. */
int linerd_keep(struct sbuf *sb, const char *p, size_t n, int *cut);

/* Ends a line kept with linerd_keep in sb, whose cap is max + 1 (room for
 * the CR of a line of max bytes): drops a final '\r', then sets *cut when
 * the line is over max bytes. */
void linerd_chomp(struct sbuf *sb, size_t max, int *cut);

/* Frees the reader and its input; linerd_free(NULL) does nothing. */
void linerd_free(struct linerd *lr);

#endif
