/* deletes.c - which records a run deletes in Salesforce (see deletes.h and
 * docs/state.md, "Deletes"). */
#include "deletes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "export/manifest.h"
#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "map/mapdelete.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "state.h"

#define KEYS_CACHE_KIB 4096          /* the key store's page cache */

enum { Q_SEEN, Q_UNMARK, Q_MARK, Q_IS_SEEN, Q_MARKED, Q_PEND, Q_COUNT };

static const char *const q_sql[Q_COUNT] = {
	[Q_SEEN] = "INSERT OR IGNORE INTO seen VALUES (?1, ?2)",
	[Q_UNMARK] = "DELETE FROM marked WHERE object = ?1 AND key = ?2",
	[Q_MARK] = "INSERT OR REPLACE INTO marked VALUES (?1, ?2, ?3, ?4)",
	[Q_IS_SEEN] = "SELECT 1 FROM seen WHERE object = ?1 AND key = ?2",
	[Q_MARKED] = "SELECT source, line FROM marked WHERE object = ?1 AND "
		     "key = ?2",
	[Q_PEND] = "INSERT OR REPLACE INTO pending VALUES (?1, ?2, ?3, ?4, "
		   "?5, ?6)",
};

static const char keys_schema[] =
	"PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	"CREATE TABLE seen (object TEXT, key TEXT, PRIMARY KEY (object, key))"
	" WITHOUT ROWID;"
	"CREATE TABLE marked (object TEXT, key TEXT, source TEXT, line INTEGER,"
	" PRIMARY KEY (object, key)) WITHOUT ROWID;"
	"CREATE TABLE pending (object TEXT, key TEXT, sf_id TEXT, reason TEXT,"
	" source TEXT, line INTEGER, PRIMARY KEY (object, key)) WITHOUT ROWID;";

struct deletes {
	struct state *st;
	sqlite3 *db;                 /* the keys (a private temporary db) */
	sqlite3_stmt *q[Q_COUNT];
	struct delete_plan *plans;   /* one per chosen deleting mapping */
	size_t nplans;
	unsigned long long *filtered; /* per plan: rows filtered with a key */
};

static int kerr(struct deletes *d, struct bs_err *err, const char *what)
{
	return bs_err_set(err, BS_E_IO, "the delete planner's key store: %s: "
			  "%s", what, sqlite3_errmsg(d->db));
}

/* The records of p's object held as synced now, before the export marks
 * those it sends again pending: the base of a percentage cap. */
static int held_as_synced(struct state *st, struct delete_plan *p,
			  struct bs_err *err)
{
	unsigned long long counts[REC_COUNT];

	if (!st)
		return 0;
	if (state_record_counts(st, p->object, counts, err) < 0)
		return -1;
	p->held = counts[REC_SYNCED] + counts[REC_RESYNCED];
	return 0;
}

struct deletes *deletes_new(struct state *st, const struct mapset *maps,
			    const char *const *chosen, size_t nchosen,
			    struct bs_err *err)
{
	struct deletes *d = calloc(1, sizeof(*d));
	size_t i, n = mapset_count(maps);
	char pragma[64];

