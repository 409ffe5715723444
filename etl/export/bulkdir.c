/* bulkdir.c - reading and checking an export directory's manifest.json
 * (see bulkdir.h). */
#include "bulkdir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/sbuf.h"
#include "formats/sha256.h"
#include "manifest.h"

#define MANIFEST "manifest.json"

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
		     const struct manifest_file *mf, struct bulkdir_file *f,
		     struct bs_err *err)
{
	struct stat st;

	f->path = mf->path;
	f->object = o;
	if (load_path(bd, "file", f->path, &f->full_path, err) < 0 ||
	    (mf->origin && load_path(bd, "origin file", mf->origin,
				     &f->origin_path, err) < 0))
		return -1;
	f->rows = mf->rows;
	f->raw_bytes = mf->raw_bytes;
	f->compressed_bytes = mf->compressed_bytes;
	f->sha256 = mf->sha256;
	if (stat(f->full_path, &st) != 0 || !S_ISREG(st.st_mode))
		return bad(bd, err, "bulk file '%s' is missing", f->path);
	if (f->compressed_bytes &&
	    (unsigned long long)st.st_size != f->compressed_bytes)
		return bad(bd, err,
			   "bulk file '%s' has %lld bytes, the manifest says %llu",
			   f->path, (long long)st.st_size, f->compressed_bytes);
	if (f->origin_path && stat(f->origin_path, &st) != 0)
		return bad(bd, err, "origin file '%s' is missing", mf->origin);
	return 0;
}

static int load_object(struct bulkdir *bd, const struct manifest *m,
		       size_t idx, struct bs_err *err)
{
	const struct manifest_object *mo = &m->objects[idx];
	struct bulkdir_object *o = &bd->objects[idx];
	size_t i;

	o->object = mo->object;
	o->operation = mo->operation;
	o->external_id = mo->external_id;
	o->key_field = !strcmp(o->operation, "upsert") ? o->external_id :
		       strcmp(o->operation, "insert") ? "Id" : NULL;
	o->level = mo->level;
	/* a parent that is not in this export needs no wait (the decoder
	   checked that the others are listed before) */
	o->depends_on = calloc(mo->ndepends_on ? mo->ndepends_on : 1,
			       sizeof(*o->depends_on));
	o->files = calloc(mo->nfiles ? mo->nfiles : 1, sizeof(*o->files));
	if (!o->depends_on || !o->files)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	o->nfiles = mo->nfiles;   /* only now: bulkdir_free walks them */
	for (i = 0; i < mo->ndepends_on; i++) {
		const struct manifest_object *p =
			manifest_find(m, mo->depends_on[i]);

		if (p)
			o->depends_on[o->ndeps++] = (size_t)(p - m->objects);
	}
	for (i = 0; i < o->nfiles; i++) {
		if (load_file(bd, o, &mo->files[i], &o->files[i], err) < 0)
			return -1;
		o->files[i].index = bd->nfiles++;
		bd->rows += o->files[i].rows;
	}
	return 0;
}

static int load(struct bulkdir *bd, struct bs_err *err)
{
	char *path = join(bd->dir, MANIFEST);
	struct manifest *m;
	size_t i;

	if (!path)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	m = manifest_load(path, err);
	free(path);
	if (!m)
		return -1;
	bd->priv = m;
	bd->objects = calloc(m->nobjects ? m->nobjects : 1,
			     sizeof(*bd->objects));
	if (!bd->objects)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	bd->nobjects = m->nobjects;   /* only now: bulkdir_free walks them */
	for (i = 0; i < bd->nobjects; i++)
		if (load_object(bd, m, i, err) < 0)
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

int bulkdir_verify(const struct bulkdir *bd,
		   const volatile sig_atomic_t *stop, struct bs_err *err)
{
	char hex[SHA256_HEX_SIZE];
	size_t i, k;

	for (i = 0; i < bd->nobjects; i++) {
		for (k = 0; k < bd->objects[i].nfiles; k++) {
			const struct bulkdir_file *f = &bd->objects[i].files[k];

			if (stop && *stop)
				return bs_err_set(err, BS_E_LIMIT,
						  "interrupted");
			if (!f->sha256)
				continue;
			if (sha256_file(f->full_path, hex, err) < 0)
				return -1;
			if (strcmp(hex, f->sha256))
				return bad(bd, err, "bulk file '%s' is not the "
					   "file the export wrote (its sha256 "
					   "differs: changed or damaged since): "
					   "nothing sent; export again",
					   f->path);
		}
	}
	return 0;
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
	manifest_free(bd->priv);
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
