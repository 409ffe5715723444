/* rollup.c - a group mapping's groups through the external sort (see
 * rollup.h). */
#include "rollup.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/sbuf.h"
#include "map/aggregate.h"
#include "stage.h"

#define ROLLUP_MEMORY ((size_t)32 << 20)
#define NULL_LEN UINT32_MAX       /* a null value in an encoded list */
#define SPOILT UINT32_MAX         /* left_out of a row that spoils its group */

struct rollup {
	const struct mapping *m;
	size_t nkeys, naggs;
	const struct map_aggregate *aggs;
	struct stage *st;
	struct sbuf group, payload;   /* the record being encoded */
	char **files;                 /* source file names, by index */
	size_t nfiles, files_alloc;
	struct agg *state;            /* one per aggregate */
	/* the record read past the end of the group before */
	int pending, pending_superseded;
	struct sbuf pgroup, ppayload;
	unsigned long long replaced;
};

/* ---- encoded values: (u32 length, bytes), NULL_LEN for null ---- */

static int put_value(struct sbuf *b, const struct bs_value *v)
{
	uint32_t n = v->kind == BS_V_NULL ? NULL_LEN : (uint32_t)v->len;

	if (sbuf_add(b, &n, 4) < 0 ||
	    (n != NULL_LEN && sbuf_add(b, v->s, v->len) < 0))
		return -1;
	return 0;
}

/* The value at *p, which moves past it. */
static void get_value(const unsigned char **p, struct bs_value *v)
{
	uint32_t n;

	memcpy(&n, *p, 4);
	*p += 4;
	if (n == NULL_LEN) {
		v->s = "";
		v->len = 0;
		v->kind = BS_V_NULL;
		return;
	}
	v->s = (const char *)*p;
	v->len = n;
	v->kind = BS_V_TEXT;
	*p += n;
}

static int file_index(struct rollup *r, const char *name, uint32_t *out,
		      struct bs_err *err)
{
	size_t i;

	for (i = r->nfiles; i > 0; i--) {
		if (!strcmp(r->files[i - 1], name)) {
			*out = (uint32_t)(i - 1);
			return 0;
		}
	}
	if (r->nfiles == r->files_alloc) {
		size_t n = r->files_alloc ? 2 * r->files_alloc : 16;
		char **f = realloc(r->files, n * sizeof(*f));

		if (!f)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		r->files = f;
		r->files_alloc = n;
	}
	r->files[r->nfiles] = strdup(name);
	if (!r->files[r->nfiles])
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	*out = (uint32_t)r->nfiles++;
	return 0;
}

struct rollup *rollup_new(const struct mapping *m, size_t memory,
			  struct bs_err *err)
{
	struct stage_opts so = { memory ? memory : ROLLUP_MEMORY, NULL, 1, NULL };
	const struct map_group_key *keys;
	struct rollup *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	r->m = m;
	r->nkeys = mapping_group_keys(m, &keys);
	r->naggs = mapping_aggregates(m, &r->aggs);
	sbuf_init(&r->group, 0);
	sbuf_init(&r->payload, 0);
	sbuf_init(&r->pgroup, 0);
	sbuf_init(&r->ppayload, 0);
	r->state = calloc(r->naggs ? r->naggs : 1, sizeof(*r->state));
	if (!r->state)
		bs_err_set(err, BS_E_NOMEM, "out of memory");
	else
		r->st = stage_new(&so, err);
	if (!r->st) {
		rollup_free(r);
		return NULL;
	}
	for (i = 0; i < r->naggs; i++)
		agg_init(&r->state[i], (enum agg_fn)r->aggs[i].fn);
	return r;
}

int rollup_add(struct rollup *r, const struct rowsrc_row *src,
	       const struct bs_value *v, const struct bs_value *row_key,
	       unsigned filtered, const struct bs_err *spoilt,
	       struct bs_err *err)
{
	struct stage_rec rec;
	uint32_t file, left_out = spoilt ? SPOILT : filtered;
	uint64_t line = src->line;
	size_t i;

