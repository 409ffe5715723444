/* sync_change.c - which records a run sends: the change store's verdict
 * on each mapped row, filters, insert mappings refused, and the --id keys
 * that sent nothing (see sync_int.h and docs/state.md). */
#include "sync_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "deletes.h"
#include "export/unchanged.h"
#include "map/mapdelete.h"
#include "map/mapping.h"
#include "map/mapset.h"

int sync_selected_map(const struct sync_opts *o, const struct mapping *m)
{
	return mapping_chosen(m, o->objects, o->objects ? o->nobjects : 0);
}

static const char *command_name(const struct sync_opts *o)
{
	return o->mode == SYNC_RETRY ? "retry" :
	       o->mode == SYNC_RESYNC ? "resync" : "run";
}

/* An insert mapping has no key: nothing tells a run which of its rows were
 * sent already, so every run would create them all again.  Each one among
 * the chosen objects is a configuration mistake (at its `operation`). */
int sync_refuse_inserts(const struct mapset *maps, const struct sync_opts *o,
			struct bs_errlist *errs, struct bs_err *err)
{
	size_t i, n = 0;

	for (i = 0; i < mapset_count(maps); i++) {
		const struct mapping *m = mapset_at(maps, i);
		struct bs_err e;

		if (mapping_op(m) != MAP_INSERT || !sync_selected_map(o, m))
			continue;
		bs_err_clear(&e);
		bs_err_at(&e, BS_E_CONFIG, mapping_file(m),
			  mapping_key_line(m, "operation"),
			  "%s: operation = insert cannot be synced by `billsync "
			  "%s`: an insert has no key to remember its records by, "
			  "so every run would create them all again; for a "
			  "scheduled sync use 'operation = upsert' with an "
			  "External ID field ('external_id = ...'), for a "
			  "one-off load `billsync export` then `billsync "
			  "upload`%s", mapping_object(m), command_name(o),
			  o->nobjects ? "" : o->mode == SYNC_RETRY ||
			  o->mode == SYNC_RESYNC ? " (or choose the other "
			  "objects with --object)" : " (or leave it out with "
			  "--objects)");
		if (errs)
			bs_errlist_add(errs, &e);   /* main prints them all */
		else if (!n)
			*err = e;
		n++;
	}
	return n ? -1 : 0;
}

/* The index of the --id that key is, or -1 (always 0 without --id). */
static long selected_id(const struct sync_opts *o, const char *key,
			size_t len)
{
	size_t i;

	if (!o->nids)
		return 0;
	for (i = 0; i < o->nids; i++)
		if (strlen(o->ids[i]) == len && !memcmp(o->ids[i], key, len))
			return (long)i;
	return -1;
}

static int is_failed(enum state_rec_status s)
{
	return s == REC_FAILED || s == REC_RETRIED;
}

static int is_synced(enum state_rec_status s)
{
	return s == REC_SYNCED || s == REC_RESYNCED;
}

/* Whether a known record was last synced with a row that hashes to h. */
static int as_synced(const struct state_record *r, uint64_t h)
{
	return r->has_hash && is_synced(r->status) && r->hash == h;
}

int sync_verdict(struct change *c, const struct mapping *m, const char *key,
		 size_t key_len, const struct state_hash *h,
		 struct sync_verdict *v, struct bs_err *err)
{
	struct state_record r;
	int known, unchanged;

	memset(v, 0, sizeof(*v));
	known = c->st ? state_record_get(c->st, mapping_object(m), key,
					 key_len, &r, err) : 0;
	if (known < 0)
		return -1;
	unchanged = known && as_synced(&r, h->h[0]);
	switch (c->o->mode) {
	case SYNC_INCREMENTAL:
		v->send = !unchanged;
		break;
	case SYNC_FULL:
		v->send = 1;
		v->forced = unchanged;
		break;
	case SYNC_RETRY:
		v->id = selected_id(c->o, key, key_len);
		v->send = known && is_failed(r.status) && v->id >= 0;
		break;
	case SYNC_RESYNC:
		v->id = selected_id(c->o, key, key_len);
		v->send = known && is_synced(r.status) && v->id >= 0;
		v->forced = 1;
		break;
	}
	v->why = !known ? SYNC_WHY_NEW :
		 unchanged ? (v->send ? SYNC_WHY_RESEND : SYNC_WHY_UNCHANGED) :
		 is_failed(r.status) || r.status == REC_PENDING ?
		 SYNC_WHY_RETRY : r.has_hash ? SYNC_WHY_CHANGED : SYNC_WHY_NEW;
	return v->send;
}

/* ---- export_unchanged: an incremental run's unchanged rows ----------- */

struct walk {
	struct change *c;
	const struct mapping *m;
	struct state_scan *scan;
};

static int walk_open(void *ctx, const struct mapping *m, void **out,
		     struct bs_err *err)
{
	struct change *c = ctx;
	struct state_scan *scan;
	struct walk *w;

