/* export_opts.c - an export's options from the configuration, and the
 * objects it is asked for checked against the mappings (export.h). */
#include "export.h"

#include <string.h>

#include "base/config.h"
#include "formats/strsim.h"
#include "map/mapping.h"
#include "map/mapset.h"

int export_opts_from_config(struct export_opts *o, const struct config *cfg,
			    struct bs_err *err)
{
	unsigned long long v;
	const char *spec;

	if (config_get_u64(cfg, "output", "max_file_bytes", &o->max_file_bytes,
			   err) < 0 ||
	    config_get_u64(cfg, "output", "max_file_rows", &o->max_file_rows,
			   err) < 0 ||
	    config_get_u64(cfg, "output", "sort_memory", &v, err) < 0)
		return -1;
	o->sort_memory = (size_t)v;
	if (o->max_file_bytes && (o->max_file_bytes < EXPORT_MIN_FILE_BYTES ||
				  o->max_file_bytes > EXPORT_MAX_FILE_BYTES))
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "output", "max_file_bytes"),
				 "[output] max_file_bytes must be between %llu "
				 "and %llu (a Bulk API job takes at most 150 MB "
				 "after base64)", EXPORT_MIN_FILE_BYTES,
				 EXPORT_MAX_FILE_BYTES);
	o->zsink = (struct zsink_opts)ZSINK_OPTS_INIT;
	spec = config_get(cfg, "output", "compression");
	if (spec && zsink_opts_parse(&o->zsink, spec, err) < 0) {
		bs_err_locate(err, config_file(cfg),
			      config_line(cfg, "output", "compression"));
		return -1;
	}
	return 0;
}

int export_check_objects(const struct mapset *maps,
			 const struct export_opts *o, struct bs_err *err)
{
	const char *names[512], *hint;
	size_t i, j, n = mapset_count(maps), k = 0;

	for (j = 0; j < n && k + 2 <= 512; j++) {
		names[k++] = mapping_object(mapset_at(maps, j));
		names[k++] = mapping_source(mapset_at(maps, j));
	}
	for (i = 0; i < o->nobjects; i++) {
		for (j = 0; j < n; j++) {
			const struct mapping *m = mapset_at(maps, j);

			if (mapping_named(m, o->objects[i]))
				break;
		}
		if (j < n)
			continue;
		hint = strsim_closest(o->objects[i], names, k);
		return bs_err_set(err, BS_E_USAGE, "no mapping for '%s'%s%s%s",
				  o->objects[i], hint ? "; did you mean '" : "",
				  hint ? hint : "", hint ? "'?" : "");
	}
	return 0;
}
