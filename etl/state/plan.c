/* plan.c - what the next run would do, writing nothing (see plan.h). */
#include "plan_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/msg.h"
#include "export/export.h"
#include "load/loader.h"
#include "load/pollplan.h"
#include "map/mapdelete.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "sf/http.h"
#include "sf/sf_api.h"
#include "sf/sf_auth.h"
#include "syncdel.h"

#define BATCH_ROWS 10000ULL         /* Salesforce counts a batch per 10,000 */
#define JOB_CALLS 4                 /* create, upload, close, results */

static const char *const kind_names[PLAN_LISTS] = {
	"new", "changed", "retry", "resend", "filtered", "marked",
	"rejected", "delete", "vanished"
};

const char *plan_kind_name(enum plan_kind k)
{
	return kind_names[k];
}

struct plan_object *plan_object_of(struct plan_result *res,
				   const char *object)
{
	size_t i;

	for (i = 0; i < res->nobjects; i++)
		if (!strcmp(res->objects[i].object, object))
			return &res->objects[i];
	return NULL;
}

static char *dup_or_null(const char *s, int *bad)
{
	char *d = s ? strdup(s) : NULL;

	*bad |= s && !d;
	return d;
}

int plan_list(struct planner *p, struct plan_object *po,
	      const struct plan_key *k, size_t key_len, struct bs_err *err)
{
	struct plan_key *n;
	int bad = 0;

	if (po->listed[k->kind] >= p->o->show) {
		plan_changes_free(k->changes, k->nchanges);
		return 0;
	}
	n = realloc(po->shown, (po->nshown + 1) * sizeof(*n));
	if (!n) {
		plan_changes_free(k->changes, k->nchanges);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	po->shown = n;
	n += po->nshown++;
	po->listed[k->kind]++;
	*n = *k;   /* the changes are its own now */
	n->key = strndup(k->key ? k->key : "", k->key ? key_len : 0);
	n->source = strdup(k->source ? k->source : "");
	n->why = dup_or_null(k->why, &bad);
	n->field = dup_or_null(k->field, &bad);
	n->sf_id = dup_or_null(k->sf_id, &bad);
	if (bad || !n->key || !n->source)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return 0;
}

/* Lists a row's key as one of its kind (a changed record's with its
 * field diff, row being its encoded record). */
static int list_row(struct planner *p, struct plan_object *po,
		    const struct mapping *m, enum plan_kind kind,
		    const char *key, size_t key_len, const char *row,
		    size_t row_len, const char *source, unsigned long line,
		    const char *why, struct bs_err *err)
{
	struct plan_key k;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	k.key = (char *)key;
	k.source = (char *)source;
	k.line = line;
	k.why = (char *)why;
	if (kind == PLAN_CHANGED && po->listed[kind] < p->o->show &&
	    plan_diff(p, m, key, key_len, row, row_len, &k, err) < 0) {
		plan_changes_free(k.changes, k.nchanges);
		return -1;
	}
	return plan_list(p, po, &k, key_len, err);
}

static int plan_keep_row(void *ctx, const struct mapping *m, const char *key,
			 size_t key_len, const char *row, size_t row_len,
			 const char *source, unsigned long line,
			 struct bs_err *err)
{
	struct planner *p = ctx;
	struct plan_object *po = plan_object_of(p->res, mapping_object(m));
	struct sync_verdict v;
	struct state_hash h;
	enum plan_kind kind;

	if (p->c.del && deletes_seen(p->c.del, m, key, key_len, err) < 0)
		return -1;
	state_hash_row(row, row_len, &h);
	if (sync_verdict(&p->c, m, key, key_len, &h, &v, err) < 0)
		return -1;
	if (!v.send)
		return 0;
	if (p->c.o->nids)
		p->c.id_sent[v.id] = 1;
	kind = v.why == SYNC_WHY_NEW ? PLAN_NEW :
	       v.why == SYNC_WHY_CHANGED ? PLAN_CHANGED :
	       v.why == SYNC_WHY_RETRY ? PLAN_RETRY : PLAN_RESEND;
	if (!po)
		return 1;
	po->n[kind]++;
	return list_row(p, po, m, kind, key, key_len, row, row_len, source,
			line, NULL, err) < 0 ? -1 : 1;
}

static int plan_held_row(void *ctx, const struct mapping *m, const char *key,
			 size_t key_len, struct bs_err *err)
{
	return sync_held_row(&((struct planner *)ctx)->c, m, key, key_len,
			     err);
}

static int plan_skip_row(void *ctx, const struct mapping *m, const char *key,
			 size_t key_len, const char *filter, const char *source,
			 unsigned long line, struct bs_err *err)
{
	struct planner *p = ctx;
	struct plan_object *po = plan_object_of(p->res, mapping_object(m));
	enum plan_kind kind = PLAN_FILTERED;

	/* as sync_skip_row tells the deletes */
	if (!strcmp(filter, MAP_DELETE_FILTER)) {
		kind = PLAN_MARKED;
		if (p->c.del && deletes_marked(p->c.del, m, key, key_len,
					       source, line, err) < 0)
			return -1;
	} else if (p->c.del &&
		   deletes_filtered(p->c.del, m, key, key_len, err) < 0) {
		return -1;
	}
	if (!po)
		return 0;
	po->n[kind]++;
	return list_row(p, po, m, kind, key, key_len, NULL, 0, source, line,
			kind == PLAN_FILTERED ? filter : NULL, err);
}

/* ---- from the manifest ------------------------------------------------- */

static int reasons(const struct manifest_counts *c, struct plan_object *po,
		   struct bs_err *err)
{
	size_t i;

	po->rejected_by = calloc(c->nrejected_by ? c->nrejected_by : 1,
				 sizeof(*po->rejected_by));
	if (!po->rejected_by)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < c->nrejected_by; i++) {
		po->rejected_by[i].n = c->rejected_by[i].n;
		po->rejected_by[i].name = strdup(c->rejected_by[i].name);
		if (!po->rejected_by[i].name)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		po->nrejected_by++;
	}
	return 0;
}

