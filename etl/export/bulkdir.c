/* bulkdir.c - reading and checking an export directory's manifest.json
 * (see bulkdir.h). */
#include "bulkdir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "formats/sbuf.h"

#define MANIFEST "manifest.json"
#define MANIFEST_FORMAT "billsync-export/1"

static const char *const operations[] = {
	"insert", "update", "upsert", "delete", "hardDelete"
};

static int bad(const struct bulkdir *bd, struct bs_err *err, const char *fmt,
	       ...) BS_PRINTF(3, 4);

static int bad(const struct bulkdir *bd, struct bs_err *err, const char *fmt,
	       ...)
{
	char msg[BS_ERR_MSG_MAX], file[BS_ERR_FILE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(file, sizeof(file), "%s/%s", bd->dir, MANIFEST);
	return bs_err_at(err, BS_E_INPUT, file, 0, "%s", msg);
}

static char *join(const char *dir, const char *rel)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (sbuf_addf(&sb, "%s/%s", dir, rel) < 0) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

/* 0 when rel is a relative path that stays inside the directory. */
static int safe_relative(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && !strncmp(p, "..", 2)) || n == 0)
			return -1;
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static const char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && json_string_length(v) ?
	       json_string_value(v) : NULL;
}

static unsigned long long get_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (unsigned long long)json_integer_value(v) : 0;
}

static int load_path(struct bulkdir *bd, const char *what, const char *rel,
		     char **out, struct bs_err *err)
{
	if (safe_relative(rel) < 0)
		return bad(bd, err, "%s '%s' is not a path inside the directory",
			   what, rel);
	*out = join(bd->dir, rel);
	return *out ? 0 : bs_err_set(err, BS_E_NOMEM, "out of memory");
}

static int load_file(struct bulkdir *bd, struct bulkdir_object *o,
		     json_t *jf, struct bulkdir_file *f, struct bs_err *err)
{
	const char *origin = get_str(jf, "origin");
	struct stat st;

	f->path = get_str(jf, "path");
	f->object = o;
	if (!json_is_object(jf) || !f->path)
		return bad(bd, err, "object '%s': a file without a path",
			   o->object);
	if (load_path(bd, "file", f->path, &f->full_path, err) < 0 ||
	    (origin && load_path(bd, "origin file", origin, &f->origin_path,
				 err) < 0))
		return -1;
	f->rows = get_count(jf, "rows");
	f->raw_bytes = get_count(jf, "raw_bytes");
	f->compressed_bytes = get_count(jf, "compressed_bytes");
	if (stat(f->full_path, &st) != 0 || !S_ISREG(st.st_mode))
		return bad(bd, err, "bulk file '%s' is missing", f->path);
	if (f->compressed_bytes &&
	    (unsigned long long)st.st_size != f->compressed_bytes)
		return bad(bd, err,
			   "bulk file '%s' has %lld bytes, the manifest says %llu",
			   f->path, (long long)st.st_size, f->compressed_bytes);
	if (f->origin_path && stat(f->origin_path, &st) != 0)
		return bad(bd, err, "origin file '%s' is missing", origin);
	return 0;
}

static int find_object(const struct bulkdir *bd, size_t before,
		       const char *name)
{
	size_t i;

	for (i = 0; i < before; i++)
		if (!strcmp(bd->objects[i].object, name))
			return (int)i;
	return -1;
}

static int load_deps(struct bulkdir *bd, size_t idx, json_t *deps,
		     struct bs_err *err)
{
	struct bulkdir_object *o = &bd->objects[idx];
	size_t i, n = json_array_size(deps);

	if (deps && !json_is_array(deps))
		return bad(bd, err, "object '%s': depends_on is not a list",
			   o->object);
	o->depends_on = calloc(n ? n : 1, sizeof(*o->depends_on));
	if (!o->depends_on)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_t *d = json_array_get(deps, i);
		int k = json_is_string(d) ?
			find_object(bd, bd->nobjects, json_string_value(d)) : -1;

		/* a parent that is not in this export needs no wait, but one
		   listed later would be loaded too late */
		if (k < 0 && json_is_string(d))
			continue;
		if (k < 0 || (size_t)k >= idx)
			return bad(bd, err,
				   "object '%s' depends on '%s', which is not "
				   "listed before it", o->object,
				   json_is_string(d) ? json_string_value(d) : "?");
		o->depends_on[o->ndeps++] = (size_t)k;
	}
	return 0;
}

static int load_object(struct bulkdir *bd, size_t idx, json_t *jo,
		       struct bs_err *err)
{
	struct bulkdir_object *o = &bd->objects[idx];
	json_t *files = json_object_get(jo, "files"), *lvl;
	size_t i;

