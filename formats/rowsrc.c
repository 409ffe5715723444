/* rowsrc.c - picks the CSV or JSON-lines reader for an entry and forwards
 * to it (see rowsrc.h). */
#include "rowsrc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvr.h"
#include "input.h"
#include "jsonlr.h"
#include "linerd.h"

struct rowsrc {
	struct csvr *csv;       /* exactly one of these is set */
	struct jsonlr *jl;
	int state;              /* ROWSRC_ROW until DONE or ERROR, which stay */
	struct bs_err sticky;   /* the error, once state is ROWSRC_ERROR */
};

/* 1 for CSV, 2 for JSON lines, 0 when the name says neither. */
static int format_of(const char *name)
{
	static const char *const json_ext[] = { ".jsonl", ".ndjson", ".json" };
	size_t n = strlen(name), i, m;

	if (n >= 3 && strcasecmp(name + n - 3, ".gz") == 0)
		n -= 3;
	if (n >= 4 && strncasecmp(name + n - 4, ".csv", 4) == 0)
		return 1;
	for (i = 0; i < sizeof(json_ext) / sizeof(json_ext[0]); i++) {
		m = strlen(json_ext[i]);
		if (n >= m && strncasecmp(name + n - m, json_ext[i], m) == 0)
			return 2;
	}
	return 0;
}

struct rowsrc *rowsrc_open_input(struct input *in, const char *format_name,
				 const struct rowsrc_limits *lim,
				 struct bs_err *err)
{
	struct rowsrc_limits l = {
		ROWSRC_MAX_FIELD_DEFAULT, ROWSRC_MAX_RECORD_DEFAULT,
		ROWSRC_MAX_COLUMNS_DEFAULT, NULL
	};
	int format = format_of(format_name);
	struct linerd *lr;
	struct rowsrc *rs;

	if (!format) {
		bs_err_at(err, BS_E_INPUT, input_name(in), 0,
			  "unknown format: expected a name ending in .csv, "
			  ".jsonl, .ndjson or .json (optionally .gz)");
		input_free(in);
		return NULL;
	}
	if (lim && lim->max_field)
		l.max_field = lim->max_field;
	if (lim && lim->max_record)
		l.max_record = lim->max_record;
	if (lim && lim->max_columns)
		l.max_columns = lim->max_columns;
	if (lim)
		l.stop = lim->stop;
	rs = calloc(1, sizeof(*rs));
	if (!rs) {
		input_free(in);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	rs->state = ROWSRC_ROW;
	lr = linerd_new(in, l.stop, err);
	if (lr && format == 1)
		rs->csv = csvr_new(lr, &l, err);
	else if (lr)
		rs->jl = jsonlr_new(lr, &l, err);
	if (!rs->csv && !rs->jl) {
		free(rs);
		return NULL;
	}
	return rs;
}

struct rowsrc *rowsrc_open(const char *path, const char *member,
			   const struct rowsrc_limits *lim, struct bs_err *err)
{
	struct input *in = input_open(path, member, err);

	if (!in)
		return NULL;
	return rowsrc_open_input(in, member ? member : path, lim, err);
}

struct rowsrc *rowsrc_open_stream(FILE *f, const char *path,
				  const struct rowsrc_limits *lim,
				  struct bs_err *err)
{
	struct input *in = input_open_stream(f, path, err);

	if (!in)
		return NULL;
	return rowsrc_open_input(in, path, lim, err);
}

size_t rowsrc_header(const struct rowsrc *rs, const char *const **names)
{
	if (rs->csv)
		return csvr_header(rs->csv, names);
	if (names)
		*names = NULL;
	return 0;
}

int rowsrc_select(struct rowsrc *rs, const char *const *cols, size_t n,
		  struct bs_err *err)
{
	if (rs->csv)
		return csvr_select(rs->csv, cols, n, err);
	return jsonlr_select(rs->jl, cols, n, err);
}

int rowsrc_next(struct rowsrc *rs, struct rowsrc_row *row, struct bs_err *err)
{
	int r;

	if (rs->state != ROWSRC_ROW) {
		if (rs->state == ROWSRC_ERROR && err)
			*err = rs->sticky;
		return rs->state;
	}
	r = rs->csv ? csvr_next(rs->csv, row, err)
		    : jsonlr_next(rs->jl, row, err);
	if (r == ROWSRC_ERROR || r == ROWSRC_DONE) {
		rs->state = r;
		if (r == ROWSRC_ERROR && err)
			rs->sticky = *err;
	}
	return r;
}

const char *rowsrc_name(const struct rowsrc *rs)
{
	return rs->csv ? csvr_name(rs->csv) : jsonlr_name(rs->jl);
}

unsigned long long rowsrc_position(const struct rowsrc *rs)
{
	return rs->csv ? csvr_position(rs->csv) : jsonlr_position(rs->jl);
}

void rowsrc_free(struct rowsrc *rs)
{
	if (!rs)
		return;
	csvr_free(rs->csv);
	jsonlr_free(rs->jl);
	free(rs);
}
