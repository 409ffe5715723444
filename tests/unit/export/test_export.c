/* test_export.c - round trip: every bulk file export writes, read back
 * through the project's reader, holds exactly the values the mapping
 * produced for each key (the later row for a duplicated key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "base/config.h"
#include "export/export.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "export/pipeline.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"

/* key -> the mapped row, joined with \x1F (a tiny list, the samples are
 * small; later rows replace earlier ones) */
struct expect {
	char **key, **row;
	size_t n, alloc;
};

static void put(struct expect *x, const char *key, const char *row)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		if (!strcmp(x->key[i], key)) {
			free(x->row[i]);
			x->row[i] = strdup(row);
			return;
		}
	}
	if (x->n == x->alloc) {
		x->alloc = x->alloc ? x->alloc * 2 : 256;
		x->key = realloc(x->key, x->alloc * sizeof(*x->key));
		x->row = realloc(x->row, x->alloc * sizeof(*x->row));
	}
	x->key[x->n] = strdup(key);
	x->row[x->n++] = strdup(row);
}

static const char *get(const struct expect *x, const char *key)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!strcmp(x->key[i], key))
			return x->row[i];
	return NULL;
}

static void join(struct sbuf *sb, const struct bs_value *v, size_t n)
{
	size_t i;

	sbuf_reset(sb);
	for (i = 0; i < n; i++) {
		if (i)
			sbuf_addc(sb, '\x1F');
		sbuf_add(sb, v[i].s, v[i].len);
	}
}

static void check_object(const struct config *cfg, const struct mapping *m,
			 const char *out, const struct manifest_object *entry)
{
	struct expect x = { NULL, NULL, 0, 0 };
	const struct map_field *f;
	size_t nf = mapping_fields(m, &f), i, j;
	long key = mapping_key_index(m);
	unsigned long long compared = 0, mismatched = 0;
	struct pipe_item it;
	struct bs_err e;
	struct sbuf sb;
	struct pipe *p;

	sbuf_init(&sb, 0);
	p = pipe_open(cfg, m, NULL, &e);
	CHECK(p != NULL);
	while (p && pipe_next(p, &it, &e) == 1) {
		if (it.status != PIPE_ROW)
			continue;
		join(&sb, it.out, nf);
		put(&x, it.out[key].s, sb.buf);
	}
	pipe_free(p);
	for (i = 0; i < entry->nfiles; i++) {
		char path[4096];
		struct rowsrc *rs;
		struct rowsrc_row row;
		const char *const *head;

		snprintf(path, sizeof(path), "%s/%s", out,
			 entry->files[i].path);
		rs = rowsrc_open(path, NULL, NULL, &e);
		CHECK(rs != NULL);
		if (!rs)
			continue;
		CHECK_INT(rowsrc_header(rs, &head), nf);
		for (j = 0; j < nf; j++)
			CHECK_STR(head[j], f[j].target);
		while (rowsrc_next(rs, &row, &e) == ROWSRC_ROW) {
			const char *want = get(&x, row.v[key].s);

			join(&sb, row.v, row.n);
			compared++;
			if (!want || strcmp(want, sb.buf)) {
				if (!mismatched++)
					printf("#   %s: %s\n#   want %s\n", path,
					       sb.buf, want ? want : "(no such key)");
			}
		}
		rowsrc_free(rs);
	}
	printf("#   %s: %llu rows compared\n", mapping_object(m), compared);
	CHECK_INT(mismatched, 0);
	CHECK_INT(compared, x.n);
	for (i = 0; i < x.n; i++) {
		free(x.key[i]);
		free(x.row[i]);
	}
	free(x.key);
	free(x.row);
	sbuf_release(&sb);
}

static void test_round_trip(void)
{
	char out[] = "/tmp/billsync-export-XXXXXX", cmd[600];
	struct config *cfg = config_new_defaults();
	struct bs_errlist errs;
	struct export_opts o;
	struct mapset *maps;
	struct bs_err e;
	struct manifest *manifest = NULL;
	size_t i;

	REQUIRE(mkdtemp(out) != NULL);
	bs_errlist_init(&errs);
	CHECK_INT(config_set(cfg, "source", "path", "samples", 1, &e), 0);
	maps = mapset_load_dir("mappings", &errs);
	CHECK(maps != NULL);
	memset(&o, 0, sizeof(o));
	CHECK_INT(export_opts_from_config(&o, cfg, &e), 0);
	o.out_dir = out;
	o.max_file_bytes = 20000;   /* several files per object */
	o.sort_memory = 8u << 20;
	CHECK_INT(export_run(cfg, maps, &o, &manifest, &e), 0);
	CHECK(manifest != NULL);
	for (i = 0; manifest && i < manifest->nobjects; i++)
		check_object(cfg, mapset_at(maps, i), out,
			     &manifest->objects[i]);
	manifest_free(manifest);
	mapset_free(maps);
	config_free(cfg);
	bs_errlist_release(&errs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
	if (system(cmd) != 0)
		CHECK(0);
}

int main(void)
{
	RUN(test_round_trip);
	return tap_done();
}
