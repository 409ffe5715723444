/* sync_marks.c - watermarks: the floor below which an incremental run
 * does not read a mapping's rows, and when a run moves or forgets a
 * watermark (see sync_int.h and docs/state.md, "Watermark"). */
#include "sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "formats/sbuf.h"
#include "map/mapping.h"
#include "map/mapset.h"

/* The hash of a mapping file's text: a watermark read under another
 * version of the mapping is void.  0 if the file cannot be read. */
static int mapping_hash(const struct mapping *m, struct state_hash *h)
{
	FILE *f = fopen(mapping_file(m), "rb");
	struct sbuf sb;
	char buf[8192];
	size_t n;
	int ok;

	if (!f)
		return 0;
	sbuf_init(&sb, 0);
	ok = 1;
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = sbuf_add(&sb, buf, n) == 0;
	ok = ok && !ferror(f);
	fclose(f);
	if (ok)
		state_hash_row(sb.buf ? sb.buf : "", sb.len, h);
	sbuf_release(&sb);
	return ok;
}

/* The floor of one watermarked mapping for an incremental run: the
 * stored value less the lookback, unless the mapping changed since. */
static void mark_floor_from(struct change *c, const struct mapping *m,
			    struct mark *k, const struct state_watermark *w)
{
	struct dt_instant t;
	struct bs_err ignored;

	if (!k->has_hash || memcmp(&w->mapping, &k->hash, sizeof(k->hash))) {
		msg_note(c->msg, "%s: %s changed since the watermark was "
			 "stored: every row is read", mapping_object(m),
			 mapping_file(m));
		return;
	}
	if (dt_parse_instant(w->value, strlen(w->value), NULL, &t,
			     &ignored) < 0 ||
	    t.sec - mapping_lookback(m) < -62135596800LL)
		return;   /* before 0001-01-01: read everything */
	t.sec -= mapping_lookback(m);
	dt_format_iso(&t, k->floor);
	msg_note(c->msg, "%s: watermark %s less lookback %s: rows whose %s is "
		 "before %s are not read", mapping_object(m), w->value,
		 mapping_lookback_text(m), mapping_watermark_column(m),
		 k->floor);
}

int sync_marks_prepare(struct change *c, struct bs_err *err)
{
	size_t i, n = mapset_count(c->maps);

	c->marks = calloc(n ? n : 1, sizeof(*c->marks));
	if (!c->marks)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		struct mark *k = &c->marks[i];
		struct state_watermark w;
		int found;

		if (!mapping_watermark_column(m) || !sync_selected_map(c->o, m))
			continue;
		k->has_hash = mapping_hash(m, &k->hash);
		found = c->st ? state_watermark_get(c->st, mapping_object(m), &w,
						    err) : 0;
		if (found < 0)
			return -1;
		if (!found)
			continue;
		snprintf(k->stored, sizeof(k->stored), "%s", w.value);
		if (c->o->mode == SYNC_INCREMENTAL)
			mark_floor_from(c, m, k, &w);
	}
	return 0;
}

const char *sync_mark_floor(void *ctx, const struct mapping *m)
{
	struct change *c = ctx;
	size_t i;

	for (i = 0; i < mapset_count(c->maps); i++)
		if (mapset_at(c->maps, i) == m)
			return c->marks[i].floor[0] ? c->marks[i].floor : NULL;
	return NULL;
}

/* A run other than an incremental one reads rows below the floor, and
 * those that fail would hide under it; so each watermarked object it
 * sends records of forgets its watermark (the next incremental run reads
 * every row once). */
int sync_marks_before_load(struct change *c, const struct manifest *manifest,
			   struct bs_err *err)
{
	size_t i;

	if (c->o->mode == SYNC_INCREMENTAL)
		return 0;
	for (i = 0; i < mapset_count(c->maps); i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		const struct manifest_object *o =
			manifest_find(manifest, mapping_object(m));

		if (!c->marks[i].stored[0] || !o || !o->counts.written)
			continue;
		if (state_watermark_clear(c->st, mapping_object(m), err) < 0)
			return -1;
		c->marks[i].stored[0] = '\0';
	}
	return 0;
}

/* 1 when the load of object in this run ended with every file done and no
 * record failed or unprocessed (load NULL if nothing was loaded). */
static int object_loaded(struct change *c, const char *object,
			 const struct load_report *load,
			 unsigned long long written, struct bs_err *err)
{
	unsigned long long left;
	size_t i;

	if (!written)
		return 1;
	if (state_files_left(c->st, c->run, object, &left, err) < 0)
		return -1;
	for (i = 0; !left && load && i < load->nobjects; i++)
		if (!strcmp(load->objects[i].object, object))
			return !load->objects[i].failed &&
			       !load->objects[i].unprocessed;
	return 0;
}

static int list_mark(struct sync_result *res, const char *object,
		     const char *value, int advanced, struct bs_err *err)
{
	struct sync_mark *k = realloc(res->marks,
				      (res->nmarks + 1) * sizeof(*k));

	if (!k)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	res->marks = k;
	k += res->nmarks++;
	k->object = object;
	snprintf(k->value, sizeof(k->value), "%s", value);
	k->advanced = advanced;
	return 0;
}

/* An incremental or full run whose load of an object succeeded stores the
 * newest watermark value it read. */
int sync_marks_after_load(struct change *c, const struct manifest *manifest,
			  const struct load_report *load,
			  enum sync_outcome outcome,
			  struct sync_result *res, struct bs_err *err)
{
	size_t i;

	for (i = 0; i < mapset_count(c->maps); i++) {
		const struct mapping *m = mapset_at(c->maps, i);
		const char *object = mapping_object(m), *max;
		const struct manifest_object *o = manifest_find(manifest, object);
		struct mark *k = &c->marks[i];
		unsigned long long rejected;
		int ok, store;

		if (!o || !o->has_watermark)
			continue;
		max = o->watermark.max;
		store = (c->o->mode == SYNC_INCREMENTAL ||
			 (c->o->mode == SYNC_FULL && !c->o->since &&
			  !c->o->until)) && max && k->has_hash &&
			(outcome == SYNC_DONE || outcome == SYNC_DONE_RECORDS);
		/* a rejected row is read again only below the watermark's
		   floor if the watermark stays: it is fixed in the source
		   later, and must then be found */
		rejected = o->counts.rejected;
		ok = store && !rejected ? object_loaded(c, object, load,
							o->counts.written, err) : 0;
		if (ok < 0)
			return -1;
		if (ok) {
			if (state_watermark_set(c->st, object, max, &k->hash,
						c->run, err) < 0)
				return -1;
			snprintf(k->stored, sizeof(k->stored), "%s", max);
		} else if (store && k->stored[0]) {
			msg_note(c->msg, "%s: watermark kept at %s: records of "
				 "this run %s, and the next run reads them "
				 "again", object, k->stored, rejected ?
				 "were rejected" : "failed or were not loaded");
		}
		if (list_mark(res, object, k->stored, ok, err) < 0)
			return -1;
	}
	return 0;
}