	if (!d || !(d->plans = calloc(n ? n : 1, sizeof(*d->plans))) ||
	    !(d->filtered = calloc(n ? n : 1, sizeof(*d->filtered)))) {
		deletes_free(d);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	d->st = st;
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(maps, i);
		const struct map_delete *del = mapping_delete(m);
		struct delete_plan *p;

		if (!map_delete_active(del) ||
		    !mapping_chosen(m, chosen, chosen ? nchosen : 0))
			continue;
		p = &d->plans[d->nplans++];
		p->m = m;
		p->object = mapping_object(m);
		p->operation = map_delete_operation(del);
		p->missing_wanted = del->missing;
		if (held_as_synced(st, p, err) < 0) {
			deletes_free(d);
			return NULL;
		}
	}
	/* "": a private temporary database on disk, removed on close */
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d;",
		 KEYS_CACHE_KIB);
	if (sqlite3_open_v2("", &d->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK ||
	    sqlite3_exec(d->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(d->db, keys_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		kerr(d, err, "create");
		deletes_free(d);
		return NULL;
	}
	for (i = 0; i < Q_COUNT; i++) {
		if (sqlite3_prepare_v2(d->db, q_sql[i], -1, &d->q[i], NULL) !=
		    SQLITE_OK) {
			kerr(d, err, "prepare");
			deletes_free(d);
			return NULL;
		}
	}
	return d;
}

void deletes_free(struct deletes *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(d->q[i]);
	sqlite3_close(d->db);
	free(d->plans);
	free(d->filtered);
	free(d);
}

static struct delete_plan *plan_of(const struct deletes *d,
				   const struct mapping *m)
{
	size_t i;

	for (i = 0; i < d->nplans; i++)
		if (d->plans[i].m == m)
			return &d->plans[i];
	return NULL;
}

int deletes_wanted(const struct deletes *d, const struct mapping *m)
{
	return plan_of(d, m) != NULL;
}

/* Binds text arguments (NULL: null) and steps q; returns the step's code
 * (SQLITE_ROW, SQLITE_DONE) with q reset unless it is a row. */
static int run(sqlite3_stmt *q, const char *a, size_t alen, const char *b,
	       size_t blen)
{
	int r;

	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, a, (int)alen, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, b, (int)blen, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r != SQLITE_ROW)
		sqlite3_reset(q);
	return r;
}

int deletes_seen(struct deletes *d, const struct mapping *m, const char *key,
		 size_t len, struct bs_err *err)
{
	const char *o = mapping_object(m);

	if (!plan_of(d, m))
		return 0;
	if (run(d->q[Q_SEEN], o, strlen(o), key, len) != SQLITE_DONE ||
	    run(d->q[Q_UNMARK], o, strlen(o), key, len) != SQLITE_DONE)
		return kerr(d, err, "add a key");
	return 0;
}

int deletes_marked(struct deletes *d, const struct mapping *m,
		   const char *key, size_t len, const char *source,
		   unsigned long line, struct bs_err *err)
{
	const char *o = mapping_object(m);
	sqlite3_stmt *q = d->q[Q_MARK];

	if (!plan_of(d, m))
		return 0;
	/* left out as a filtered row is (its key was read), and marked */
	if (deletes_filtered(d, m, key, len, err) < 0)
		return -1;
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, o, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)line);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_reset(q);
		return kerr(d, err, "add a marked key");
	}
	sqlite3_reset(q);
	return 0;
}

int deletes_filtered(struct deletes *d, const struct mapping *m,
		     const char *key, size_t len, struct bs_err *err)
{
	const char *o = mapping_object(m);
	struct delete_plan *p = plan_of(d, m);

	if (!p)
		return 0;
	d->filtered[p - d->plans]++;
	if (run(d->q[Q_SEEN], o, strlen(o), key, len) != SQLITE_DONE)
		return kerr(d, err, "add a key");
	return 0;
}

/* ---- planning ------------------------------------------------------------ */

/* Whether a missing key can be told from this run's read of p's dataset. */
static void missing_scope(struct deletes *d, struct delete_plan *p,
			  int backfill, const struct manifest *manifest)
{
	const struct manifest_object *o = manifest_find(manifest, p->object);
	unsigned long long n;

	p->missing_why[0] = '\0';
	if (!p->missing_wanted)
		return;
	if (backfill)
		snprintf(p->missing_why, sizeof(p->missing_why), "a backfill "
			 "(--since/--until) reads only part of the dataset");
	else if (!o)
		snprintf(p->missing_why, sizeof(p->missing_why), "the dataset "
			 "was not read");
	else if ((n = o->counts.below_watermark) > 0)
		snprintf(p->missing_why, sizeof(p->missing_why), "%llu rows "
			 "below the watermark were not read", n);
	else if ((n = o->counts.rejected) > 0)
		snprintf(p->missing_why, sizeof(p->missing_why), "%llu rows "
			 "were rejected, so their keys are not known", n);
	else if ((n = o->counts.filtered) > d->filtered[p - d->plans])
		snprintf(p->missing_why, sizeof(p->missing_why), "%llu "
			 "filtered rows had no key", n - d->filtered[p - d->plans]);
	p->missing_checked = !p->missing_why[0];
}

struct walk {
	struct deletes *d;
	struct delete_plan *p;
	struct bs_err *err;
	int failed;
};

