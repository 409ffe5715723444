/* manifest.c - the export manifest: building, the one JSON encoder and
 * decoder, the file edges, totals (see manifest.h). */
#include "manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/jsonerr.h"
#include "formats/arena.h"

#define MANIFEST_NAME "manifest.json"

static const char *const operations[] = {
	"insert", "update", "upsert", "delete", "hardDelete"
};

/* ---- building ------------------------------------------------------------ */

struct manifest *manifest_new(void)
{
	struct manifest *m = calloc(1, sizeof(*m));
	struct arena *a = malloc(sizeof(*a));

	if (!m || !a) {
		free(m);
		free(a);
		return NULL;
	}
	arena_init(a, 16 * 1024);
	m->priv = a;
	m->format = MANIFEST_FORMAT;
	return m;
}

static void free_object(struct manifest_object *o)
{
	size_t i;

	for (i = 0; i < o->nfiles; i++)
		free(o->files[i].sources);
	free(o->files);
	free(o->depends_on);
	free(o->counts.filtered_by);
	free(o->counts.rejected_by);
}

void manifest_free(struct manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nobjects; i++)
		free_object(&m->objects[i]);
	free(m->objects);
	free(m->duplicates);
	arena_release(m->priv);
	free(m->priv);
	free(m);
}

const char *manifest_strndup(struct manifest *m, const char *s, size_t n)
{
	return s ? arena_strndup(m->priv, s, n) : NULL;
}

const char *manifest_strdup(struct manifest *m, const char *s)
{
	return s ? manifest_strndup(m, s, strlen(s)) : NULL;
}

/* Appends a zeroed element of size to the array *v of *n: the capacity is
 * the next power of two, so no capacity field is needed. */
static void *push(void *v, size_t *n, size_t size)
{
	char *nv = v;

	if (*n == 0 || (*n & (*n - 1)) == 0) {
		nv = realloc(v, (*n ? *n * 2 : 1) * size);
		if (!nv)
			return NULL;
	}
	memset(nv + *n * size, 0, size);
	(*n)++;
	return nv;
}

/* push, keeping *v when out of memory; 0 or -1. */
static int grow(void **v, size_t *n, size_t size)
{
	void *nv = push(*v, n, size);

	if (!nv)
		return -1;
	*v = nv;
	return 0;
}

struct manifest_object *manifest_add_object(struct manifest *m)
{
	return grow((void **)&m->objects, &m->nobjects, sizeof(*m->objects)) < 0 ?
	       NULL : &m->objects[m->nobjects - 1];
}

struct manifest_file *manifest_add_file(struct manifest_object *o)
{
	return grow((void **)&o->files, &o->nfiles, sizeof(*o->files)) < 0 ?
	       NULL : &o->files[o->nfiles - 1];
}

struct manifest_source *manifest_add_source(struct manifest_file *f)
{
	return grow((void **)&f->sources, &f->nsources, sizeof(*f->sources)) < 0 ?
	       NULL : &f->sources[f->nsources - 1];
}

struct manifest_duplicate *manifest_add_duplicate(struct manifest *m)
{
	return grow((void **)&m->duplicates, &m->nduplicates,
		    sizeof(*m->duplicates)) < 0 ?
	       NULL : &m->duplicates[m->nduplicates - 1];
}

int manifest_add_depends_on(struct manifest *m, struct manifest_object *o,
			    const char *parent)
{
	const char *s = manifest_strdup(m, parent);

	if (!s || grow((void **)&o->depends_on, &o->ndepends_on,
		       sizeof(*o->depends_on)) < 0)
		return -1;
	o->depends_on[o->ndepends_on - 1] = s;
	return 0;
}

int manifest_add_count(struct manifest *m, struct manifest_count **list,
		       size_t *n, const char *name, unsigned long long count)
{
	const char *s;
	size_t i;

	/* a name given again keeps its place and takes the new count, as a
	   JSON object's key would */
	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i].name, name)) {
			(*list)[i].n = count;
			return 0;
		}
	s = manifest_strdup(m, name);
	if (!s || grow((void **)list, n, sizeof(**list)) < 0)
		return -1;
	(*list)[*n - 1].name = s;
	(*list)[*n - 1].n = count;
	return 0;
}

