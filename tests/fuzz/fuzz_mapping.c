/* fuzz_mapping.c - mapping files and the mapping set (etl/map/mapping.c,
 * mapset.c, and through them expr.c and convert.c): the input is up to four
 * mapping files separated by lines "%%"; each is checked on its own
 * (mapping_check_text), and all are loaded as one set (mapset_check_files,
 * which orders them by their lookups and finds cycles); a mapping that
 * loads without mistakes is applied to a row of empty values. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "fuzz.h"
#include "map/mapping.h"
#include "map/mapset.h"

#define MAX_FILES 4

static void apply_empty(const struct mapping *m)
{
	static struct bs_value vals[64];
	const char *const *cols;
	struct map_result res;
	struct bs_err err;
	struct arena a;
	size_t i, n = mapping_columns(m, &cols);

	if (n > 64 || mapping_errors(m))
		return;
	for (i = 0; i < n; i++) {
		vals[i].s = "";
		vals[i].len = 0;
		vals[i].kind = i % 2 ? BS_V_NULL : BS_V_TEXT;
	}
	arena_init(&a, 0);
	mapping_apply(m, vals, &a, &res, &err);
	arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *part[MAX_FILES], *sep;
	char names[MAX_FILES][512];
	const char *paths[MAX_FILES];
	struct bs_errlist errs;
	struct mapping *m;
	struct mapset *s;
	size_t n = 0, i;

	if (!text)
		return 0;
	part[n++] = text;
	while (n < MAX_FILES && (sep = strstr(part[n - 1], "\n%%\n"))) {
		*sep = '\0';
		part[n++] = sep + 4;
	}
	bs_errlist_init(&errs);
	for (i = 0; i < n; i++) {
		char name[32];
		const char *path;

		m = mapping_check_text("f.map", part[i], &errs);
		if (m)
			apply_empty(m);
		mapping_free(m);
		snprintf(name, sizeof(name), "f%zu.map", i);
		path = fuzz_file(name, (const uint8_t *)part[i], strlen(part[i]));
		snprintf(names[i], sizeof(names[i]), "%s", path ? path : "");
		paths[i] = names[i];
	}
	s = mapset_check_files(paths, n, &errs);
	if (s)
		for (i = 0; i < mapset_count(s); i++)
			assert(mapset_at(s, i) != NULL);
	mapset_free(s);
	bs_errlist_release(&errs);
	free(text);
	return 0;
}