/* The expected polls of a job of rows records, Salesforce processing
 * PLAN_ASSUMED_RATE a second from the close: pollplan.h's waits, with
 * the pace it learns from the jobs before (pace). */
static unsigned long long expected_polls(struct pollpace *pace,
					 unsigned long long rows,
					 unsigned long long min_ms,
					 unsigned long long max_ms)
{
	unsigned long long job_ms = rows * 1000 / PLAN_ASSUMED_RATE, t, n;
	struct pollplan pp;

	pollplan_init(&pp, min_ms, max_ms, rows, 0);
	t = pollpace_first_wait(pace, rows, min_ms, max_ms);
	for (n = 1; n < 10000 && t < job_ms; n++)
		t += pollplan_next(&pp, t, 1, rows * t / job_ms, -1);
	pollpace_learn(pace, &pp, rows, job_ms);
	return n;
}

int plan_job(struct planner *p, struct plan_object *po,
	     unsigned long long rows, struct bs_err *err)
{
	struct plan_result *res = p->res;
	unsigned long long *jr, polls;

	jr = realloc(res->job_rows, (res->njobs + 1) * sizeof(*jr));
	if (!jr)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	res->job_rows = jr;
	jr[res->njobs++] = rows;
	polls = expected_polls(p->pace, rows, p->lo->poll_min_ms,
			       p->lo->poll_max_ms);
	po->files++;
	po->records += rows;
	po->polls += polls;
	po->api_calls += JOB_CALLS + polls;
	po->batches += rows / BATCH_ROWS + (rows % BATCH_ROWS != 0);
	res->reserve_calls += loader_job_calls(rows);
	return 0;
}

/* Counts and cost of each chosen object from the export's manifest. */
static int read_manifest(struct planner *p, const struct manifest *m,
			 struct bs_err *err)
{
	size_t i, k;