const struct manifest_object *manifest_find(const struct manifest *m,
					    const char *object)
{
	size_t i;

	for (i = 0; m && i < m->nobjects; i++)
		if (!strcmp(m->objects[i].object, object))
			return &m->objects[i];
	return NULL;
}

void manifest_totals(const struct manifest *m, struct manifest_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m->nobjects; i++) {
		const struct manifest_counts *c = &m->objects[i].counts;

		t->read += c->read;
		t->written += c->written;
		t->filtered += c->filtered;
		t->rejected += c->rejected;
		t->duplicates += c->duplicates;
		t->unchanged += c->unchanged;
		t->rolled_up += c->rolled_up;
		if (c->has_below_watermark) {
			t->below_watermark += c->below_watermark;
			t->watermarks = 1;
		}
		t->files += m->objects[i].nfiles;
	}
}

/* ---- the encoder --------------------------------------------------------- */

static json_t *jcount(unsigned long long n)
{
	return json_integer((json_int_t)n);
}

/* v, or NULL (v dropped) when rc says a member of it was not set: a
 * json_object_set_new or json_array_append_new that ran out of memory. */
static json_t *done(json_t *v, int rc)
{
	if (!rc)
		return v;
	json_decref(v);
	return NULL;
}

/* A string, or null for NULL. */
static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *counts_by(const struct manifest_count *c, size_t n)
{
	json_t *o = json_object();
	size_t i;
	int rc = 0;

	for (i = 0; o && i < n; i++)
		rc |= json_object_set_new(o, c[i].name, jcount(c[i].n));
	return done(o, rc);
}

static json_t *counts_json(const struct manifest_counts *c)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			      "read", jcount(c->read),
			      "written", jcount(c->written),
			      "filtered", jcount(c->filtered),
			      "rejected", jcount(c->rejected),
			      "duplicates", jcount(c->duplicates),
			      "unchanged", jcount(c->unchanged));

	int rc = 0;

	if (o && c->has_below_watermark)
		rc |= json_object_set_new(o, "below_watermark",
					  jcount(c->below_watermark));
	if (o && c->has_rolled_up)
		rc |= json_object_set_new(o, "rolled_up", jcount(c->rolled_up));
	if (o) {
		rc |= json_object_set_new(o, "filtered_by", counts_by(
					  c->filtered_by, c->nfiltered_by));
		rc |= json_object_set_new(o, "rejected_by", counts_by(
					  c->rejected_by, c->nrejected_by));
	}
	return done(o, rc);
}

static json_t *file_json(const struct manifest_file *f)
{
	json_t *sources = json_array(), *o;
	size_t i;
	int rc = 0;

	for (i = 0; sources && i < f->nsources; i++)
		rc |= json_array_append_new(sources, json_pack(
			"{s:s, s:o, s:o, s:o}", "file", f->sources[i].file,
			"first_line", jcount(f->sources[i].first_line),
			"last_line", jcount(f->sources[i].last_line),
			"rows", jcount(f->sources[i].rows)));
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
		      "path", f->path, "origin", jstr(f->origin),
		      "rows", jcount(f->rows),
		      "raw_bytes", jcount(f->raw_bytes),
		      "compressed_bytes", jcount(f->compressed_bytes),
		      "sha256", jstr(f->sha256), "sources", done(sources, rc));
	if (o && f->split_group &&
	    json_object_set_new(o, "split_group", json_true()))
		return done(o, -1);
	return o;
}

