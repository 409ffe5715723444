/*
 * bulkdir.h - an export directory as written by `billsync export`: its
 * manifest.json, read and checked, with every bulk file and origin file
 * located (docs/bulk-files.md).
 *
 * Checks: the format tag is "billsync-export/1"; every object has a name,
 * a known operation, an external ID when it upserts, and files; paths are
 * relative, stay inside the directory and name files that exist with the
 * manifest's compressed size; depends_on names only objects listed earlier
 * (the manifest is in load order), so the order has no cycle.  A mistake is
 * a BS_E_INPUT error naming manifest.json and what is wrong.
 *
 * The structure is read-only after bulkdir_load and owned by the caller
 * (bulkdir_free).  Strings live as long as the struct.
 */
#ifndef BULKDIR_H
#define BULKDIR_H

#include <signal.h>
#include <stddef.h>

#include "formats/bs_err.h"

struct bulkdir_object;

struct bulkdir_file {
	const char *path;         /* as in the manifest, relative to dir */
	char *full_path;          /* dir/path */
	char *origin_path;        /* dir/origin, or NULL when the manifest has none */
	unsigned long long rows;
	unsigned long long raw_bytes;
	unsigned long long compressed_bytes;
	const char *sha256;       /* the manifest's, or NULL */
	const struct bulkdir_object *object;
	size_t index;             /* 0-based, over all files in manifest order */
};

struct bulkdir_object {
	const char *object;       /* "OrbInvoice__c" */
	const char *operation;    /* "upsert" */
	const char *external_id;  /* NULL unless upsert */
	const char *key_field;    /* the column that identifies a row in
				     results: external_id for upsert, "Id" for
				     update/delete/hardDelete, NULL for insert */
	long level;
	size_t *depends_on;       /* indices into bulkdir.objects */
	size_t ndeps;
	struct bulkdir_file *files;
	size_t nfiles;
};

struct bulkdir {
	char *dir;
	struct bulkdir_object *objects;
	size_t nobjects;
	size_t nfiles;            /* over all objects */
	unsigned long long rows;  /* over all files */
	void *priv;
};

/* Reads dir/manifest.json. */
struct bulkdir *bulkdir_load(const char *dir, struct bs_err *err);
void bulkdir_free(struct bulkdir *bd);

/* Reads every bulk file and checks it against the
 * manifest's sha256: a file changed or damaged since the export is a
 * BS_E_INPUT error naming it, found before anything is sent.  -1 too
 * (BS_E_LIMIT "interrupted") when *stop is set meanwhile (stop may be
 * NULL). */
int bulkdir_verify(const struct bulkdir *bd,
		   const volatile sig_atomic_t *stop, struct bs_err *err);

/* The file with the given 0-based index (manifest order). */
const struct bulkdir_file *bulkdir_file_at(const struct bulkdir *bd,
					   size_t index);

#endif
