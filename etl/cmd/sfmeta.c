/* sfmeta.c - Metadata API source files for the mapped objects (see
 * sfmeta.h).  Elements are written in the order of the Metadata API's
 * schema (fullName first, then by name), as `sf project retrieve` does. */
#include "sfmeta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/xmlw.h"

int sfmeta_custom(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && !strcmp(name + n - 3, "__c");
}

static char *finish(struct xmlw *w, struct bs_err *err)
{
	const char *text;
	size_t len;
	char *out = NULL;

	if (xmlw_finish(w, &text, &len, err) == 0) {
		out = malloc(len + 1);
		if (out)
			memcpy(out, text, len + 1);
		else
			bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	xmlw_release(w);
	return out;
}

/* The file name without its folders: descriptions stay the same wherever
 * the mappings are. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *sfmeta_object(const struct sft_object *o, const char *source,
		    const char *file, struct bs_err *err)
{
	struct xmlw w;

	xmlw_init(&w);
	xmlw_open(&w, "CustomObject", SFMETA_NS);
	xmlw_text(&w, "deploymentStatus", "Deployed");
	if (o->description)
		xmlw_text(&w, "description", o->description);
	else
		xmlw_textf(&w, "description", "Loaded by billsync from the %s "
			   "dataset (%s).", source, base_name(file));
	xmlw_text(&w, "label", o->label);
	xmlw_open(&w, "nameField", NULL);
	xmlw_textf(&w, "label", "%s Name", o->label);
	xmlw_text(&w, "type", "Text");
	xmlw_close(&w);
	xmlw_text(&w, "pluralLabel", o->plural);
	/* Public Read Only: everyone reads the billing data, only its owner
	 * (the integration user, who creates every record) changes it */
	xmlw_text(&w, "sharingModel", "Read");
	xmlw_close(&w);
	return finish(&w, err);
}

static void picklist(struct xmlw *w, const struct sft_field *f)
{
	size_t i;

	xmlw_open(w, "valueSet", NULL);
	xmlw_bool(w, "restricted", 1);
	xmlw_open(w, "valueSetDefinition", NULL);
	xmlw_bool(w, "sorted", 0);
	for (i = 0; i < f->nvalues; i++) {
		xmlw_open(w, "value", NULL);
		xmlw_text(w, "fullName", f->values[i]);
		xmlw_bool(w, "default", 0);
		xmlw_text(w, "label", f->values[i]);
		xmlw_close(w);
	}
	xmlw_close(w);
	xmlw_close(w);
}

static int numeric(enum sft_kind k)
{
	return k == SFT_NUMBER || k == SFT_CURRENCY || k == SFT_PERCENT;
}

/* Writes the elements of f in schema order; each kind writes those it
 * needs (Text: length; Number: precision, scale; Lookup: referenceTo, the
 * relationship; Picklist: valueSet; Long Text Area: visibleLines). */
static void field_body(struct xmlw *w, const struct sft_field *f,
		       const char *desc, const char *child_name,
		       const char *child_label)
{
	enum sft_kind k = f->kind;

	if (f->external_id)
		xmlw_bool(w, "caseSensitive", 1);
	if (k == SFT_CHECKBOX)
		xmlw_bool(w, "defaultValue", 0);
	if (k == SFT_LOOKUP)
		xmlw_text(w, "deleteConstraint", "SetNull");
	xmlw_text(w, "description", desc);
	if (f->external_id)
		xmlw_bool(w, "externalId", 1);
	xmlw_text(w, "label", f->label);
	if (k == SFT_TEXT || k == SFT_LONGTEXT)
		xmlw_textf(w, "length", "%zu", f->length);
	if (numeric(k))
		xmlw_textf(w, "precision", "%d", f->precision);
	if (k == SFT_LOOKUP) {
		xmlw_text(w, "referenceTo", f->reference_to);
		xmlw_text(w, "relationshipLabel", child_label);
		xmlw_text(w, "relationshipName", child_name);
	}
	if (k != SFT_CHECKBOX && k != SFT_PICKLIST && k != SFT_LONGTEXT)
		xmlw_bool(w, "required", 0);
	if (numeric(k))
		xmlw_textf(w, "scale", "%d", f->scale);
	xmlw_text(w, "type", sftype_kind_name(k));
	if (k == SFT_TEXT)
		xmlw_bool(w, "unique", f->external_id);
	if (k == SFT_PICKLIST)
		picklist(w, f);
	if (k == SFT_LONGTEXT)
		xmlw_textf(w, "visibleLines", "%d", 5);
}