static json_t *object_json(const struct manifest_object *ob)
{
	json_t *deps = json_array(), *files = json_array(), *o;
	size_t i;
	int rd = 0, rf = 0, rc = 0;

	for (i = 0; deps && i < ob->ndepends_on; i++)
		rd |= json_array_append_new(deps, json_string(ob->depends_on[i]));
	for (i = 0; files && i < ob->nfiles; i++)
		rf |= json_array_append_new(files, file_json(&ob->files[i]));
	deps = done(deps, rd);
	files = done(files, rf);
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:o, s:o}",
		      "object", ob->object, "mapping", ob->mapping,
		      "dataset", ob->dataset, "operation", ob->operation,
		      "external_id", jstr(ob->external_id),
		      "level", (int)ob->level, "depends_on", deps,
		      "counts", counts_json(&ob->counts), "files", files);
	if (o && ob->has_watermark)
		rc |= json_object_set_new(o, "watermark", json_pack(
			"{s:s, s:s, s:o, s:o}",
			"column", ob->watermark.column,
			"lookback", ob->watermark.lookback,
			"floor", jstr(ob->watermark.floor),
			"max", jstr(ob->watermark.max)));
	if (o && ob->rejects)
		rc |= json_object_set_new(o, "rejects", json_string(ob->rejects));
	return done(o, rc);
}

json_t *manifest_to_json(const struct manifest *m)
{
	json_t *objects = json_array(), *dups = json_array();
	size_t i;
	int ro = 0, rd = 0;

	for (i = 0; objects && i < m->nobjects; i++)
		ro |= json_array_append_new(objects, object_json(&m->objects[i]));
	for (i = 0; dups && i < m->nduplicates; i++)
		rd |= json_array_append_new(dups, json_pack(
			"{s:s, s:s, s:s}", "object", m->duplicates[i].object,
			"key", m->duplicates[i].key,
			"dropped", m->duplicates[i].dropped));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}",
			 "format", m->format,
			 "billsync_version", m->billsync_version,
			 "created_at", m->created_at,
			 "max_file_bytes", jcount(m->max_file_bytes),
			 "objects", done(objects, ro),
			 "duplicates", done(dups, rd));
}

/* ---- the decoder --------------------------------------------------------- */

struct dec {
	struct manifest *m;
	const char *where;
	struct bs_err *err;
};

static int bad(struct dec *d, const char *fmt, ...) BS_PRINTF(2, 3);

static int bad(struct dec *d, const char *fmt, ...)
{
	char msg[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bs_err_at(d->err, BS_E_INPUT, d->where, 0, "%s", msg);
}

static int nomem(struct dec *d)
{
	return bs_err_set(d->err, BS_E_NOMEM, "out of memory");
}

/* A non-empty string's copy (*out NULL otherwise); -1 when out of memory. */
static int get_str(struct dec *d, const json_t *o, const char *key,
		   const char **out)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!json_is_string(v) || !json_string_length(v))
		return 0;
	*out = manifest_strndup(d->m, json_string_value(v),
				json_string_length(v));
	return *out ? 0 : nomem(d);
}

static unsigned long long get_count(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (unsigned long long)json_integer_value(v) : 0;
}

static int dec_counts_by(struct dec *d, const json_t *by,
			 struct manifest_count **list, size_t *n)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)by, name, v)
		if (manifest_add_count(d->m, list, n, name,
				       json_is_integer(v) && json_integer_value(v) > 0 ?
				       (unsigned long long)json_integer_value(v) :
				       0) < 0)
			return nomem(d);
	return 0;
}

static int dec_counts(struct dec *d, const json_t *c,
		      struct manifest_counts *out)
{
	out->read = get_count(c, "read");
	out->written = get_count(c, "written");
	out->filtered = get_count(c, "filtered");
	out->rejected = get_count(c, "rejected");
	out->duplicates = get_count(c, "duplicates");
	out->unchanged = get_count(c, "unchanged");
	out->has_below_watermark = json_object_get(c, "below_watermark") != NULL;
	out->below_watermark = get_count(c, "below_watermark");
	out->has_rolled_up = json_object_get(c, "rolled_up") != NULL;
	out->rolled_up = get_count(c, "rolled_up");
	return dec_counts_by(d, json_object_get(c, "filtered_by"),
			     &out->filtered_by, &out->nfiltered_by) < 0 ||
	       dec_counts_by(d, json_object_get(c, "rejected_by"),
			     &out->rejected_by, &out->nrejected_by) < 0 ? -1 : 0;
}

