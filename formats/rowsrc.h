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

#include "bs_err.h"

struct input;

enum bs_vkind {
	BS_V_NULL = 0,  /* empty CSV cell, JSON null or missing key */
	BS_V_TEXT,      /* CSV cell or JSON string */
	BS_V_NUMBER,    /* JSON number, exact source text */
	BS_V_BOOL,      /* JSON true/false, as "true"/"false" */
	BS_V_JSON       /* JSON object or array, compact text */
};

/* A value: s[0..len) with s[len] == '\0'.  For BS_V_NULL, s is "" and len 0. */
struct bs_value {
	const char *s;
	size_t len;
	enum bs_vkind kind;
};

struct rowsrc_limits {
	size_t max_field;   /* bytes in one value */
	size_t max_record;  /* bytes in one record (a CSV record or a JSON line) */
	size_t max_columns; /* columns in a CSV header / fields in a record */
};

#define ROWSRC_MAX_FIELD_DEFAULT ((size_t)1 << 20)    /* 1 MiB */
#define ROWSRC_MAX_RECORD_DEFAULT ((size_t)4 << 20)   /* 4 MiB */
#define ROWSRC_MAX_COLUMNS_DEFAULT ((size_t)2048)

/* One record.  Everything it points to stays valid until the next
 * rowsrc_next or rowsrc_free. */
struct rowsrc_row {
	const char *file;            /* entry display name */
	unsigned long line;          /* line where the record starts, 1-based */
	unsigned long long index;    /* 0-based record number within the entry */
	size_t n;                    /* number of selected columns */
	const struct bs_value *v;    /* v[i] is the i-th selected column */
	const char *raw;             /* the record as read (no line end) */
	size_t raw_len;
};

enum rowsrc_status {
	ROWSRC_ERROR = -1,  /* the stream cannot go on; err says why */
	ROWSRC_DONE = 0,    /* no more records */
	ROWSRC_ROW = 1,     /* *row is a record */
	ROWSRC_BAD = 2      /* this record is rejected: err says why; row->file,
			       line, raw are set, row->n may be 0 */
};

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
void rowsrc_free(struct rowsrc *rs);

#endif
