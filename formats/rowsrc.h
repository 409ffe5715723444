/*
 * rowsrc.h - one streaming row reader over CSV and JSON lines.
 *
 * The format comes from the entry's name once a trailing .gz is dropped:
 * .csv is CSV (RFC 4180: header row, quoted commas, doubled quotes, line
 * breaks inside quotes, LF or CRLF, optional UTF-8 BOM); .jsonl, .ndjson
 * and .json are JSON lines (one object per line).  Bytes come from input.h,
 * so either may be plain, gzipped or inside an archive.
 *
 * A caller picks the columns it wants (rowsrc_select), then pulls rows.
 * For CSV a column is a header name.  For JSON lines it is a dotted path
 * into the object ("billing_address.country"); a missing key or JSON null
 * gives BS_V_NULL, strings their text, numbers their exact source text
 * (never through a double: "1.5e-7" stays "1.5e-7"), true/false as text,
 * and objects or arrays as compact JSON text.
 *
 * Memory is bounded by the limits: a field, a record and the column count
 * each have a cap.  A record that breaks one, has the wrong number of
 * fields, holds invalid UTF-8 or is malformed JSON is a bad row:
 * rowsrc_next returns ROWSRC_BAD with err naming file, line, field and
 * reason, and the next call goes on with the following record.  Errors that
 * end the stream (unreadable file, bad header, unterminated quote at the end
 * of the file) return ROWSRC_ERROR.
 */
#ifndef ROWSRC_H
#define ROWSRC_H

#include <stddef.h>
#include <stdio.h>

#include "bs_err.h"
#include "row.h"

struct input;

struct rowsrc;

/* Opens path, or the member of the archive at path.  lim NULL = defaults
 * (and so does a zero field in it).  For CSV the header row is read here
 * (an empty file or a bad header is an error).  A name whose format is not
 * known is a BS_E_INPUT error. */
struct rowsrc *rowsrc_open(const char *path, const char *member,
			   const struct rowsrc_limits *lim, struct bs_err *err);

/* Like rowsrc_open over an input already open (input_open_mem in tests):
 * the reader owns in from now on, and frees it with itself or here on
 * failure.  format_name picks the format as above ("x.csv", "x.jsonl.gz");
 * rows and errors carry input_name(in). */
struct rowsrc *rowsrc_open_input(struct input *in, const char *format_name,
				 const struct rowsrc_limits *lim,
				 struct bs_err *err);

/* Like rowsrc_open over a stream whose bytes are the plain or gzipped
 * file at path (a FIFO's: replay.h, input_open_stream); the reader owns f
 * from now on, and closes it with itself or here on failure. */
struct rowsrc *rowsrc_open_stream(FILE *f, const char *path,
				  const struct rowsrc_limits *lim,
				  struct bs_err *err);

/* CSV: the header names (count returned); JSON lines: 0 and NULL. */
size_t rowsrc_header(const struct rowsrc *rs, const char *const **names);

/* Chooses the columns every row will carry, in this order.  Must be called
 * once before the first rowsrc_next.  For CSV, a name missing from the
 * header is a BS_E_CONFIG error that names it (with a did-you-mean hint when
 * a header name is close), located at the file and line of the header.
 * (Left out, a CSV row carries every header column and a JSON-lines row
 * none.) */
int rowsrc_select(struct rowsrc *rs, const char *const *cols, size_t n,
		  struct bs_err *err);

/* Next record; see enum rowsrc_status. */
int rowsrc_next(struct rowsrc *rs, struct rowsrc_row *row, struct bs_err *err);

const char *rowsrc_name(const struct rowsrc *rs);
/* How far reading has got in the file on disk, in bytes: compressed bytes
 * of a .gz or .tar.gz, the position in a .tar or .zip, the offset in a
 * plain file (input_position; read ahead by at most a buffer).  Against
 * the file's size it gives a percentage and an ETA.  Reads a counter. */
unsigned long long rowsrc_position(const struct rowsrc *rs);
void rowsrc_free(struct rowsrc *rs);

#endif