/* Adds a pending delete (reason, source, line) of record r. */
static int pend(struct walk *w, const struct state_row *r, const char *reason,
		const char *source, long long line)
{
	sqlite3_stmt *q = w->d->q[Q_PEND];

	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, r->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, r->sf_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 6, line);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_reset(q);
		w->failed = 1;
		return kerr(w->d, w->err, "add a pending delete");
	}
	sqlite3_reset(q);
	return 0;
}

/* One record of the state: marked, missing, or neither. */
static int walk_record(void *ctx, const struct state_row *r)
{
	struct walk *w = ctx;
	struct deletes *d = w->d;
	sqlite3_stmt *mq = d->q[Q_MARKED];
	size_t olen = strlen(r->object), klen = strlen(r->key);
	int marked, rc = 0;

	marked = run(mq, r->object, olen, r->key, klen);
	if (marked != SQLITE_ROW && marked != SQLITE_DONE) {
		w->failed = 1;
		return kerr(d, w->err, "look a key up");
	}
	if (!strcmp(r->status, "deleted")) {
		w->p->already += marked == SQLITE_ROW;
	} else if (!r->sf_id || !r->sf_id[0]) {
		/* never synced: nothing in Salesforce to delete */
	} else if (marked == SQLITE_ROW) {
		rc = pend(w, r, "marked", (const char *)sqlite3_column_text(mq, 0),
			  sqlite3_column_int64(mq, 1));
		w->p->marked += rc == 0;
	} else if (w->p->missing_checked) {
		int seen = run(d->q[Q_IS_SEEN], r->object, olen, r->key, klen);

		sqlite3_reset(d->q[Q_IS_SEEN]);
		if (seen != SQLITE_ROW && seen != SQLITE_DONE) {
			w->failed = 1;
			return kerr(d, w->err, "look a key up");
		}
		if (seen == SQLITE_DONE) {
			rc = pend(w, r, "missing", NULL, 0);
			w->p->missing += rc == 0;
		}
	}
	sqlite3_reset(mq);
	return rc < 0 ? 1 : 0;
}

static int count_marked(struct deletes *d, const char *object,
			unsigned long long *n, struct bs_err *err)
{
	sqlite3_stmt *q;
	int r;

	if (sqlite3_prepare_v2(d->db, "SELECT count(*) FROM marked WHERE "
			       "object = ?1", -1, &q, NULL) != SQLITE_OK)
		return kerr(d, err, "prepare");
	sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	*n = r == SQLITE_ROW ? (unsigned long long)sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	return r == SQLITE_ROW ? 0 : kerr(d, err, "count");
}

static int plan_one(struct deletes *d, struct delete_plan *p,
		    const struct delete_allow *allow, size_t nallow,
		    struct bs_err *err)
{
	unsigned long long nmarked;
	struct walk w = { d, p, err, 0 };
	size_t i;

	if (count_marked(d, p->object, &nmarked, err) < 0)
		return -1;
	p->cap = map_delete_cap(mapping_delete(p->m), p->held);
	for (i = 0; i < nallow; i++) {
		if (!strcmp(allow[i].object, p->object)) {
			p->cap = allow[i].n;
			p->cap_allowed = 1;
		}
	}
	if (d->st && (state_records_each(d->st, p->object, NULL, NULL,
					 walk_record, &w, err) < 0 || w.failed))
		return -1;
	p->never_synced = nmarked - p->marked - p->already;
	p->over_cap = p->marked + p->missing > p->cap;
	return 0;
}

int deletes_plan(struct deletes *d, int backfill,
		 const struct manifest *manifest,
		 const struct delete_allow *allow, size_t nallow,
		 struct bs_err *err)
{
	size_t i;

	for (i = 0; i < d->nplans; i++) {
		missing_scope(d, &d->plans[i], backfill, manifest);
		if (plan_one(d, &d->plans[i], allow, nallow, err) < 0)
			return -1;
	}
	return 0;
}

size_t deletes_plans(const struct deletes *d, const struct delete_plan **p)
{
	*p = d->plans;
	return d->nplans;
}