char *sfmeta_field(const struct sft_object *o, const struct sft_field *f,
		   const char *source, const char *file,
		   const char *child_name, const char *child_label,
		   struct bs_err *err)
{
	struct xmlw w;
	char desc[1000];

	(void)o;
	if (f->description)
		snprintf(desc, sizeof(desc), "%s", f->description);
	else if (f->from)
		snprintf(desc, sizeof(desc), "%s%s.%s (billsync, %s line %lu).",
			 f->external_id ? "The record's key, from " : "From ",
			 source, f->from, base_name(file), f->line);
	else
		snprintf(desc, sizeof(desc), "%sFrom %s (billsync, %s line "
			 "%lu).", f->external_id ? "The record's key. " : "",
			 source, base_name(file), f->line);
	xmlw_init(&w);
	xmlw_open(&w, "CustomField", SFMETA_NS);
	xmlw_text(&w, "fullName", f->field);
	field_body(&w, f, desc, child_name, child_label);
	xmlw_close(&w);
	return finish(&w, err);
}

static int access_cmp(const void *a, const void *b)
{
	const struct sfmeta_access *x = a, *y = b;

	return strcmp(x->object, y->object);
}

struct fperm {
	char name[300];
};

static int fperm_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fperm *)a)->name,
		      ((const struct fperm *)b)->name);
}

/* The custom fields loading writes, "Object.Field", sorted. */
static struct fperm *field_perms(const struct sfmeta_access *a, size_t n,
				 size_t *count)
{
	size_t i, j, total = 0, k = 0;
	struct fperm *p;

	for (i = 0; i < n; i++)
		total += a[i].o ? a[i].o->nfields : 0;
	p = calloc(total ? total : 1, sizeof(*p));
	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		for (j = 0; a[i].o && j < a[i].o->nfields; j++) {
			const struct sft_field *f = &a[i].o->fields[j];

			if (!sfmeta_custom(f->field))
				continue;
			snprintf(p[k++].name, sizeof(p->name), "%s.%s",
				 a[i].object, f->field);
		}
	}
	qsort(p, k, sizeof(*p), fperm_cmp);
	*count = k;
	return p;
}

char *sfmeta_permset(const char *label, struct sfmeta_access *a, size_t n,
		     struct bs_err *err)
{
	struct xmlw w;
	struct fperm *fp;
	size_t nfp = 0, i;
	int hard = 0;

	qsort(a, n, sizeof(*a), access_cmp);
	fp = field_perms(a, n, &nfp);
	if (!fp) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	xmlw_init(&w);
	xmlw_open(&w, "PermissionSet", SFMETA_NS);
	xmlw_text(&w, "description", "What billsync's integration user needs "
		  "to load the mapped objects: read, create and edit them "
		  "(delete only where a mapping deletes), read the parents its "
		  "lookups point at, and edit the mapped fields. Written by "
		  "billsync schema.");
	for (i = 0; i < nfp; i++) {
		xmlw_open(&w, "fieldPermissions", NULL);
		xmlw_bool(&w, "editable", 1);
		xmlw_text(&w, "field", fp[i].name);
		xmlw_bool(&w, "readable", 1);
		xmlw_close(&w);
	}
	xmlw_bool(&w, "hasActivationRequired", 0);
	xmlw_text(&w, "label", label);
	for (i = 0; i < n; i++) {
		enum map_op op = a[i].op;
		int ro = a[i].read_only;

		hard |= !ro && a[i].deletes == 2;
		xmlw_open(&w, "objectPermissions", NULL);
		xmlw_bool(&w, "allowCreate", !ro && (op == MAP_UPSERT ||
						      op == MAP_INSERT));
		xmlw_bool(&w, "allowDelete", !ro && (op == MAP_DELETE ||
						      a[i].deletes));
		xmlw_bool(&w, "allowEdit", !ro && (op == MAP_UPSERT ||
						    op == MAP_UPDATE ||
						    op == MAP_DELETE));
		xmlw_bool(&w, "allowRead", 1);
		xmlw_bool(&w, "modifyAllRecords", 0);
		xmlw_text(&w, "object", a[i].object);
		xmlw_bool(&w, "viewAllRecords", 0);
		xmlw_close(&w);
	}
	if (hard) {   /* a hardDelete job needs it (docs/mappings.md) */
		xmlw_open(&w, "userPermissions", NULL);
		xmlw_bool(&w, "enabled", 1);
		xmlw_text(&w, "name", "BulkApiHardDelete");
		xmlw_close(&w);
	}
	xmlw_close(&w);
	free(fp);
	return finish(&w, err);
}
