/* fuzz_csv.c - the CSV reader (formats/csvr.c through rowsrc.h): any bytes
 * as a .csv file, read to the end twice, with tiny limits (so every cap is
 * reached) and with the defaults; every row is checked against its
 * limits. */
#include <assert.h>
#include <string.h>

#include "formats/input.h"
#include "formats/rowsrc.h"
#include "fuzz.h"

static void read_all(const uint8_t *data, size_t size,
		     const struct rowsrc_limits *lim, size_t chunk)
{
	struct bs_err err;
	struct input *in = input_open_mem("f.csv", data, size, chunk, &err);
	struct rowsrc *rs = in ? rowsrc_open_input(in, "f.csv", lim, &err) : NULL;
	struct rowsrc_row row;
	const char *const *names;
	size_t n, i;
	int r;

	if (!rs)
		return;
	n = rowsrc_header(rs, &names);
	for (i = 0; i < n; i++)
		assert(names[i] && names[i][0]);
	while ((r = rowsrc_next(rs, &row, &err)) == ROWSRC_ROW ||
	       r == ROWSRC_BAD) {
		if (r == ROWSRC_BAD)
			continue;
		assert(row.n == n);
		for (i = 0; i < row.n; i++) {
			assert(row.v[i].s[row.v[i].len] == '\0');
			assert(!lim || row.v[i].len <= lim->max_field);
		}
	}
	rowsrc_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rowsrc_limits tiny = {
		.max_field = 16, .max_record = 64, .max_columns = 8
	};

	read_all(data, size, &tiny, 3);
	read_all(data, size, NULL, 0);
	return 0;
}
