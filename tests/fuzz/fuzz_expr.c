/* fuzz_expr.c - the expression parser and evaluator (etl/map/expr_*.c):
 * the first line is a [fields] expression, or a [filter] condition when it
 * starts with "if "; the lines after it are the row's values (fuzz_row.h),
 * given to the columns in the order the parser meets them. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "fuzz.h"
#include "fuzz_row.h"
#include "map/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_row row;
	struct expr_columns cols = { fuzz_row_resolve, &row };
	struct arena parse, eval;
	struct bs_value out;
	struct bs_err err;
	char *text = fuzz_text(data, size), *nl;
	int truth;

	if (!text)
		return 0;
	nl = strchr(text, '\n');
	if (nl)
		*nl++ = '\0';
	fuzz_row_read(&row, nl);
	arena_init(&parse, 0);
	arena_init(&eval, 0);
	if (!strncmp(text, "if ", 3)) {
		struct cond *c = cond_parse(text + 3, &parse, &cols, &err);

		if (c && cond_eval(c, row.v, &eval, &truth, &err) == 0)
			assert(truth == 0 || truth == 1);
		cond_free(c);
	} else {
		struct expr *e = expr_parse(text, &parse, &cols, &err);

		if (e && expr_eval(e, row.v, &eval, &out, &err) == 0)
			assert(out.s && out.s[out.len] == '\0');
		expr_free(e);
	}
	arena_release(&eval);
	arena_release(&parse);
	free(text);
	return 0;
}
