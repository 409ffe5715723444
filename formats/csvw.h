/*
 * csvw.h - encode CSV records the way Salesforce Bulk API 2.0 reads them.
 *
 * A record is its fields joined by commas and ended by one LF.  A field is
 * written as is unless it holds a comma, a double quote, CR or LF; then it
 * is wrapped in double quotes with each quote doubled.  Bytes are copied
 * untouched (UTF-8 stays UTF-8; no BOM is ever written).  An empty value and
 * a BS_V_NULL value both give an empty cell: CSV cannot tell them apart, and
 * the caller writes "#N/A" itself where it means "set to null".
 *
 * CSVW_SPREADSHEET puts a "'" in front of a value starting with '=', '+',
 * '-', '@', TAB or CR so that a spreadsheet opening the file shows it as
 * text instead of running it as a formula.  It changes data, so it is only
 * for files people open (a CSV export of record statuses), never for files
 * sent to Salesforce.
 *
 * Encoding appends to a struct sbuf owned by the caller and allocates only
 * when the buffer grows, never per field.  When the buffer's cap would be
 * passed, the functions fail with BS_E_ROW ("record is larger than N
 * bytes"), or BS_E_NOMEM, and leave the buffer as it was before the call.
 */
#ifndef CSVW_H
#define CSVW_H

#include <stddef.h>

#include "bs_err.h"
#include "rowsrc.h"
#include "sbuf.h"

enum csvw_flags {
	CSVW_SPREADSHEET = 1 << 0  /* neutralise formula-looking cells */
};

/* Appends one field, quoted if needed, with no delimiter around it. */
int csvw_field(struct sbuf *out, const char *s, size_t len, unsigned flags,
	       struct bs_err *err);

/* Appends a record of n values (BS_V_NULL ones as empty cells) and an LF. */
int csvw_record(struct sbuf *out, const struct bs_value *v, size_t n,
		unsigned flags, struct bs_err *err);

/* Appends a record of n strings s[i] of len[i] bytes (len NULL: each s[i]
 * is NUL-terminated; s[i] NULL: an empty cell) and an LF.  Handy for header
 * rows of field names. */
int csvw_record_strs(struct sbuf *out, const char *const *s,
		     const size_t *len, size_t n, unsigned flags,
		     struct bs_err *err);

#endif