int deletes_each(struct deletes *d, const struct delete_plan *p,
		 deletes_fn fn, void *ctx, struct bs_err *err)
{
	sqlite3_stmt *q;
	int r, stop = 0;

	if (sqlite3_prepare_v2(d->db, "SELECT key, sf_id, reason, source, line "
			       "FROM pending WHERE object = ?1 ORDER BY key",
			       -1, &q, NULL) != SQLITE_OK)
		return kerr(d, err, "prepare");
	sqlite3_bind_text(q, 1, p->object, -1, SQLITE_STATIC);
	while (!stop && (r = sqlite3_step(q)) == SQLITE_ROW)
		stop = fn(ctx, p, (const char *)sqlite3_column_text(q, 0),
			  (const char *)sqlite3_column_text(q, 1),
			  (const char *)sqlite3_column_text(q, 2),
			  (const char *)sqlite3_column_text(q, 3),
			  (unsigned long)sqlite3_column_int64(q, 4));
	sqlite3_finalize(q);
	if (stop < 0)
		return -1;
	return stop || r == SQLITE_DONE ? 0 : kerr(d, err, "read");
}

/* ---- writing the delete jobs' files -------------------------------------- */

struct out {
	struct deletes *d;
	long long run;
	const char *dir;
	struct manifest *man;        /* the delete jobs' manifest */
	struct manifest_object *obj; /* the object being written */
	FILE *bulk, *origin;
	unsigned files;
	unsigned long long in_file, total;
	struct sbuf line;
	struct bs_err *err;
};

static char *path_of(const char *dir, const char *object, unsigned n,
		     const char *ext)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (sbuf_addf(&sb, "%s%s%s-delete-%04u.%s", dir ? dir : "",
		      dir ? "/" : "", object, n, ext) < 0) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

/* Closes the open file of o and lists it in the object's entry. */
static int close_file(struct out *o)
{
	char *rel = path_of(NULL, o->obj->object, o->files, "csv");
	char *orel = path_of(NULL, o->obj->object, o->files, "origin.csv");
	long size = o->bulk ? ftell(o->bulk) : -1;
	int bad = !o->bulk || size < 0 || fclose(o->bulk) != 0;
	struct manifest_file *f;

	o->bulk = NULL;
	bad |= !o->origin || fclose(o->origin) != 0;
	o->origin = NULL;
	if (bad || !rel || !orel) {
		free(rel);
		free(orel);
		return bs_err_set(o->err, BS_E_IO, "cannot write the delete "
				  "files of %s in %s", o->obj->object, o->dir);
	}
	f = manifest_add_file(o->obj);
	if (f) {
		f->path = manifest_strdup(o->man, rel);
		f->origin = manifest_strdup(o->man, orel);
		f->rows = o->in_file;
		f->raw_bytes = f->compressed_bytes = (unsigned long long)size;
	}
	free(rel);
	free(orel);
	o->in_file = 0;
	if (!f || !f->path || !f->origin)
		return bs_err_set(o->err, BS_E_NOMEM, "out of memory");
	return 0;
}

static int open_file(struct out *o)
{
	char *bp, *op;

	o->files++;
	bp = path_of(o->dir, o->obj->object, o->files, "csv");
	op = path_of(o->dir, o->obj->object, o->files, "origin.csv");
	o->bulk = bp ? fopen(bp, "w") : NULL;
	o->origin = op ? fopen(op, "w") : NULL;
	free(bp);
	free(op);
	if (!o->bulk || !o->origin ||
	    fputs("Id\n", o->bulk) == EOF ||
	    fputs("key,source,line\n", o->origin) == EOF)
		return bs_err_set(o->err, BS_E_IO, "cannot create the delete "
				  "files of %s in %s: %s", o->obj->object,
				  o->dir, strerror(errno));
	return 0;
}

