/* fuzz_jsonl.c - the JSON-lines reader (formats/jsonlr.c through
 * rowsrc.h): any bytes as a .jsonl file, with a few column paths (plain,
 * nested, through an array), read to the end with tiny limits and with the
 * defaults. */
#include <assert.h>

#include "formats/input.h"
#include "formats/rowsrc.h"
#include "fuzz.h"

static void read_all(const uint8_t *data, size_t size,
		     const struct rowsrc_limits *lim, size_t chunk)
{
	static const char *const cols[] = { "id", "a.b", "a.b.c", "x", "" };
	struct bs_err err;
	struct input *in = input_open_mem("f.jsonl", data, size, chunk, &err);
	struct rowsrc *rs = in ? rowsrc_open_input(in, "f.jsonl", lim, &err)
			       : NULL;
	struct rowsrc_row row;
	size_t i;
	int r;

	if (!rs)
		return;
	/* an empty path is refused; the four others are taken */
	assert(rowsrc_select(rs, cols, 5, &err) == -1);
	if (rowsrc_select(rs, cols, 4, &err) != 0) {
		rowsrc_free(rs);
		return;
	}
	while ((r = rowsrc_next(rs, &row, &err)) == ROWSRC_ROW ||
	       r == ROWSRC_BAD) {
		if (r == ROWSRC_BAD)
			continue;
		assert(row.n == 4);
		for (i = 0; i < row.n; i++)
			assert(row.v[i].s[row.v[i].len] == '\0');
	}
	rowsrc_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rowsrc_limits tiny = {
		.max_field = 16, .max_record = 64, .max_columns = 8
	};

	read_all(data, size, &tiny, 5);
	read_all(data, size, NULL, 0);
	return 0;
}