	o->object = get_str(jo, "object");
	o->operation = get_str(jo, "operation");
	o->external_id = get_str(jo, "external_id");
	if (!json_is_object(jo) || !o->object)
		return bad(bd, err, "object %zu has no name", idx + 1);
	for (i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
		if (o->operation && !strcmp(o->operation, operations[i]))
			break;
	if (i == sizeof(operations) / sizeof(operations[0]))
		return bad(bd, err, "object '%s': operation '%s' is not one of "
			   "insert, update, upsert, delete, hardDelete",
			   o->object, o->operation ? o->operation : "");
	if (!strcmp(o->operation, "upsert")) {
		if (!o->external_id)
			return bad(bd, err, "object '%s' upserts but names no "
				   "external_id", o->object);
		o->key_field = o->external_id;
	} else {
		o->external_id = NULL;
		o->key_field = strcmp(o->operation, "insert") ? "Id" : NULL;
	}
	lvl = json_object_get(jo, "level");
	o->level = json_is_integer(lvl) ? (long)json_integer_value(lvl) : 0;
	if (!json_is_array(files))
		return bad(bd, err, "object '%s' has no list of files",
			   o->object);
	o->nfiles = json_array_size(files);
	o->files = calloc(o->nfiles ? o->nfiles : 1, sizeof(*o->files));
	if (!o->files)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < o->nfiles; i++) {
		if (load_file(bd, o, json_array_get(files, i), &o->files[i],
			      err) < 0)
			return -1;
		o->files[i].index = bd->nfiles++;
		bd->rows += o->files[i].rows;
	}
	return 0;
}

static int load(struct bulkdir *bd, struct bs_err *err)
{
	json_error_t je;
	json_t *root, *objs;
	char *path = join(bd->dir, MANIFEST);
	const char *fmt;
	size_t i;

	if (!path)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		bs_err_at(err, BS_E_INPUT, path, (unsigned long)(je.line > 0 ?
			  je.line : 0), "cannot read the manifest: %s", je.text);
		free(path);
		return -1;
	}
	free(path);
	bd->priv = root;
	fmt = get_str(root, "format");
	if (!fmt || strcmp(fmt, MANIFEST_FORMAT))
		return bad(bd, err, "format is '%s', expected '%s'",
			   fmt ? fmt : "", MANIFEST_FORMAT);
	objs = json_object_get(root, "objects");
	if (!json_is_array(objs))
		return bad(bd, err, "no list of objects");
	bd->nobjects = json_array_size(objs);
	bd->objects = calloc(bd->nobjects ? bd->nobjects : 1,
			     sizeof(*bd->objects));
	if (!bd->objects)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < bd->nobjects; i++) {
		if (load_object(bd, i, json_array_get(objs, i), err) < 0)
			return -1;
		if (find_object(bd, i, bd->objects[i].object) >= 0)
			return bad(bd, err, "object '%s' is listed twice",
				   bd->objects[i].object);
	}
	for (i = 0; i < bd->nobjects; i++)
		if (load_deps(bd, i, json_object_get(json_array_get(objs, i),
						     "depends_on"), err) < 0)
			return -1;
	return 0;
}

struct bulkdir *bulkdir_load(const char *dir, struct bs_err *err)
{
	struct bulkdir *bd = calloc(1, sizeof(*bd));
	size_t n;

	if (!bd || !(bd->dir = strdup(dir))) {
		free(bd);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	n = strlen(dir);
	while (n > 1 && bd->dir[n - 1] == '/')
		bd->dir[--n] = '\0';
	if (load(bd, err) < 0) {
		bulkdir_free(bd);
		return NULL;
	}
	return bd;
}

void bulkdir_free(struct bulkdir *bd)
{
	size_t i, j;

	if (!bd)
		return;
	for (i = 0; i < bd->nobjects; i++) {
		struct bulkdir_object *o = &bd->objects[i];

		for (j = 0; j < o->nfiles; j++) {
			free(o->files[j].full_path);
			free(o->files[j].origin_path);
		}
		free(o->files);
		free(o->depends_on);
	}
	free(bd->objects);
	json_decref(bd->priv);
	free(bd->dir);
	free(bd);
}

const struct bulkdir_file *bulkdir_file_at(const struct bulkdir *bd,
					   size_t index)
{
	size_t i;

	for (i = 0; i < bd->nobjects; i++) {
		if (index < bd->objects[i].nfiles)
			return &bd->objects[i].files[index];
		index -= bd->objects[i].nfiles;
	}
	return NULL;
}