static int write_one(void *ctx, const struct delete_plan *p, const char *key,
		     const char *sf_id, const char *reason,
		     const char *source, unsigned long line)
{
	struct out *o = ctx;
	char num[24];

	if (!o->bulk && open_file(o) < 0)
		return -1;
	sbuf_reset(&o->line);
	snprintf(num, sizeof(num), "%lu", line);
	if (csvw_field(&o->line, sf_id, strlen(sf_id), 0, o->err) < 0 ||
	    sbuf_addc(&o->line, ',') < 0 ||
	    csvw_field(&o->line, source ? source : "",
		       source ? strlen(source) : 0, 0, o->err) < 0 ||
	    sbuf_addf(&o->line, ",%s\n", source ? num : "") < 0)
		return bs_err_set(o->err, BS_E_NOMEM, "out of memory"), -1;
	if (fprintf(o->bulk, "%s\n", sf_id) < 0 ||
	    fwrite(o->line.buf, 1, o->line.len, o->origin) != o->line.len)
		return bs_err_set(o->err, BS_E_IO, "cannot write the delete "
				  "files of %s", p->object), -1;
	if (state_delete_planned(o->d->st, o->run, p->object, sf_id, key,
				 reason, source, line, o->err) < 0)
		return -1;
	o->in_file++;
	o->total++;
	if (o->in_file == DELETES_FILE_ROWS && close_file(o) < 0)
		return -1;
	return 0;
}

/* The deletes of the objects that look object up (load_order's
 * depends_on) go first: they are listed before it, and it depends on
 * them. */
static int depends_on_children(struct out *o, const struct manifest *load_order)
{
	size_t i, j;

	for (i = 0; i < load_order->nobjects; i++) {
		const struct manifest_object *lo = &load_order->objects[i];

		for (j = 0; j < lo->ndepends_on; j++)
			if (!strcmp(lo->depends_on[j], o->obj->object) &&
			    manifest_find(o->man, lo->object) &&
			    manifest_add_depends_on(o->man, o->obj,
						    lo->object) < 0)
				return bs_err_set(o->err, BS_E_NOMEM,
						  "out of memory");
	}
	return 0;
}

/* Writes one object's files, with its entry in o->man when it has
 * deletes. */
static int write_object(struct out *o, const struct delete_plan *p,
			const struct manifest *load_order)
{
	unsigned long long before = o->total;

	if (p->over_cap || !(p->marked + p->missing))
		return 0;   /* nothing to delete: no entry */
	o->obj = manifest_add_object(o->man);
	if (!o->obj)
		return bs_err_set(o->err, BS_E_NOMEM, "out of memory");
	o->obj->object = manifest_strdup(o->man, p->object);
	o->obj->operation = manifest_strdup(o->man, p->operation);
	o->obj->mapping = manifest_strdup(o->man, mapping_file(p->m));
	o->obj->dataset = manifest_strdup(o->man, mapping_source(p->m));
	o->files = 0;
	if (!o->obj->object || !o->obj->operation)
		return bs_err_set(o->err, BS_E_NOMEM, "out of memory");
	if (deletes_each(o->d, p, write_one, o, o->err) < 0 ||
	    (o->bulk && close_file(o) < 0))
		return -1;
	o->obj->counts.read = o->obj->counts.written = o->total - before;
	return depends_on_children(o, load_order);
}

int deletes_write(struct deletes *d, long long run, const char *dir,
		  const struct manifest *load_order, unsigned long long *rows,
		  struct bs_err *err)
{
	struct out o;
	size_t i, k;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.d = d;
	o.run = run;
	o.dir = dir;
	o.err = err;
	sbuf_init(&o.line, 0);
	*rows = 0;
	o.man = manifest_new();
	if (o.man) {   /* made with the export it follows */
		o.man->billsync_version = manifest_strdup(
			o.man, load_order->billsync_version);
		o.man->created_at = manifest_strdup(o.man,
						    load_order->created_at);
		o.man->max_file_bytes = load_order->max_file_bytes;
	}
	if (!o.man || !o.man->billsync_version || !o.man->created_at) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		bs_err_at(err, BS_E_IO, dir, 0, "cannot create: %s",
			  strerror(errno));
		goto out;
	}
	/* children first: the export's load order, backwards */
	for (k = load_order->nobjects; k-- > 0;)
		for (i = 0; i < d->nplans; i++)
			if (!strcmp(d->plans[i].object,
				    load_order->objects[k].object) &&
			    write_object(&o, &d->plans[i], load_order) < 0)
				goto out;
	*rows = o.total;
	rc = o.total ? manifest_write(o.man, dir, err) : 0;
out:
	if (o.bulk)
		fclose(o.bulk);
	if (o.origin)
		fclose(o.origin);
	sbuf_release(&o.line);
	manifest_free(o.man);
	return rc;
}