	if (file_index(r, src->file, &file, err) < 0)
		return -1;
	sbuf_reset(&r->group);
	sbuf_reset(&r->payload);
	for (i = 0; i < r->nkeys; i++)
		if (put_value(&r->group, &v[i]) < 0)
			goto nomem;
	if (sbuf_add(&r->payload, &file, 4) < 0 ||
	    sbuf_add(&r->payload, &line, 8) < 0 ||
	    sbuf_add(&r->payload, &left_out, 4) < 0)
		goto nomem;
	if (spoilt) {   /* its reason, in place of its inputs */
		struct bs_value msg = { spoilt->msg, strlen(spoilt->msg),
					BS_V_TEXT };
		struct bs_value field = { spoilt->field, strlen(spoilt->field),
					  BS_V_TEXT };

		if (put_value(&r->payload, &msg) < 0 ||
		    put_value(&r->payload, &field) < 0)
			goto nomem;
	}
	for (i = 0; i < r->naggs && !filtered && !spoilt; i++)
		if (put_value(&r->payload, &v[r->nkeys + i]) < 0)
			goto nomem;
	memset(&rec, 0, sizeof(rec));
	rec.group = r->group.buf;
	rec.group_len = r->group.len;
	if (row_key && row_key->kind != BS_V_NULL && row_key->len) {
		rec.key = row_key->s;
		rec.key_len = row_key->len;
	}
	rec.payload = r->payload.buf;
	rec.payload_len = r->payload.len;
	return stage_add(r->st, &rec, err);
nomem:
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

int rollup_finish(struct rollup *r, struct bs_err *err)
{
	return stage_finish(r->st, err);
}

/* Reads the next record into the pending buffers: 1, or 0 at the end. */
static int read_pending(struct rollup *r, struct bs_err *err)
{
	struct stage_rec rec;
	int rc = stage_next(r->st, &rec, err);

	if (rc <= 0)
		return rc;
	sbuf_reset(&r->pgroup);
	sbuf_reset(&r->ppayload);
	if (sbuf_add(&r->pgroup, rec.group, rec.group_len) < 0 ||
	    sbuf_add(&r->ppayload, rec.payload, rec.payload_len) < 0)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	r->pending_superseded = rec.superseded;
	return 1;
}

/* Names g by the row at file:line. */
static void at(struct rollup *r, struct rollup_group *g, uint32_t file,
	       uint64_t line)
{
	g->file = file < r->nfiles ? r->files[file] : "";
	g->line = (unsigned long)line;
}

/* Rejects g for the row at file:line whose encoded reason is at p. */
static void spoil(struct rollup *r, struct rollup_group *g,
		  const unsigned char *p, uint32_t file, uint64_t line)
{
	struct bs_value msg, field;
	char name[BS_ERR_FIELD_MAX];

	get_value(&p, &msg);
	get_value(&p, &field);
	bs_err_set(&g->reason, BS_E_ROW, "%.*s", (int)msg.len, msg.s);
	snprintf(name, sizeof(name), "%.*s", (int)field.len, field.s);
	bs_err_field(&g->reason, name);
	g->rejected = 1;
	at(r, g, file, line);
	bs_err_locate(&g->reason, g->file, g->line);
}

/* Folds the pending record into the group g (once g is rejected, its rows
 * are only counted; a row a filter left out is only counted). */
static int fold(struct rollup *r, struct rollup_group *g, struct bs_err *err)
{
	const unsigned char *p = (const unsigned char *)r->ppayload.buf;
	struct bs_value v;
	uint32_t file, left_out;
	uint64_t line;
	size_t i;

	memcpy(&file, p, 4);
	memcpy(&line, p + 4, 8);
	memcpy(&left_out, p + 12, 4);
	p += 16;
	if (!g->rows && (!g->filtered || !left_out)) {   /* the first row,
							    folded if any */
		at(r, g, file, line);
	}
	if (left_out == SPOILT) {
		g->rows++;
		if (!g->rejected)
			spoil(r, g, p, file, line);
		return 0;
	}
	if (left_out) {
		if (!g->filtered++)
			g->filter = left_out;
		return 0;
	}
	g->rows++;
	for (i = 0; i < r->naggs && !g->rejected; i++) {
		get_value(&p, &v);
		if (agg_add(&r->state[i], &v, &g->reason) == 0)
			continue;
		if (g->reason.kind != BS_E_ROW) {
			*err = g->reason;
			return -1;
		}
		bs_err_field(&g->reason, r->aggs[i].name);
		g->rejected = 1;
		at(r, g, file, line);
		bs_err_locate(&g->reason, g->file, g->line);
	}
	return 0;
}

/* Counts the pending record, read again later (row_key), in g; the first
 * row of a group made of such rows only names it. */
static void superseded(struct rollup *r, struct rollup_group *g)
{
	uint32_t file;
	uint64_t line;

	r->replaced++;
	if (!g->superseded++ && !g->rows && !g->filtered) {
		memcpy(&file, r->ppayload.buf, 4);
		memcpy(&line, r->ppayload.buf + 4, 8);
		at(r, g, file, line);
	}
}

/* The group's keys and results, into arena. */
static int results(struct rollup *r, struct arena *a, struct rollup_group *g,
		   const struct sbuf *keys, struct bs_err *err)
{
	struct bs_value *v = arena_alloc(a, (r->nkeys + r->naggs + 1) *
					 sizeof(*v));
	const unsigned char *p = (const unsigned char *)keys->buf;
	size_t i;

	if (!v)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < r->nkeys; i++) {
		get_value(&p, &v[i]);
		if (v[i].kind != BS_V_NULL &&
		    !(v[i].s = arena_strndup(a, v[i].s, v[i].len)))
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	for (i = 0; i < r->naggs && !g->rejected; i++) {
		if (!g->rows && r->aggs[i].fn == AGG_SUM) {
			v[r->nkeys + i].s = "0";   /* the sum of no row */
			v[r->nkeys + i].len = 1;
			v[r->nkeys + i].kind = BS_V_TEXT;
		} else if (agg_result(&r->state[i], a, &v[r->nkeys + i],
				      err) < 0) {
			return -1;
		}
	}
	g->v = v;
	return 0;
}

/* Folds the rows of the next group (from the pending record on) into g,
 * its keys into keys: 1, or 0 when no record is left. */
static int next_rows(struct rollup *r, struct rollup_group *g,
		     struct sbuf *keys, struct bs_err *err)
{
	size_t i;
	int rc;

