/* plan_lists.c - a plan's deletes and rejected rows: counted as the run
 * would count them, and listed for --show (see plan.h). */
#include "plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/manifest.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"

/* ---- deletes -------------------------------------------------------- */

struct lister {
	struct planner *p;
	struct plan_object *po;
	struct bs_err *err;
};

static int list_delete(void *ctx, const struct delete_plan *dp,
		       const char *key, const char *sf_id, const char *reason,
		       const char *source, unsigned long line)
{
	struct lister *l = ctx;
	unsigned long long show = l->p->o->show;
	struct plan_key k;

	(void)dp;
	memset(&k, 0, sizeof(k));
	k.kind = strcmp(reason, "marked") ? PLAN_VANISHED : PLAN_DELETE;
	k.key = (char *)key;
	k.source = (char *)source;
	k.line = line;
	k.sf_id = (char *)sf_id;
	if (plan_list(l->p, l->po, &k, strlen(key), l->err) < 0)
		return -1;
	return l->po->listed[PLAN_DELETE] >= show &&
	       l->po->listed[PLAN_VANISHED] >= show;   /* enough: stop */
}

int plan_deletes(struct planner *p, const struct manifest *manifest,
		 struct bs_err *err)
{
	const struct sync_opts *o = p->c.o;
	const struct delete_plan *dp;
	size_t i, n;

	if (!p->c.del)
		return 0;
	if (deletes_plan(p->c.del, o->since || o->until, manifest, o->allow,
			 o->nallow, err) < 0)
		return -1;
	n = deletes_plans(p->c.del, &dp);
	for (i = 0; i < n; i++) {
		struct lister l = { p, plan_object_of(p->res, dp[i].object),
				    err };
		unsigned long long left = dp[i].marked + dp[i].missing;

		if (!l.po)
			continue;
		l.po->has_deletes = 1;
		l.po->del = dp[i];
		if (p->o->show && left &&
		    deletes_each(p->c.del, &dp[i], list_delete, &l, err) < 0)
			return -1;
		if (dp[i].over_cap) {
			l.po->held_back = left;
			continue;   /* the run makes no delete job */
		}
		l.po->to_delete = left;
		while (left) {      /* its jobs, as deletes_write splits them */
			unsigned long long rows = left < DELETES_FILE_ROWS ?
						  left : DELETES_FILE_ROWS;

			if (plan_job(p, l.po, rows, err) < 0)
				return -1;
			left -= rows;
		}
	}
	return 0;
}

/* ---- rejected rows --------------------------------------------------- */

static int list_rejects(struct planner *p, struct plan_object *po,
			const char *path, struct bs_err *err)
{
	static const char *const cols[] = { "source", "line", "field",
					    "reason" };
	struct rowsrc *rs = rowsrc_open(path, NULL, NULL, err);
	struct rowsrc_row row;
	struct bs_err bad;
	int r = ROWSRC_ROW, rc = 0;

	if (!rs || rowsrc_select(rs, cols, 4, err) < 0) {
		rowsrc_free(rs);
		return -1;
	}
	while (rc == 0 && po->listed[PLAN_REJECTED] < p->o->show &&
	       (r = rowsrc_next(rs, &row, &bad)) != ROWSRC_DONE) {
		struct plan_key k;

		if (r == ROWSRC_ERROR) {
			*err = bad;
			rc = -1;
			break;
		}
		if (r != ROWSRC_ROW)
			continue;
		memset(&k, 0, sizeof(k));
		k.kind = PLAN_REJECTED;
		k.source = (char *)row.v[0].s;
		k.line = strtoul(row.v[1].s, NULL, 10);
		k.field = row.v[2].len ? (char *)row.v[2].s : NULL;
		k.why = (char *)row.v[3].s;
		rc = plan_list(p, po, &k, 0, err);
	}
	rowsrc_free(rs);
	return rc;
}

int plan_rejects(struct planner *p, const struct manifest *manifest,
		 const char *dir, struct bs_err *err)
{
	size_t i;

	for (i = 0; p->o->show && i < manifest->nobjects; i++) {
		const struct manifest_object *mo = &manifest->objects[i];
		struct plan_object *po = plan_object_of(p->res, mo->object);
		struct sbuf path;
		int rc;

		if (!po || !mo->rejects)
			continue;
		sbuf_init(&path, 0);
		rc = sbuf_addf(&path, "%s/%s", dir, mo->rejects) < 0 ?
		     bs_err_set(err, BS_E_NOMEM, "out of memory") :
		     list_rejects(p, po, path.buf, err);
		sbuf_release(&path);
		if (rc < 0)
			return -1;
	}
	return 0;
}
