/* fuzz_ini.c - the INI reader (formats/ini.c) and billsync.conf
 * (etl/base/config.c): any bytes through ini_parse_buf_all, then as a
 * configuration file read with config_load and queried with every typed
 * getter, and its [output] compression read as export does
 * (formats/zsink.c's zsink_opts_parse). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "formats/ini.h"
#include "formats/zsink.h"
#include "fuzz.h"

static int on_item(void *ctx, const struct ini_item *it, struct bs_err *err)
{
	size_t *n = ctx;

	(void)err;
	assert(it->section && it->line > 0);
	assert((it->key == NULL) == (it->value == NULL));
	++*n;
	return 0;
}

static void query(const struct config *cfg)
{
	static const char *const u64[][2] = {
		{ "output", "max_file_bytes" }, { "load", "max_jobs" },
		{ "load", "retries" }, { "output", "sort_memory" }
	};
	static const char *const ms[][2] = {
		{ "load", "poll_min" }, { "load", "job_deadline" },
		{ "salesforce", "timeout" }
	};
	struct zsink_opts zo = ZSINK_OPTS_INIT;
	const char *const *v, *const *names, *s;
	char section[256];
	struct bs_err err;
	unsigned long long u;
	size_t i, n;
	int b;
	char *p;

	for (i = 0; i < sizeof(u64) / sizeof(u64[0]); i++)
		config_get_u64(cfg, u64[i][0], u64[i][1], &u, &err);
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		config_get_ms(cfg, ms[i][0], ms[i][1], &u, &err);
	config_get_bool(cfg, "salesforce", "gzip_upload", &b, &err);
	n = config_get_list(cfg, "source", "path", &v);
	for (i = 0; i < n; i++)
		free(config_resolve(cfg, v[i]));
	p = config_get_path(cfg, "output", "dir");
	free(p);
	if ((s = config_get(cfg, "output", "compression")) &&
	    zsink_opts_parse(&zo, s, &err) == 0)
		assert(zo.level == ZSINK_LEVEL_DEFAULT ||
		       (zo.level >= 0 && zo.level <= 9));
	n = config_datasets(cfg, &names);
	for (i = 0; i < n; i++) {
		snprintf(section, sizeof(section), "dataset %s", names[i]);
		config_get_list(cfg, section, "files", &v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bs_errlist errs;
	struct config *cfg;
	struct bs_err err;
	const char *path;
	char *text = fuzz_text(data, size);
	size_t items = 0;

	if (!text)
		return 0;
	bs_errlist_init(&errs);
	ini_parse_buf_all("f.conf", text, size, on_item, &items, &errs);
	bs_errlist_release(&errs);
	free(text);
	path = fuzz_file("billsync.conf", data, size);
	cfg = path ? config_load(path, &err) : NULL;
	if (cfg)
		query(cfg);
	config_free(cfg);
	return 0;
}
