/* orgcheck.c - checking mappings against the org's describe results (see
 * orgcheck.h). */
#include "orgcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "formats/strsim.h"
#include "base/config.h"
#include "sf/http.h"
#include "loader.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "sf/sf_api.h"
#include "sf/sf_auth.h"

#define DESCRIBE_MAX_BYTES ((size_t)32 << 20)
#define ORGCHECK_MAX_OBJECTS 256

struct described {
	char *object;
	json_t *fields;     /* the describe's "fields" array, NULL if none */
};

struct orgcheck {
	struct sf_api *api;
	struct described objs[ORGCHECK_MAX_OBJECTS];
	size_t n;
	struct bs_errlist *errs;
	long mistakes;
};

/* The describe of object (cached); NULL fields when the org has no such
 * object.  -1 when the call failed for another reason. */
static int describe(struct orgcheck *oc, const char *object,
		    const json_t **fields, struct bs_err *err)
{
	struct sf_call call;
	struct http_resp resp;
	char path[512];
	json_t *doc;
	size_t i;

	for (i = 0; i < oc->n; i++) {
		if (!strcasecmp(oc->objs[i].object, object)) {
			*fields = oc->objs[i].fields;
			return 0;
		}
	}
	if (oc->n == ORGCHECK_MAX_OBJECTS)
		return bs_err_set(err, BS_E_INTERNAL, "too many objects");
	memset(&call, 0, sizeof(call));
	snprintf(path, sizeof(path), "/sobjects/%s/describe", object);
	call.method = HTTP_GET;
	call.path = path;
	http_resp_init(&resp, DESCRIBE_MAX_BYTES);
	if (sf_api_call(oc->api, &call, &resp, err) < 0) {
		http_resp_release(&resp);
		if (call.status != 404)
			return -1;
		bs_err_clear(err);
		doc = NULL;    /* NOT_FOUND: no such object in the org */
	} else {
		doc = json_loadb(resp.body.buf, resp.body.len, 0, NULL);
		http_resp_release(&resp);
		if (!doc)
			return bs_err_set(err, BS_E_REMOTE, "describe of %s: "
					  "not JSON", object);
	}
	oc->objs[oc->n].object = strdup(object);
	oc->objs[oc->n].fields = doc ? json_incref(json_object_get(doc, "fields"))
				     : NULL;
	json_decref(doc);
	*fields = oc->objs[oc->n++].fields;
	return 0;
}

static const json_t *field_named(const json_t *fields, const char *key,
				 const char *name)
{
	const json_t *f;
	size_t i;

	json_array_foreach(fields, i, f) {
		const char *v = json_string_value(json_object_get(f, key));

		if (v && !strcasecmp(v, name))
			return f;
	}
	return NULL;
}

static int flag(const json_t *f, const char *key)
{
	return json_is_true(json_object_get(f, key));
}

static void mistake(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...) BS_PRINTF(5, 6);

static void mistake(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...)
{
	struct bs_err e;
	va_list ap;

	bs_err_clear(&e);
	e.kind = BS_E_CONFIG;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	bs_err_locate(&e, mapping_file(m), line);
	bs_err_field(&e, field);
	bs_errlist_add(oc->errs, &e);
	oc->mistakes++;
}

/* " did you mean 'X'?" for a name among the fields' values of key. */
static const char *hint(const json_t *fields, const char *key,
			const char *name, char *buf, size_t size)
{
	const char *names[2048], *best;
	const json_t *f;
	size_t i, n = 0;

	json_array_foreach(fields, i, f) {
		const char *v = json_string_value(json_object_get(f, key));

		if (v && n < 2048)
			names[n++] = v;
	}
	best = strsim_closest(name, names, n);
	if (!best)
		return "";
	snprintf(buf, size, "; did you mean '%s'?", best);
	return buf;
}

static const char *parent_of(const struct mapping *m, const char *rel)
{
	const struct map_lookup *l;
	size_t n = mapping_lookups(m, &l), i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].relationship, rel))
			return l[i].object;
	return NULL;
}

static int check_lookup(struct orgcheck *oc, const struct mapping *m,
			const json_t *fields, const struct map_field *f,
			struct bs_err *err)
{
	const char *obj = mapping_object(m), *parent = parent_of(m, f->relationship);
	const json_t *rf = field_named(fields, "relationshipName", f->relationship);
	const json_t *pfields, *pf, *to;
	char buf[160];
	size_t i;
	int points = 0;

