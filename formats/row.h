/*
 * row.h - what the row readers hand out: values, records, limits and
 * statuses.  rowsrc.h (the one reader callers use) and its two halves,
 * csvr.h and jsonlr.h, share them, so the halves need not include the
 * reader that calls them; rowsrc.h says what they mean.
 */
#ifndef ROW_H
#define ROW_H

#include <signal.h>
#include <stddef.h>

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
	/* A SIGINT/SIGTERM flag, or NULL: once *stop is non-zero, reading
	 * fails (ROWSRC_ERROR, BS_E_LIMIT "interrupted") within one read
	 * buffer (64 KiB of input), however many blank lines or however
	 * long a line that input holds. */
	const volatile sig_atomic_t *stop;
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

#endif