	*out = NULL;
	if (c->o->mode != SYNC_INCREMENTAL || !c->st ||
	    mapping_op(m) == MAP_INSERT)
		return 0;
	if (state_scan_open(c->st, mapping_object(m), &scan, err) < 0)
		return -1;
	if (!scan)
		return 0;   /* no record of the object: every row is new */
	w = malloc(sizeof(*w));
	if (!w) {
		state_scan_close(scan);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	w->c = c;
	w->m = m;
	w->scan = scan;
	*out = w;
	return 0;
}

static int walk_check(void *walk, const char *key, size_t key_len,
		      uint64_t digest, struct bs_err *err)
{
	struct walk *w = walk;
	struct state_record r;
	int known = state_scan_get(w->scan, key, key_len, &r, err);

	if (known <= 0 || !as_synced(&r, digest))
		return known < 0 ? -1 : 0;
	/* the key's last row was read: told as keep tells it */
	if (w->c->del && deletes_seen(w->c->del, w->m, key, key_len, err) < 0)
		return -1;
	return 1;
}

static void walk_close(void *walk)
{
	struct walk *w = walk;

	if (w)
		state_scan_close(w->scan);
	free(w);
}

const struct export_unchanged sync_unchanged = {
	state_hash_row64, walk_open, walk_check, walk_close
};

int sync_keep_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *row, size_t row_len,
		  const char *source, unsigned long line, struct bs_err *err)
{
	struct change *c = ctx;
	struct sync_verdict v;
	struct state_hash h;
	int r;

	if (!key_len)   /* insert mappings are refused before the export */
		return bs_err_at(err, BS_E_INTERNAL, mapping_file(m), 0,
				 "a record without a key to sync");
	if (c->del && deletes_seen(c->del, m, key, key_len, err) < 0)
		return -1;
	state_hash_row(row, row_len, &h);
	r = sync_verdict(c, m, key, key_len, &h, &v, err);
	if (r <= 0)
		return r;
	if (c->o->nids)
		c->id_sent[v.id] = 1;
	return state_record_sending(c->st, c->run, mapping_object(m), key,
				    key_len, &h, v.forced, source, line,
				    err) < 0 ? -1 : 1;
}

int sync_held_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, struct bs_err *err)
{
	struct change *c = ctx;
	struct state_record r;
	int known;

	known = c->st ? state_record_get(c->st, mapping_object(m), key,
					 key_len, &r, err) : 0;
	if (known <= 0)
		return known;
	return r.status != REC_SKIPPED && r.status != REC_DELETED;
}

int sync_skip_row(void *ctx, const struct mapping *m, const char *key,
		  size_t key_len, const char *filter, const char *source,
		  unsigned long line, struct bs_err *err)
{
	struct change *c = ctx;

	/* a deletion marker: the record stays as it is until its delete
	   job says it is gone (a retry or resync deletes nothing) */
	if (!strcmp(filter, MAP_DELETE_FILTER))
		return c->del ? deletes_marked(c->del, m, key, key_len,
					       source, line, err) : 0;
	if (c->del && deletes_filtered(c->del, m, key, key_len, err) < 0)
		return -1;
	return state_record_skipped(c->st, c->run, mapping_object(m), key,
				    key_len, filter, source, line, err);
}

/* Says why --id key sent nothing: no such record, no row makes it any
 * more, or it is not in the status the command sends. */
static void warn_not_sent(struct change *c, const char *key,
			  const char *object, const struct state_record *r)
{
	const struct sync_opts *o = c->o;

	if (!object) {
		msg_warn(c->msg, "--id %s: no record of %s has this key: "
			 "nothing sent", key, o->nobjects ?
			 "the chosen objects" : "any object");
	} else if ((o->mode == SYNC_RETRY && is_failed(r->status)) ||
		   (o->mode == SYNC_RESYNC && is_synced(r->status))) {
		msg_warn(c->msg, "--id %s: %s %s is %s, but no row of the "
			 "source makes it any more (removed, or rejected: "
			 "see rejects.csv): nothing sent", key, object, key,
			 state_rec_status_name(r->status));
	} else {
		msg_warn(c->msg, "--id %s: %s %s is %s, not %s: nothing sent%s",
			 key, object, key, state_rec_status_name(r->status),
			 o->mode == SYNC_RETRY ? "failed" : "synced",
			 o->mode == SYNC_RETRY && is_synced(r->status) ?
			 " (billsync resync sends it again)" :
			 o->mode == SYNC_RESYNC && is_failed(r->status) ?
			 " (billsync retry sends it again)" : "");
	}
}

int sync_ids_not_sent(struct change *c, struct sync_result *res,
		      struct bs_err *err)
{
	size_t i, j;

	for (i = 0; i < c->o->nids; i++) {
		const char *key = c->o->ids[i], *object = NULL;
		struct state_record r;
		struct sync_id *id;
		int found = 0;

		if (c->id_sent[i])
			continue;
		for (j = 0; j < mapset_count(c->maps) && !found; j++) {
			const struct mapping *m = mapset_at(c->maps, j);

			if (!sync_selected_map(c->o, m))
				continue;
			found = state_record_get(c->st, mapping_object(m), key,
						 strlen(key), &r, err);
			if (found < 0)
				return -1;
			object = mapping_object(m);
		}
		warn_not_sent(c, key, found ? object : NULL, &r);
		id = realloc(res->ids, (res->nids + 1) * sizeof(*id));
		if (!id)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		res->ids = id;
		id[res->nids].id = key;
		id[res->nids].object = found ? object : NULL;
		id[res->nids].status = found ? state_rec_status_name(r.status) :
				       NULL;
		res->nids++;
	}
	return 0;
}
