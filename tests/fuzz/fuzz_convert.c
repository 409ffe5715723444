/* fuzz_convert.c - the converters (etl/map/convert.h), created and applied
 * directly: line 1 is the converter's name, line 2 its arguments separated
 * by tabs (each "key=value" or a value; a leading '"' marks it quoted), and
 * the lines after them the row's values (fuzz_row.h); each value is
 * converted in turn, and a column the converter asks for (money(currency))
 * gets the values in order. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "fuzz.h"
#include "fuzz_row.h"
#include "map/convert.h"

#define MAX_ARGS 8

static const struct bs_value *column(void *ctx, size_t index)
{
	struct fuzz_row *row = ctx;

	return &row->v[index < FUZZ_ROW_MAX ? index : 0];
}

static char *next_line(char **s)
{
	static char empty[1];
	char *line = *s, *nl;

	if (!line)
		return empty;
	nl = strchr(line, '\n');
	if (nl)
		*nl++ = '\0';
	*s = nl;
	return line;
}

static size_t read_args(char *line, struct conv_arg *args)
{
	size_t n = 0;
	char *tab, *eq;

	while (*line && n < MAX_ARGS) {
		struct conv_arg *a = &args[n++];

		tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		eq = strchr(line, '=');
		a->key = NULL;
		if (eq && eq != line) {
			*eq = '\0';
			a->key = line;
			line = eq + 1;
		}
		a->quoted = *line == '"';
		a->value = line + a->quoted;
		if (!tab)
			break;
		line = tab + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conv_arg args[MAX_ARGS];
	struct fuzz_row row;
	struct conv_env env = { NULL, column, &row };
	struct arena a;
	struct bs_value out;
	struct bs_err err;
	struct conv *c;
	char *text = fuzz_text(data, size), *rest = text, *name;
	size_t nargs, i;

	if (!text)
		return 0;
	name = next_line(&rest);
	nargs = read_args(next_line(&rest), args);
	fuzz_row_read(&row, rest);
	c = conv_new(name, args, nargs, fuzz_row_resolve, &row, &err);
	if (c) {
		assert(!strcmp(conv_name(c), name));
		arena_init(&a, 0);
		env.arena = &a;
		for (i = 0; i < row.n; i++) {
			if (conv_apply(c, &row.v[i], &out, &env, &err) == 0)
				assert(out.s && out.s[out.len] == '\0');
			arena_reset(&a);
		}
		arena_release(&a);
		conv_free(c);
	}
	free(text);
	return 0;
}
