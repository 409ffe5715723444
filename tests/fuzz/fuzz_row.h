/*
 * fuzz_row.h - a row of values for the expression and converter harnesses:
 * the lines of the input after its first ones, one value per line, with a
 * prefix for the kind: "%null" is null, "%n TEXT" a JSON number, "%b TEXT"
 * a JSON boolean, "%j TEXT" a JSON object or array, anything else text.
 * Static functions: a harness includes it once.
 */
#ifndef FUZZ_ROW_H
#define FUZZ_ROW_H

#include <string.h>

#include "formats/rowsrc.h"

#define FUZZ_ROW_MAX 16

struct fuzz_row {
	struct bs_value v[FUZZ_ROW_MAX];
	size_t n;       /* values read from the input */
	size_t used;    /* columns handed out by fuzz_row_resolve */
};

/* Splits text (modified in place) at '\n' into the values of row. */
static void fuzz_row_read(struct fuzz_row *row, char *text)
{
	static const struct {
		const char *prefix;
		enum bs_vkind kind;
	} kinds[] = {
		{ "%n ", BS_V_NUMBER }, { "%b ", BS_V_BOOL }, { "%j ", BS_V_JSON }
	};
	char *line, *nl;
	size_t k;

	row->n = row->used = 0;
	for (line = text; line && row->n < FUZZ_ROW_MAX; line = nl) {
		struct bs_value *v = &row->v[row->n++];

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		v->kind = BS_V_TEXT;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strncmp(line, kinds[k].prefix, 3)) {
				v->kind = kinds[k].kind;
				line += 3;
			}
		if (!strcmp(line, "%null")) {
			v->kind = BS_V_NULL;
			line += 5;
		}
		v->s = line;
		v->len = strlen(line);
	}
	for (k = row->n; k < FUZZ_ROW_MAX; k++) {
		row->v[k].s = "";
		row->v[k].len = 0;
		row->v[k].kind = BS_V_NULL;
	}
}

/* Gives every new column name the next value (null past the last). */
static int fuzz_row_resolve(void *ctx, const char *name, size_t *index,
			    struct bs_err *err)
{
	struct fuzz_row *row = ctx;

	(void)name;
	if (row->used == FUZZ_ROW_MAX)
		return bs_err_set(err, BS_E_CONFIG, "too many columns");
	*index = row->used++;
	return 0;
}

#endif