static int dec_file(struct dec *d, const struct manifest_object *o,
		    const json_t *jf, struct manifest_file *f)
{
	const json_t *s;
	size_t i;

	if (get_str(d, jf, "path", &f->path) < 0)
		return -1;
	if (!json_is_object(jf) || !f->path)
		return bad(d, "object '%s': a file without a path", o->object);
	if (get_str(d, jf, "origin", &f->origin) < 0 ||
	    get_str(d, jf, "sha256", &f->sha256) < 0)
		return -1;
	f->rows = get_count(jf, "rows");
	f->raw_bytes = get_count(jf, "raw_bytes");
	f->compressed_bytes = get_count(jf, "compressed_bytes");
	f->split_group = json_is_true(json_object_get(jf, "split_group"));
	json_array_foreach(json_object_get(jf, "sources"), i, s) {
		struct manifest_source *src = manifest_add_source(f);

		if (!src || get_str(d, s, "file", &src->file) < 0)
			return nomem(d);
		src->first_line = get_count(s, "first_line");
		src->last_line = get_count(s, "last_line");
		src->rows = get_count(s, "rows");
	}
	return 0;
}

static int dec_operation(struct dec *d, struct manifest_object *o)
{
	size_t i;

	for (i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
		if (o->operation && !strcmp(o->operation, operations[i]))
			break;
	if (i == sizeof(operations) / sizeof(operations[0]))
		return bad(d, "object '%s': operation '%s' is not one of "
			   "insert, update, upsert, delete, hardDelete",
			   o->object, o->operation ? o->operation : "");
	if (!strcmp(o->operation, "upsert")) {
		if (!o->external_id)
			return bad(d, "object '%s' upserts but names no "
				   "external_id", o->object);
	} else {
		o->external_id = NULL;
	}
	return 0;
}

static int dec_watermark(struct dec *d, const json_t *w,
			 struct manifest_object *o)
{
	o->has_watermark = json_is_object(w);
	if (!o->has_watermark)
		return 0;
	return get_str(d, w, "column", &o->watermark.column) < 0 ||
	       get_str(d, w, "lookback", &o->watermark.lookback) < 0 ||
	       get_str(d, w, "floor", &o->watermark.floor) < 0 ||
	       get_str(d, w, "max", &o->watermark.max) < 0 ? -1 : 0;
}

static int dec_object(struct dec *d, size_t idx, const json_t *jo)
{
	struct manifest_object *o = &d->m->objects[idx];
	const json_t *files = json_object_get(jo, "files"), *lvl;
	size_t i;

	if (get_str(d, jo, "object", &o->object) < 0 ||
	    get_str(d, jo, "mapping", &o->mapping) < 0 ||
	    get_str(d, jo, "dataset", &o->dataset) < 0 ||
	    get_str(d, jo, "operation", &o->operation) < 0 ||
	    get_str(d, jo, "external_id", &o->external_id) < 0 ||
	    get_str(d, jo, "rejects", &o->rejects) < 0)
		return -1;
	if (!json_is_object(jo) || !o->object)
		return bad(d, "object %zu has no name", idx + 1);
	if (dec_operation(d, o) < 0)
		return -1;
	lvl = json_object_get(jo, "level");
	o->level = json_is_integer(lvl) ? (long)json_integer_value(lvl) : 0;
	if (!json_is_array(files))
		return bad(d, "object '%s' has no list of files", o->object);
	for (i = 0; i < json_array_size(files); i++) {
		struct manifest_file *f = manifest_add_file(o);

		if (!f)
			return nomem(d);
		if (dec_file(d, o, json_array_get(files, i), f) < 0)
			return -1;
	}
	if (dec_counts(d, json_object_get(jo, "counts"), &o->counts) < 0)
		return -1;
	return dec_watermark(d, json_object_get(jo, "watermark"), o);
}

/* depends_on names objects listed before (the manifest is in load order,
 * so it has no cycle) or not in the export at all (no wait needed). */
static int dec_deps(struct dec *d, size_t idx, const json_t *deps)
{
	struct manifest_object *o = &d->m->objects[idx];
	const json_t *dep;
	size_t i;

	if (deps && !json_is_array(deps))
		return bad(d, "object '%s': depends_on is not a list",
			   o->object);
	json_array_foreach(deps, i, dep) {
		const char *name = json_string_value(dep);
		const struct manifest_object *p =
			name ? manifest_find(d->m, name) : NULL;

		if (!name || (p && p >= o))
			return bad(d, "object '%s' depends on '%s', which is "
				   "not listed before it", o->object,
				   name ? name : "?");
		if (manifest_add_depends_on(d->m, o, name) < 0)
			return nomem(d);
	}
	return 0;
}

static int dec_root(struct dec *d, const json_t *root)
{
	const json_t *objs = json_object_get(root, "objects"), *dup;
	const char *fmt = json_string_value(json_object_get(root, "format"));
	size_t i, n;

	if (!fmt || strcmp(fmt, MANIFEST_FORMAT))
		return bad(d, "format is '%s', expected '%s'", fmt ? fmt : "",
			   MANIFEST_FORMAT);
	if (get_str(d, root, "billsync_version", &d->m->billsync_version) < 0 ||
	    get_str(d, root, "created_at", &d->m->created_at) < 0)
		return -1;
	d->m->max_file_bytes = get_count(root, "max_file_bytes");
	if (!json_is_array(objs))
		return bad(d, "no list of objects");
	n = json_array_size(objs);
	for (i = 0; i < n; i++) {
		if (!manifest_add_object(d->m))
			return nomem(d);
		if (dec_object(d, i, json_array_get(objs, i)) < 0)
			return -1;
		if (manifest_find(d->m, d->m->objects[i].object) !=
		    &d->m->objects[i])
			return bad(d, "object '%s' is listed twice",
				   d->m->objects[i].object);
	}
	for (i = 0; i < n; i++)
		if (dec_deps(d, i, json_object_get(json_array_get(objs, i),
						   "depends_on")) < 0)
			return -1;
	json_array_foreach(json_object_get(root, "duplicates"), i, dup) {
		struct manifest_duplicate *x = manifest_add_duplicate(d->m);

		if (!x || get_str(d, dup, "object", &x->object) < 0 ||
		    get_str(d, dup, "key", &x->key) < 0 ||
		    get_str(d, dup, "dropped", &x->dropped) < 0)
			return nomem(d);
	}
	return 0;
}

struct manifest *manifest_from_json(const json_t *root, const char *where,
				    struct bs_err *err)
{
	struct dec d = { manifest_new(), where, err };

	if (!d.m) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (dec_root(&d, root) < 0) {
		manifest_free(d.m);
		return NULL;
	}
	return d.m;
}

/* ---- the file edges ------------------------------------------------------ */

int manifest_write(const struct manifest *m, const char *dir,
		   struct bs_err *err)
{
	char path[4096], tmp[4200];
	json_t *root = manifest_to_json(m);
	/* the text first: running out of memory is not a write error */
	char *text = root ? json_dumps(root, JSON_INDENT(2) |
				       JSON_PRESERVE_ORDER) : NULL;
	FILE *f;
	int bad;

	json_decref(root);
	if (!text)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	bad = !f || fputs(text, f) < 0;
	free(text);
	if (f && fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return bs_err_at(err, BS_E_IO, path, 0, "cannot write the "
				 "manifest");
	}
	return 0;
}

struct manifest *manifest_load(const char *path, struct bs_err *err)
{
	struct manifest *m;
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!root && jsonerr_oom(&je)) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!root) {
		bs_err_at(err, BS_E_INPUT, path, (unsigned long)(je.line > 0 ?
			  je.line : 0), "cannot read the manifest: %s", je.text);
		return NULL;
	}
	m = manifest_from_json(root, path, err);
	json_decref(root);
	return m;
}