	if (!rf) {
		mistake(oc, m, f->line, f->target, "%s has no relationship '%s'%s",
			obj, f->relationship, hint(fields, "relationshipName",
						    f->relationship, buf,
						    sizeof(buf)));
		return 0;
	}
	json_array_foreach(json_object_get(rf, "referenceTo"), i, to)
		if (parent && !strcasecmp(json_string_value(to), parent))
			points = 1;
	if (!points) {
		mistake(oc, m, f->line, f->target, "'%s' points to %s, not %s "
			"(set it in [lookups])", f->relationship,
			json_string_value(json_array_get(json_object_get(rf,
				"referenceTo"), 0)), parent ? parent : "?");
		return 0;
	}
	if (describe(oc, parent, &pfields, err) < 0)
		return -1;
	if (!pfields)
		return 0;
	pf = field_named(pfields, "name", f->parent_field);
	if (!pf)
		mistake(oc, m, f->line, f->target, "%s has no field '%s'%s", parent,
			f->parent_field, hint(pfields, "name", f->parent_field,
					      buf, sizeof(buf)));
	else if (!flag(pf, "externalId") && !flag(pf, "idLookup"))
		mistake(oc, m, f->line, f->target, "%s.%s is not an External ID "
			"field: a lookup must go through one", parent,
			f->parent_field);
	return 0;
}

static int check_mapping(struct orgcheck *oc, const struct mapping *m,
			 struct bs_err *err)
{
	const struct map_field *fields;
	size_t nf = mapping_fields(m, &fields), i, j;
	const json_t *desc, *f;
	const char *key = mapping_key_field(m);
	char buf[160];

	if (describe(oc, mapping_object(m), &desc, err) < 0)
		return -1;
	if (!desc) {
		mistake(oc, m, 0, "", "the org has no object %s",
			mapping_object(m));
		return 0;
	}
	for (i = 0; i < nf; i++) {
		if (fields[i].relationship) {
			if (check_lookup(oc, m, desc, &fields[i], err) < 0)
				return -1;
			continue;
		}
		f = field_named(desc, "name", fields[i].target);
		if (!f) {
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s has no field '%s'%s", mapping_object(m),
				fields[i].target, hint(desc, "name",
						       fields[i].target, buf,
						       sizeof(buf)));
			continue;
		}
		if (strcasecmp(fields[i].target, "Id") &&
		    !flag(f, "createable") && !flag(f, "updateable"))
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s.%s cannot be written (not createable or "
				"updateable for this user)", mapping_object(m),
				fields[i].target);
		if (key && !strcasecmp(key, fields[i].target) &&
		    mapping_op(m) == MAP_UPSERT && !flag(f, "externalId") &&
		    !flag(f, "idLookup"))
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s.%s is not an External ID field: upsert needs "
				"one (mark it External ID and Unique)",
				mapping_object(m), fields[i].target);
	}
	if (mapping_op(m) != MAP_UPSERT && mapping_op(m) != MAP_INSERT)
		return 0;
	/* what the org requires on create */
	json_array_foreach(desc, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));

		if (!name || flag(f, "nillable") || !flag(f, "createable") ||
		    flag(f, "defaultedOnCreate") ||
		    !strcmp(json_string_value(json_object_get(f, "type")),
			    "boolean"))
			continue;
		for (j = 0; j < nf; j++)
			if (!strcasecmp(fields[j].target, name))
				break;
		if (j == nf)
			mistake(oc, m, 0, name, "%s requires '%s' on create, and "
				"the mapping does not set it", mapping_object(m),
				name);
	}
	return 0;
}

long orgcheck_run(const struct config *cfg, const struct mapset *maps,
		  struct bs_errlist *errs, struct bs_err *err)
{
	struct orgcheck oc;
	struct loader_opts lo;
	struct sf_api_opts ao;
	struct sf_auth *auth = NULL;
	size_t i;
	long r = -1;

	memset(&oc, 0, sizeof(oc));
	oc.errs = errs;
	if (loader_opts_from_config(cfg, &lo, err) < 0)
		return -1;
	memset(&ao, 0, sizeof(ao));
	ao.api_version = lo.api_version;
	ao.retries = lo.retries;
	ao.retry_wait_ms = (unsigned long)lo.retry_wait_ms;
	ao.retry_wait_max_ms = 60000;
	auth = sf_auth_from_config(cfg, err);
	if (!auth || http_global_init(err) < 0)
		goto out;
	oc.api = sf_api_new(auth, &lo.http, &ao, err);
	if (oc.api) {
		for (i = 0; i < mapset_count(maps); i++)
			if (check_mapping(&oc, mapset_at(maps, i), err) < 0)
				break;
		if (i == mapset_count(maps))
			r = oc.mistakes;
	}
	sf_api_free(oc.api);
	http_global_cleanup();
out:
	for (i = 0; i < oc.n; i++) {
		free(oc.objs[i].object);
		json_decref(oc.objs[i].fields);
	}
	sf_auth_free(auth);
	loader_opts_release(&lo);
	return r;
}
