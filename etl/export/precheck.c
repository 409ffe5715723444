/* precheck.c - the chosen mappings against their datasets' headers, before
 * any row is read (see precheck.h). */
#include "precheck.h"

#include "dataset.h"
#include "heads.h"
#include "jsonsample.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"
#include "map/mapping.h"
#include "map/mapset.h"

#include <stdlib.h>
#include <string.h>

/* The once-readable files read by the chosen mappings, one entry per
 * mapping and file, in the order they were checked. */
struct reader {
	char *path;
	const struct mapping *m;
};

struct readers {
	struct reader *v;
	size_t n, cap;
	int nomem;
};

static void readers_add(struct readers *r, const char *path,
			const struct mapping *m)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		struct reader *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			r->nomem = 1;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	if (!(r->v[r->n].path = strdup(path))) {
		r->nomem = 1;
		return;
	}
	r->v[r->n++].m = m;
}

static void readers_release(struct readers *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A file that can be read once, read by more than one chosen mapping,
 * would be read to its end by the first and wait for ever for a writer
 * for the next: each such file is a BS_E_CONFIG error into found. */
static void check_readers(const struct readers *r, struct bs_errlist *found)
{
	size_t i, j, k;

	for (i = 0; i < r->n; i++) {
		struct sbuf names;
		struct bs_err e;
		size_t count = 0;

		for (j = 0; j < i && strcmp(r->v[j].path, r->v[i].path); j++)
			;
		if (j < i)
			continue;   /* reported with its first reader */
		sbuf_init(&names, 0);
		for (k = i; k < r->n; k++) {
			if (strcmp(r->v[k].path, r->v[i].path))
				continue;
			sbuf_addf(&names, "%s%s", count++ ? ", " : "",
				  base_name(mapping_file(r->v[k].m)));
		}
		if (count > 1) {
			bs_err_at(&e, BS_E_CONFIG, r->v[i].path, 0,
				  "a FIFO can be read only once, and %zu "
				  "mappings read it (%s): give a regular file, "
				  "or export them in separate runs with "
				  "--objects", count, names.buf);
			bs_errlist_add(found, &e);
		}
		sbuf_release(&names);
	}
}

/* A reader of the head of an entry: a file that can be read once is
 * held in h and looked at through a peek (*held set). */
static struct rowsrc *open_head(const struct dataset_entry *ent,
				struct heads *h, struct replay **held,
				struct bs_err *e)
{
	FILE *f;

	*held = NULL;
	if (ent->member || !heads_once(ent->path))
		return rowsrc_open(ent->path, ent->member, NULL, e);
	if (!(*held = heads_get(h, ent->path, e)) ||
	    !(f = replay_peek(*held, e)))
		return NULL;
	return rowsrc_open_stream(f, ent->path, NULL, e);
}

/* The errors of one mapping's dataset into found: CSV headers, and the
 * keys of the first JSON-lines records (jsonsample.h). */
static void check_mapping(const struct config *cfg, const struct mapping *m,
			  struct heads *h, struct readers *rd,
			  struct bs_errlist *found)
{
	const struct dataset_entry *ent;
	const char *const *cols;
	size_t ncols = mapping_columns(m, &cols), n, i;
	struct json_sample *js;
	struct dataset *ds;
	struct bs_err e;
	int sampled = 0;

	bs_err_clear(&e);
	ds = dataset_open(cfg, mapping_source(m), &e);
	if (!ds) {
		bs_errlist_add(found, &e);
		return;
	}
	if (!(js = json_sample_new())) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(found, &e);
		dataset_free(ds);
		return;
	}
	n = dataset_entries(ds, &ent);
	for (i = 0; i < n; i++) {
		struct replay *held;
		struct rowsrc *rs = open_head(&ent[i], h, &held, &e);
		int r = 0;

		if (held)
			readers_add(rd, ent[i].path, m);
		if (rs && !rowsrc_header(rs, NULL))
			r = json_sample_file(js, ent[i].name, rs, &e);
		else if (rs && rowsrc_select(rs, cols, ncols, &e) < 0)
			r = 1;
		if (r > 0 && held && replay_full(held))
			r = json_sample_cut(js);   /* only the head is kept */
		if (!rs || r > 0)
			bs_errlist_add(found, &e);
		if (r < 0) {
			bs_err_set(&e, BS_E_NOMEM, "out of memory");
			bs_errlist_add(found, &e);
		}
		sampled |= rs && r >= 0;
		rowsrc_free(rs);
	}
	if (sampled)
		json_sample_check(js, m, found);
	json_sample_free(js);
	dataset_free(ds);
}

int export_precheck(const struct config *cfg, const struct mapset *maps,
		    const char *const *objects, size_t nobjects,
		    struct heads *heads, struct bs_errlist *errs,
		    struct bs_err *err)
{
	struct bs_errlist found;
	struct readers rd = { 0 };
	size_t i, last;

	bs_errlist_init(&found);
	for (i = 0; i < mapset_count(maps); i++)
		if (mapping_chosen(mapset_at(maps, i), objects,
				   objects ? nobjects : 0))
			check_mapping(cfg, mapset_at(maps, i), heads, &rd,
				      &found);
	check_readers(&rd, &found);
	found.nomem |= rd.nomem;
	readers_release(&rd);
	if (found.nomem) {      /* a mistake not kept: never "none found" */
		bs_errlist_release(&found);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	if (!found.n) {
		bs_errlist_release(&found);
		return 0;
	}
	for (last = found.n - 1; last > 0; last--)
		if (found.v[last].kind == BS_E_CONFIG)
			break;
	if (found.v[last].kind != BS_E_CONFIG)
		last = found.n - 1;
	for (i = 0; i < found.n; i++)
		if (i != last && errs)
			bs_errlist_add(errs, &found.v[i]);
	*err = found.v[last];
	bs_errlist_release(&found);
	return -1;
}