	if (!r->pending && (rc = read_pending(r, err)) <= 0)
		return rc;
	r->pending = 0;
	for (i = 0; i < r->naggs; i++)
		agg_reset(&r->state[i]);
	sbuf_reset(keys);
	if (sbuf_add(keys, r->pgroup.buf, r->pgroup.len) < 0)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (;;) {
		if (r->pending_superseded)
			superseded(r, g);
		else if (fold(r, g, err) < 0)
			return -1;
		rc = read_pending(r, err);
		if (rc <= 0)
			return rc < 0 ? -1 : 1;
		if (r->pgroup.len != keys->len ||
		    memcmp(r->pgroup.buf, keys->buf, keys->len)) {
			r->pending = 1;
			return 1;
		}
	}
}

int rollup_next(struct rollup *r, struct arena *a, struct rollup_group *g,
		struct bs_err *err)
{
	struct sbuf keys;
	int rc;

	sbuf_init(&keys, 0);
	memset(g, 0, sizeof(*g));
	bs_err_clear(&g->reason);
	rc = next_rows(r, g, &keys, err);
	if (rc == 1 && results(r, a, g, &keys, err) < 0)
		rc = -1;
	sbuf_release(&keys);
	return rc;
}

unsigned long long rollup_replaced(const struct rollup *r)
{
	return r->replaced;
}

void rollup_free(struct rollup *r)
{
	size_t i;

	if (!r)
		return;
	stage_free(r->st);
	for (i = 0; r->state && i < r->naggs; i++)
		agg_release(&r->state[i]);
	free(r->state);
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	sbuf_release(&r->group);
	sbuf_release(&r->payload);
	sbuf_release(&r->pgroup);
	sbuf_release(&r->ppayload);
	free(r);
}
