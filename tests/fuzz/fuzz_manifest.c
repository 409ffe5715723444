/* fuzz_manifest.c - the export manifest's decoder (etl/export/manifest.c),
 * which `billsync upload DIR` runs on manifest.json of a folder the user
 * names: any bytes as that file through manifest_load.  A manifest it
 * accepts keeps what the decoder promises (every object named, with a
 * known operation and a list of files with paths; no object twice;
 * depends_on only on objects listed earlier), and its encoding decodes to
 * the same manifest. */
#include <assert.h>
#include <string.h>

#include "export/manifest.h"
#include "fuzz.h"

static void check(const struct manifest *m)
{
	struct manifest_totals t;
	size_t i, k;

	for (i = 0; i < m->nobjects; i++) {
		const struct manifest_object *o = &m->objects[i];

		assert(o->object && o->operation);
		assert(manifest_find(m, o->object) == o);
		assert(!strcmp(o->operation, "upsert") == (o->external_id != NULL));
		for (k = 0; k < o->nfiles; k++)
			assert(o->files[k].path && o->files[k].path[0]);
		for (k = 0; k < o->ndepends_on; k++) {
			const struct manifest_object *p =
				manifest_find(m, o->depends_on[k]);

			assert(!p || p < o);
		}
	}
	manifest_totals(m, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("manifest.json", data, size);
	struct manifest *m, *again;
	json_t *j, *j2;
	struct bs_err err;

	m = path ? manifest_load(path, &err) : NULL;
	if (!m)
		return 0;
	check(m);
	j = manifest_to_json(m);
	if (j) {
		again = manifest_from_json(j, "again", &err);
		assert(again);
		j2 = manifest_to_json(again);
		assert(j2 && json_equal(j, j2));
		json_decref(j2);
		manifest_free(again);
		json_decref(j);
	}
	manifest_free(m);
	return 0;
}
