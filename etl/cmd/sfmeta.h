/*
 * sfmeta.h - Salesforce Metadata API source files (DX source format) for
 * the objects the mappings load (sftype.h): a CustomObject, its
 * CustomFields, and one PermissionSet granting what loading needs.
 *
 * Each function returns the file's text (malloc'd, the caller frees) or
 * NULL with err.  Files are the same bytes for the same input.
 */
#ifndef SFMETA_H
#define SFMETA_H

#include <stddef.h>

#include "formats/bs_err.h"
#include "map/mapping.h"
#include "map/sftype.h"

#define SFMETA_NS "http://soap.sforce.com/2006/04/metadata"

/* objects/<Object>/<Object>.object-meta.xml; source and file say where
 * the records come from (in the description). */
char *sfmeta_object(const struct sft_object *o, const char *source,
		    const char *file, struct bs_err *err);
/* objects/<Object>/fields/<Field>.field-meta.xml of f (a custom field);
 * child_name / child_label name the lookup's child relationship on the
 * parent (NULL for other fields). */
char *sfmeta_field(const struct sft_object *o, const struct sft_field *f,
		   const char *source, const char *file,
		   const char *child_name, const char *child_label,
		   struct bs_err *err);

/* One object of a permission set. */
struct sfmeta_access {
	const char *object;
	enum map_op op;               /* what the mapping does */
	int read_only;                /* a lookup's parent, not loaded */
	int deletes;                  /* its [delete] deletes records (delete
					 or hardDelete: 2) */
	const struct sft_object *o;   /* its fields (NULL: none) */
};

/* permissionsets/<name>.permissionset-meta.xml: objects sorted by name;
 * delete where a mapping deletes (its operation or its [delete] section),
 * and the Bulk API Hard Delete user permission where one hard-deletes. */
char *sfmeta_permset(const char *label, struct sfmeta_access *a, size_t n,
		     struct bs_err *err);

/* 1 for a custom field or object API name (ends in __c). */
int sfmeta_custom(const char *api_name);

#endif
