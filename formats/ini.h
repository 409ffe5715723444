/*
 * ini.h - reader for the INI-style text of billsync.conf and the mapping files.
 *
 * The syntax, which docs/mappings.md explains to people:
 *   - `[section]` starts a section; names are taken as written;
 *   - `key = value` sets a key; both sides are trimmed; the first `=` splits;
 *   - `#` or `;` at the start of a line, or after white space outside double
 *     quotes, starts a comment that runs to the end of the line;
 *   - blank lines are ignored; a UTF-8 byte-order mark at the start is skipped;
 *   - anything else is an error naming the file and line.
 * A line may be at most INI_MAX_LINE bytes.  The reader keeps no state of its
 * own between calls and never prints.
 */
#ifndef INI_H
#define INI_H

#include <stddef.h>

#include "bs_err.h"

#define INI_MAX_LINE (64 * 1024)

struct ini_item {
	const char *file;      /* name given to ini_parse_* */
	unsigned long line;    /* 1-based */
	const char *section;   /* "" before the first [section] */
	const char *key;       /* NULL for a section header */
	const char *value;     /* NULL for a section header */
};

/* Called for every section header and every key; a non-zero return stops
 * parsing and is returned by ini_parse_* (err is left as the callback set
 * it).  Strings are valid only during the call. */
typedef int (*ini_fn)(void *ctx, const struct ini_item *item,
		      struct bs_err *err);

/* Parses the file at path; errors are BS_E_CONFIG (syntax) or BS_E_IO. */
int ini_parse_file(const char *path, ini_fn fn, void *ctx, struct bs_err *err);
/* Parses text in memory; name is used in items and errors. */
int ini_parse_buf(const char *name, const char *text, size_t len, ini_fn fn,
		  void *ctx, struct bs_err *err);

/* Like ini_parse_buf, but a syntax error does not stop parsing: it is
 * appended to errs and the next line is read.  A non-zero return from fn
 * still stops (with its error appended).  Returns the number of errors
 * appended. */
size_t ini_parse_buf_all(const char *name, const char *text, size_t len,
			 ini_fn fn, void *ctx, struct bs_errlist *errs);

/* Reads a whole file (at most INI_MAX_FILE bytes) into *text (caller frees). */
#define INI_MAX_FILE (16 * 1024 * 1024)
int ini_read_file(const char *path, char **text, size_t *len,
		  struct bs_err *err);

#endif
