/*
 * jsonlr.h - the JSON-lines half of rowsrc.h: one object per line, through
 * jansson, with numbers kept as their exact source text.
 *
 * Blank lines (nothing but spaces, tabs and a CR) are skipped but counted;
 * a line ends at LF or CRLF.  A column is a dotted path through nested
 * objects ("billing_address.country"); a key that itself holds a '.' cannot
 * be addressed, and a path through a value that is not an object gives
 * BS_V_NULL, as does a missing key or null.  Strings give BS_V_TEXT (an
 * empty string is an empty text, not a null); numbers BS_V_NUMBER with the
 * text as written ("1.5e-7", "-0", "1E400"); true/false BS_V_BOOL; objects
 * and arrays BS_V_JSON as compact text with their numbers as written
 * ({"a":1.5e-7,"b":[1,2.50]}) and strings in UTF-8.
 *
 * A bad row: a line over lim.max_record bytes, malformed JSON (jansson's
 * message and the column), a malformed number, a line that is not an
 * object, a key given twice, a string holding \u0000, a value over
 * lim.max_field bytes.  Semantics and statuses are those of rowsrc.h, which
 * calls this and keeps ROWSRC_DONE and ROWSRC_ERROR once returned
 * (jsonlr_next is not called again after them).  Without jsonlr_select a
 * row carries no columns.
 */
#ifndef JSONLR_H
#define JSONLR_H

#include <stddef.h>

#include "bs_err.h"
#include "linerd.h"
#include "row.h"

struct jsonlr;

/* Reads from lr, which the reader owns from now on (freed by jsonlr_free,
 * or here on failure).  lim must be complete (no zero fields). */
struct jsonlr *jsonlr_new(struct linerd *lr, const struct rowsrc_limits *lim,
			  struct bs_err *err);
/* A path is invalid (BS_E_CONFIG) when empty or with an empty step. */
int jsonlr_select(struct jsonlr *j, const char *const *paths, size_t n,
		  struct bs_err *err);
int jsonlr_next(struct jsonlr *j, struct rowsrc_row *row, struct bs_err *err);
/* Bytes consumed of the file on disk (input_position). */
unsigned long long jsonlr_position(const struct jsonlr *j);
const char *jsonlr_name(const struct jsonlr *j);
void jsonlr_free(struct jsonlr *j);

#endif