	for (i = 0; i < m->nobjects; i++) {
		const struct manifest_object *mo = &m->objects[i];
		const struct manifest_counts *c = &mo->counts;
		struct plan_object *po = plan_object_of(p->res, mo->object);

		if (!po)
			continue;
		po->read = c->read;
		po->unchanged = c->unchanged;
		po->rejected = c->rejected;
		po->duplicates = c->duplicates;
		po->below_watermark = c->below_watermark;
		po->rolled_up = c->rolled_up;
		/* the export's count (a group mapping's filters drop rows
		   before they have a key, without telling the skip hook),
		   less the rows marked deleted, which it counts too */
		po->n[PLAN_FILTERED] = c->filtered > po->n[PLAN_MARKED] ?
				       c->filtered - po->n[PLAN_MARKED] : 0;
		if (reasons(c, po, err) < 0)
			return -1;
		for (k = 0; k < mo->nfiles; k++) {
			po->raw_bytes += mo->files[k].raw_bytes;
			po->gz_bytes += mo->files[k].compressed_bytes;
			if (plan_job(p, po, mo->files[k].rows, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the org ------------------------------------------------------------ */

/* GET /limits (the only call a plan makes). */
static int read_limits(const struct config *cfg, const struct loader_opts *lo,
		       struct plan_result *res, struct bs_err *err)
{
	struct sf_api_opts ao;
	struct sf_auth *auth;
	struct sf_api *api = NULL;
	int rc = -1;

	memset(&ao, 0, sizeof(ao));
	ao.api_version = lo->api_version;
	ao.retries = lo->retries;
	ao.retry_wait_ms = (unsigned long)lo->retry_wait_ms;
	ao.retry_wait_max_ms = 60000;
	ao.stop = lo->stop;
	auth = sf_auth_from_config(cfg, err);
	if (!auth || http_global_init(err) < 0)
		goto out;
	api = sf_api_new(auth, &lo->http, &ao, err);
	if (api && sf_bulk_limits(api, &res->lim, err) == 0) {
		res->have_limits = res->lim.have_api || res->lim.have_batches;
		res->have_storage = res->lim.have_storage;
		res->storage_max_mb = res->lim.storage_max_mb;
		res->storage_remaining_mb = res->lim.storage_remaining_mb;
		rc = 0;
	}
	sf_api_free(api);
	http_global_cleanup();
out:
	sf_auth_free(auth);
	return rc;
}

/* One allocation's days: jobs packed in order into what is left today
 * above the margin, then into a whole day's above the margin each day
 * after (as the loader starts a job only when it fits, loadrun.c). */
struct budget {
	unsigned long long today, daily, used;
	unsigned days;
	int too_big;
};

static void budget_init(struct budget *b, unsigned long long max,
			unsigned long long remaining, unsigned pct)
{
	unsigned long long margin = max * pct / 100;

	memset(b, 0, sizeof(*b));
	b->today = remaining > margin ? remaining - margin : 0;
	b->daily = max - margin;
	b->days = 1;
}

static void budget_take(struct budget *b, unsigned long long need)
{
	unsigned long long room = b->days == 1 ? b->today : b->daily;

	if (b->used + need <= room) {
		b->used += need;
		return;
	}
	if (need > b->daily) {
		b->too_big = 1;
		return;
	}
	b->days++;
	b->used = need;
}

/* The days of allocations the jobs need (res->days). */
static void plan_days(struct plan_result *res)
{
	struct budget api, batches;
	size_t i;

	if (!res->have_limits)
		return;
	budget_init(&api, res->lim.api_max, res->lim.api_remaining,
		    res->margin_pct);
	budget_init(&batches, res->lim.batches_max, res->lim.batches_remaining,
		    res->margin_pct);
	for (i = 0; i < res->njobs; i++) {
		unsigned long long rows = res->job_rows[i];

		if (res->lim.have_api)
			budget_take(&api, loader_job_calls(rows));
		if (res->lim.have_batches)
			budget_take(&batches, rows / BATCH_ROWS +
				    (rows % BATCH_ROWS != 0));
	}
	res->days = api.days;
	res->days_by = "API requests";
	if (batches.days > res->days) {
		res->days = batches.days;
		res->days_by = "Bulk API batches";
	}
	res->one_job_too_big = api.too_big || batches.too_big;
}

/* ---- the plan ----------------------------------------------------------- */

/* The chosen mappings' objects, in load order. */
static int plan_objects(const struct mapset *maps, const struct sync_opts *o,
			struct plan_result *res, struct bs_err *err)
{
	size_t i, n = mapset_count(maps);

	res->objects = calloc(n ? n : 1, sizeof(*res->objects));
	if (!res->objects)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(maps, i);

		if (!sync_selected_map(o, m))
			continue;
		res->objects[res->nobjects].object = mapping_object(m);
		res->objects[res->nobjects++].keeps_values =
			mapping_keep_values(m);
	}
	return 0;
}

/* The state as it is now, read in one transaction; none when no run has
 * happened (every record is new). */
static int open_snapshot(const struct config *cfg, struct planner *p,
			 struct bs_err *err)
{
	char *dir = config_get_path(cfg, "state", "dir");
	struct state_run ur;
	int found;

	if (!dir)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (!state_exists(dir)) {
		free(dir);
		return 0;
	}
	p->c.st = state_open_readonly(dir, err);
	free(dir);
	if (!p->c.st || state_read_begin(p->c.st, err) < 0)
		return -1;
	p->res->has_state = 1;
	found = state_run_unfinished(p->c.st, &ur, err);
	if (found < 0)
		return -1;
	if (found && ur.phase != RUN_EXPORTING && ur.work_dir[0])
		p->res->continues = ur.id;
	return 0;
}

/* A temporary folder for the plan's bulk files: [output] temp_dir, else
 * $TMPDIR, else /tmp. */
static char *temp_folder(const struct config *cfg, struct bs_err *err)
{
	const char *base = config_get(cfg, "output", "temp_dir");
	char *path;
	size_t n;

	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	n = strlen(base) + sizeof("/billsync-plan.XXXXXX");
	path = malloc(n);
	if (!path) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(path, n, "%s/billsync-plan.XXXXXX", base);
	if (!mkdtemp(path)) {
		bs_err_at(err, BS_E_IO, base, 0, "cannot make a temporary "
			  "folder: %s", strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/* Exports into tmp through the plan's hooks; *manifest the result. */
static int plan_export(const struct config *cfg, const struct mapset *maps,
		       const struct sync_env *env, struct planner *p,
		       const char *tmp, struct manifest **manifest,
		       struct bs_err *err)
{
	struct export_opts eo;
	char now[32];

	/* now as the runs table writes it: the cap of the watermarks read */
	clock_iso_now(now);
	if (sync_export_opts(cfg, env, &p->c, tmp, now, &eo, err) < 0)
		return -1;
	eo.keep = plan_keep_row;
	eo.skipped = plan_skip_row;
	eo.held = plan_held_row;
	eo.keep_ctx = p;
	eo.progress = NULL;
	eo.tick = NULL;
	return export_run(cfg, maps, &eo, manifest, err);
}

int sync_plan(const struct config *cfg, const struct mapset *maps,
	      const struct plan_opts *o, const struct sync_env *env,
	      struct plan_result *res, enum sync_outcome *outcome,
	      struct bs_err *err)
{
	struct planner p;
	struct loader_opts lo;
	struct pollpace pace = { 0, 0 };
	struct manifest *manifest = NULL;
	char *tmp = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	*outcome = sync_precheck(cfg, maps, &o->sync, env, !o->offline, err);
	if (*outcome != SYNC_DONE)
		return -1;
	if (loader_opts_from_config(cfg, &lo, err) < 0) {
		*outcome = SYNC_STOPPED;
		return -1;
	}
	lo.stop = env->stop;
	snprintf(res->mode, sizeof(res->mode), "%s", sync_mode_name(&o->sync));
	res->offline = o->offline;
	res->margin_pct = lo.limit_margin_pct;
	res->run_calls = o->offline ? 0 : 1;
	p.c.o = &o->sync;
	p.c.maps = maps;
	p.c.msg = env->msg;
	p.res = res;
	p.o = o;
	p.lo = &lo;
	p.pace = &pace;
	p.c.id_sent = calloc(o->sync.nids ? o->sync.nids : 1, 1);
	if (!p.c.id_sent) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	if (plan_objects(maps, &o->sync, res, err) < 0 ||
	    open_snapshot(cfg, &p, err) < 0 ||
	    (!(p.c.del = syncdel_new(p.c.st, maps, &o->sync, err)) &&
	     err->kind != BS_E_NONE) ||
	    !(tmp = temp_folder(cfg, err)) ||
	    plan_export(cfg, maps, env, &p, tmp, &manifest, err) < 0 ||
	    read_manifest(&p, manifest, err) < 0 ||
	    plan_rejects(&p, manifest, tmp, err) < 0 ||
	    plan_deletes(&p, manifest, err) < 0 ||
	    (!o->offline && read_limits(cfg, &lo, res, err) < 0))
		goto out;
	plan_days(res);
	rc = 0;
out:
	if (tmp)
		sync_remove_tree(tmp);
	free(tmp);
	if (rc < 0)
		*outcome = SYNC_STOPPED;
	manifest_free(manifest);
	deletes_free(p.c.del);
	if (p.c.st)
		state_read_end(p.c.st);
	state_close(p.c.st);
	free(p.c.marks);
	free(p.c.id_sent);
	loader_opts_release(&lo);
	return rc;
}

void plan_result_release(struct plan_result *res)
{
	size_t i, k;

	if (!res)
		return;
	for (i = 0; i < res->nobjects; i++) {
		struct plan_object *po = &res->objects[i];

		for (k = 0; k < po->nshown; k++) {
			free(po->shown[k].key);
			free(po->shown[k].source);
			free(po->shown[k].why);
			free(po->shown[k].field);
			free(po->shown[k].sf_id);
			plan_changes_free(po->shown[k].changes,
					  po->shown[k].nchanges);
		}
		for (k = 0; k < po->nrejected_by; k++)
			free(po->rejected_by[k].name);
		free(po->shown);
		free(po->rejected_by);
	}
	free(res->objects);
	free(res->job_rows);
	memset(res, 0, sizeof(*res));
}

void plan_totals(const struct plan_result *res, struct plan_object *t)
{
	size_t i, k;

	memset(t, 0, sizeof(*t));
	t->object = "total";
	for (i = 0; i < res->nobjects; i++) {
		const struct plan_object *po = &res->objects[i];

		t->read += po->read;
		for (k = 0; k < PLAN_KINDS; k++)
			t->n[k] += po->n[k];
		t->unchanged += po->unchanged;
		t->rejected += po->rejected;
		t->duplicates += po->duplicates;
		t->below_watermark += po->below_watermark;
		t->rolled_up += po->rolled_up;
		t->files += po->files;
		t->records += po->records;
		t->raw_bytes += po->raw_bytes;
		t->gz_bytes += po->gz_bytes;
		t->api_calls += po->api_calls;
		t->has_deletes |= po->has_deletes;
		t->to_delete += po->to_delete;
		t->held_back += po->held_back;
		if (!po->del.over_cap) {
			t->del.marked += po->del.marked;
			t->del.missing += po->del.missing;
		}
		t->del.never_synced += po->del.never_synced;
		t->del.already += po->del.already;
		t->polls += po->polls;
		t->batches += po->batches;
	}
	t->api_calls += res->run_calls;
}

unsigned long long plan_storage_kb(const struct plan_result *res)
{
	struct plan_object t;

	plan_totals(res, &t);
	return t.n[PLAN_NEW] * PLAN_RECORD_KB;
}
