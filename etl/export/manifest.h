/*
 * manifest.h - the export manifest as a typed value: what `billsync export`
 * writes to OUT/manifest.json (docs/bulk-files.md), what the commands print
 * and sum up, and what upload reads back.
 *
 * One encoder (manifest_to_json) and one decoder (manifest_from_json) are
 * the only places that know the JSON; manifest_write and manifest_load are
 * the file edges.  Everything else passes a struct manifest.
 *
 * Ownership: a struct manifest owns every string and array it points to
 * (strings in an arena, arrays grown with the manifest_add_* functions);
 * manifest_free releases all of it and takes NULL.  Pointers returned by
 * manifest_add_* stay valid until the next manifest_add_* call on the same
 * array.
 */
#ifndef MANIFEST_H
#define MANIFEST_H

#include <stddef.h>

#include <jansson.h>

#include "formats/bs_err.h"

#define MANIFEST_FORMAT "billsync-export/1"

/* A named count, in the order written: filtered_by, rejected_by. */
struct manifest_count {
	const char *name;
	unsigned long long n;
};

/* The rows of one source file in one bulk file. */
struct manifest_source {
	const char *file;
	unsigned long long first_line, last_line, rows;
};

struct manifest_file {
	const char *path;            /* relative to the export directory */
	const char *origin;          /* its origin file; NULL: none */
	unsigned long long rows, raw_bytes, compressed_bytes;
	const char *sha256;          /* hex of the compressed file; NULL: none */
	struct manifest_source *sources;
	size_t nsources;
	int split_group;             /* a parent's rows go on in the next file */
};

struct manifest_counts {
	unsigned long long read, written, filtered, rejected, duplicates,
		unchanged, below_watermark;
	int has_below_watermark;     /* only a mapping with a watermark */
	/* only a group mapping (map/mapping.h): the rows folded into a
	   group's record besides its first */
	unsigned long long rolled_up;
	int has_rolled_up;
	struct manifest_count *filtered_by, *rejected_by;
	size_t nfiltered_by, nrejected_by;
};

struct manifest_watermark {
	const char *column, *lookback;
	const char *floor, *max;     /* NULL: none (null in the JSON) */
};

struct manifest_object {
	const char *object;          /* "OrbInvoice__c" */
	const char *mapping;         /* the mapping file */
	const char *dataset;
	const char *operation;       /* "upsert" ... */
	const char *external_id;     /* NULL unless upsert */
	long level;                  /* load level: parents first */
	const char **depends_on;     /* parent objects */
	size_t ndepends_on;
	struct manifest_counts counts;
	struct manifest_file *files;
	size_t nfiles;
	int has_watermark;
	struct manifest_watermark watermark;
	const char *rejects;         /* "OBJECT/rejects.csv", or NULL */
};

/* A row dropped because a later one had its key. */
struct manifest_duplicate {
	const char *object, *key, *dropped;   /* dropped: "SOURCE:LINE" */
};

struct manifest {
	const char *format;          /* MANIFEST_FORMAT */
	const char *billsync_version;
	const char *created_at;
	unsigned long long max_file_bytes;
	struct manifest_object *objects;   /* in load order */
	size_t nobjects;
	struct manifest_duplicate *duplicates;   /* the first ones only */
	size_t nduplicates;
	void *priv;
};

/* An empty manifest (format set); NULL when out of memory. */
struct manifest *manifest_new(void);
void manifest_free(struct manifest *m);

/* A copy of s (of n bytes) that lives as long as m; NULL when out of memory
 * or when s is NULL. */
const char *manifest_strdup(struct manifest *m, const char *s);
const char *manifest_strndup(struct manifest *m, const char *s, size_t n);

/* Appending, zero-filled; NULL when out of memory. */
struct manifest_object *manifest_add_object(struct manifest *m);
struct manifest_file *manifest_add_file(struct manifest_object *o);
struct manifest_source *manifest_add_source(struct manifest_file *f);
struct manifest_duplicate *manifest_add_duplicate(struct manifest *m);
/* Copies the strings; a count whose name is in the list already replaces
 * it.  -1 when out of memory. */
int manifest_add_depends_on(struct manifest *m, struct manifest_object *o,
			    const char *parent);
int manifest_add_count(struct manifest *m, struct manifest_count **list,
		       size_t *n, const char *name, unsigned long long count);

/* The entry of object, or NULL. */
const struct manifest_object *manifest_find(const struct manifest *m,
					    const char *object);

/* The encoder: a new JSON value (the caller's), NULL when out of memory. */
json_t *manifest_to_json(const struct manifest *m);

/* The decoder: a manifest from its JSON, checked for what a reader relies
 * on (the format tag; every object has a name, a known operation, an
 * external ID when it upserts, and a list of files with paths; no object
 * listed twice; depends_on names only objects listed earlier, or objects
 * not in the export).  A mistake is a BS_E_INPUT error about file `where`.
 * Counts that are missing or not positive integers read as 0. */
struct manifest *manifest_from_json(const json_t *root, const char *where,
				    struct bs_err *err);

/* dir/manifest.json, written whole or not at all (through a temporary
 * file), or read and decoded. */
int manifest_write(const struct manifest *m, const char *dir,
		   struct bs_err *err);
struct manifest *manifest_load(const char *path, struct bs_err *err);

/* Totals over all objects (for exit codes and summaries). */
struct manifest_totals {
	unsigned long long read, written, filtered, rejected, duplicates,
		unchanged, below_watermark, files, rolled_up;
	int watermarks;     /* some object has a watermark (and so a
			       below_watermark count) */
};
void manifest_totals(const struct manifest *m, struct manifest_totals *t);

#endif
