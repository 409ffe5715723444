/*
 * csvr.h - the CSV half of rowsrc.h: RFC 4180 records through libcsv.
 *
 * Records are assembled line by line (linerd.h), so each knows the line it
 * starts on: a record goes on over line ends inside double quotes; blank
 * lines between records are skipped but counted; a record ends at LF or
 * CRLF.  A CR elsewhere is data, but not in the header: a CR there means
 * lines that end with CR alone, which is refused as such.  Fields are
 * taken as they are: spaces around them are kept; an empty field, quoted
 * or not, is BS_V_NULL; a field holding a NUL byte rejects its record.
 * The first non-blank record is the header: its names must be non-empty,
 * distinct, and not begin with a byte order mark (a second one).
 *
 * Semantics, limits and statuses are those of rowsrc.h, which calls this
 * and keeps ROWSRC_DONE and ROWSRC_ERROR once returned (csvr_next is not
 * called again after them).  Without csvr_select before the first
 * csvr_next, a row carries every header column in header order.
 */
#ifndef CSVR_H
#define CSVR_H

#include <stddef.h>

#include "bs_err.h"
#include "linerd.h"
#include "row.h"

struct csvr;

/* Reads the header from lr, which the reader owns from now on (freed by
 * csvr_free, or here on failure).  lim must be complete (no zero fields). */
struct csvr *csvr_new(struct linerd *lr, const struct rowsrc_limits *lim,
		      struct bs_err *err);
size_t csvr_header(const struct csvr *c, const char *const **names);
int csvr_select(struct csvr *c, const char *const *cols, size_t n,
		struct bs_err *err);
int csvr_next(struct csvr *c, struct rowsrc_row *row, struct bs_err *err);
/* Bytes consumed of the file on disk (input_position). */
unsigned long long csvr_position(const struct csvr *c);
const char *csvr_name(const struct csvr *c);
void csvr_free(struct csvr *c);

#endif
