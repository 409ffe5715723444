/* jsonsample.c - the keys of a JSON-lines dataset's first records, which
 * stand for its header (see jsonsample.h). */
#include "jsonsample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats/strsim.h"

struct json_sample {
	char **keys;
	size_t nkeys, cap;
	unsigned long records;      /* records sampled */
	int cut;                    /* stopped at JSON_SAMPLE_RECORDS */
	const char *first;          /* first file sampled (an entry name) */
	size_t files;               /* files sampled */
};

void json_sample_free(struct json_sample *js)
{
	size_t i;

	if (!js)
		return;

	for (i = 0; i < js->nkeys; i++)
		free(js->keys[i]);
	free(js->keys);
	free(js);
}

static int sample_has(const struct json_sample *js, const char *key,
		      size_t len)
{
	size_t i;

	for (i = 0; i < js->nkeys; i++)
		if (!strncmp(js->keys[i], key, len) && !js->keys[i][len])
			return 1;
	return 0;
}

/* -1 when out of memory. */
static int sample_add(struct json_sample *js, const char *key)
{
	if (sample_has(js, key, strlen(key)) || js->nkeys == JSON_SAMPLE_KEYS)
		return 0;
	if (js->nkeys == js->cap) {
		size_t cap = js->cap ? js->cap * 2 : 64;
		char **v = realloc(js->keys, cap * sizeof(*v));

		if (!v)
			return -1;
		js->keys = v;
		js->cap = cap;
	}
	if (!(js->keys[js->nkeys] = strdup(key)))
		return -1;
	js->nkeys++;
	return 0;
}

struct json_sample *json_sample_new(void)
{
	return calloc(1, sizeof(struct json_sample));
}

int json_sample_file(struct json_sample *js, const char *name,
		     struct rowsrc *rs, struct bs_err *e)
{
	struct rowsrc_row row;
	int r;

	if (js->records >= JSON_SAMPLE_RECORDS) {
		js->cut = 1;
		return 0;
	}
	if (!js->files++)
		js->first = name;
	for (;;) {
		json_t *obj;
		const char *key;
		json_t *val;

		bs_err_clear(e);
		r = rowsrc_next(rs, &row, e);
		if (r == ROWSRC_DONE)
			return 0;
		if (r == ROWSRC_ERROR)
			return 1;
		if (r != ROWSRC_ROW)
			continue;
		if (js->records == JSON_SAMPLE_RECORDS) {
			js->cut = 1;
			return 0;
		}
		js->records++;
		obj = json_loadb(row.raw, row.raw_len, 0, NULL);
		if (json_is_object(obj)) {
			json_object_foreach(obj, key, val) {
				if (sample_add(js, key) < 0) {
					json_decref(obj);
					return -1;
				}
			}
		}
		json_decref(obj);
	}
}

int json_sample_cut(struct json_sample *js)
{
	js->cut = 1;
	return 0;
}

/* Every column's first step must be a key of some sampled record: JSON
 * lines may leave out a key whose value is null, so deeper steps, and a
 * file without records, are not judged. */
void json_sample_check(const struct json_sample *js, const struct mapping *m,
		       struct bs_errlist *errs)
{
	const char *const *cols;
	size_t nc = mapping_columns(m, &cols), i;
	char where[600];
	struct bs_err e;

	if (!js->records)
		return;
	if (js->cut)
		snprintf(where, sizeof(where), "none of the first %lu records of "
			 "%s%s", js->records, js->first,
			 js->files > 1 ? " and the files after it" : "");
	else
		snprintf(where, sizeof(where), "no record of %s%s", js->first,
			 js->files > 1 ? " and the files after it" : "");
	for (i = 0; i < nc; i++) {
		size_t len = strcspn(cols[i], ".");
		char top[256], full[600], written[1300];
		const char *hint;

		if (sample_has(js, cols[i], len) || len >= sizeof(top))
			continue;
		memcpy(top, cols[i], len);
		top[len] = '\0';
		hint = strsim_closest(top, (const char *const *)js->keys,
				      js->nkeys);
		if (hint) {
			snprintf(full, sizeof(full), "%s%s", hint, cols[i] + len);
			mapping_column_written(full, written, sizeof(written));
		}
		bs_err_at(&e, BS_E_CONFIG, mapping_file(m),
			  mapping_column_line(m, i), "column '%s' is in %s%s%s%s",
			  cols[i], where, hint ? "; did you mean '" : "",
			  hint ? written : "", hint ? "'?" : "");
		bs_errlist_add(errs, &e);
	}
}

