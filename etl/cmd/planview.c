/* planview.c - showing a plan (see planview.h). */
#include "planview.h"

#include <stdio.h>
#include <string.h>

#include "formats/utf8.h"
#include "report.h"
#include "runexit.h"
#include "state/syncdel.h"
#include "runview.h"
#include "setup.h"
#include "stateview.h"
#include "table.h"

#define NCOLS 17
#define DELETE_COLS 3   /* marked, to delete, vanished: only when an
			   object deletes */

/* The columns (head, value of po); the DELETE_COLS after the first
 * ones only when some object deletes. */
static const char *const head[NCOLS] = { "object", "read", "new",
	"changed", "retry", "resend", "unchanged", "filtered", "rejected",
	"duplicates", "below wm", "jobs", "API calls", "batches",
	"marked", "to delete", "vanished" };

static void row_cells(const struct plan_object *po, size_t ncols,
		      char n[NCOLS][24], const char *cells[NCOLS])
{
	const unsigned long long v[NCOLS - 1] = {
		po->read, po->n[PLAN_NEW], po->n[PLAN_CHANGED],
		po->n[PLAN_RETRY], po->n[PLAN_RESEND], po->unchanged,
		po->n[PLAN_FILTERED], po->rejected, po->duplicates,
		po->below_watermark, po->files, po->api_calls, po->batches,
		po->n[PLAN_MARKED], po->to_delete, po->del.missing
	};
	size_t c;

	cells[0] = po->object;
	for (c = 0; c + 1 < ncols; c++) {
		snprintf(n[c], sizeof(n[c]), "%llu", v[c]);
		cells[c + 1] = n[c];
	}
}

static void print_table(FILE *out, const struct plan_result *res,
			const struct plan_object *t)
{
	size_t ncols = t->has_deletes ? NCOLS : NCOLS - DELETE_COLS;
	struct table *tb = table_new(ncols, head);
	char n[NCOLS][24];
	const char *cells[NCOLS];
	size_t i, c;

	if (!tb)
		return;
	for (c = 1; c < ncols; c++)
		table_align_right(tb, c);
	for (i = 0; i < res->nobjects; i++) {
		row_cells(&res->objects[i], ncols, n, cells);
		table_add(tb, cells, NULL);
	}
	row_cells(t, ncols, n, cells);
	table_add(tb, cells, NULL);
	table_print(tb, out, 0);
	table_free(tb);
}

#define VALUE_SHOWN 60   /* bytes of a value the table shows */

/* A value on one line: its first VALUE_SHOWN bytes (cut at a character's
 * start), line ends as \n. */
static void print_value(FILE *out, const char *v)
{
	size_t n = strlen(v), shown = utf8_prefix_bytes(v, n, VALUE_SHOWN), i;

	if (!n)
		fputs("(empty)", out);
	for (i = 0; i < shown; i++) {
		if (v[i] == '\n' || v[i] == '\r')
			fputs(v[i] == '\n' ? "\\n" : "\\r", out);
		else
			fputc(v[i], out);
	}
	if (shown < n)
		fputs("…", out);
}

/* ": Total__c 120.00 → 121.00, Status__c issued → paid" */
static void print_changes(FILE *out, const struct plan_key *k)
{
	size_t i;

	if (k->values == PLAN_VALUES_HASHES) {
		fputs(": its mapping keeps only a hash of what was last synced "
		      "(keep_values = no): no field diff", out);
		return;
	}
	if (k->values == PLAN_VALUES_NONE_YET) {
		fputs(": no values kept yet (last synced before billsync kept "
		      "them): no field diff", out);
		return;
	}
	if (!k->nchanges)
		fputs(": the same values as last synced (only their encoding "
		      "differs)", out);
	for (i = 0; i < k->nchanges; i++) {
		fprintf(out, "%s %s ", i ? "," : ":", k->changes[i].field);
		if (k->changes[i].was)
			print_value(out, k->changes[i].was);
		else
			fputs("(not synced)", out);
		fputs(" → ", out);
		print_value(out, k->changes[i].now);
	}
}

static void print_key(FILE *out, const char *object, const struct plan_key *k)
{
	fprintf(out, "  %s %s", object, plan_kind_name(k->kind));
	if (k->kind != PLAN_REJECTED)
		fprintf(out, " %s", k->key);
	if (k->source[0])
		fprintf(out, " (%s:%lu)", k->source, k->line);
	switch (k->kind) {
	case PLAN_FILTERED:
		fprintf(out, ": filter %s", k->why);
		break;
	case PLAN_CHANGED:
		print_changes(out, k);
		break;
	case PLAN_REJECTED:
		fprintf(out, ": %s%s%s", k->field ? k->field : "",
			k->field ? ": " : "", k->why);
		break;
	case PLAN_DELETE:
		fprintf(out, ": marked deleted, Salesforce Id %s", k->sf_id);
		break;
	case PLAN_VANISHED:
		fprintf(out, ": no row has its key, Salesforce Id %s", k->sf_id);
		break;
	default:
		break;
	}
	fputc('\n', out);
}

/* What an object's deletes would do: what was not looked for, the cap. */
static void print_deletes(FILE *out, const struct plan_object *po)
{
	const struct delete_plan *d = &po->del;
	unsigned long long n = d->marked + d->missing;
	char cap[200];

	if (!po->has_deletes)
		return;
	if (d->missing_wanted && !d->missing_checked)
		fprintf(out, "  %s: records missing from the source are not "
			"looked for: %s\n", po->object, d->missing_why);
	if (d->never_synced)
		fprintf(out, "  %s: %llu rows marked deleted are of records "
			"billsync never synced: nothing to delete\n",
			po->object, d->never_synced);
	if (!n)
		return;
	syncdel_cap_text(d, cap, sizeof(cap));
	if (d->over_cap)
		fprintf(out, "  %s: %llu records would be deleted (%llu marked "
			"deleted, %llu vanished), MORE THAN ITS CAP ALLOWS (%s): "
			"the run deletes none of them and exits 9; to allow "
			"these once: billsync run --allow-deletes %s=%llu\n",
			po->object, n, d->marked, d->missing, cap, po->object,
			n);
	else
		fprintf(out, "  %s: %llu records to delete (%s; %llu marked "
			"deleted, %llu vanished), within its cap (%s)\n",
			po->object, n, d->operation, d->marked, d->missing,
			cap);
}

static void print_keys(FILE *out, const struct plan_result *res)
{
	size_t i, k;

	for (i = 0; i < res->nobjects; i++) {
		const struct plan_object *po = &res->objects[i];

		for (k = 0; k < po->nshown; k++)
			print_key(out, po->object, &po->shown[k]);
		for (k = 0; k < po->nrejected_by; k++)
			fprintf(out, "  %s: %llu rejected (%s)\n", po->object,
				po->rejected_by[k].n, po->rejected_by[k].name);
		print_deletes(out, po);
	}
}

static void print_allocation(FILE *out, const char *what,
			     unsigned long long max,
			     unsigned long long remaining, unsigned pct,
			     unsigned long long need)
{
	unsigned long long margin = max * pct / 100;
	unsigned long long usable = remaining > margin ? remaining - margin : 0;

	fprintf(out, "  %s: %llu of %llu left today, %u%% (%llu) kept in "
		"reserve: the run needs about %llu, %s\n", what, remaining, max,
		pct, margin, need, need <= usable ? "which fits today" :
		"MORE THAN IS LEFT TODAY");
}

static void print_org(FILE *out, const struct plan_result *res,
		      const struct plan_object *t)
{
	unsigned long long kb = plan_storage_kb(res);

	if (res->offline) {
		fputs("offline: the org's daily allocations and data storage "
		      "were not read\n", out);
		return;
	}
	if (!res->have_limits && !res->have_storage) {
		fputs("the org did not say its limits (/limits)\n", out);
		return;
	}
	fputs("the org:\n", out);
	if (res->lim.have_api)
		print_allocation(out, "API requests", res->lim.api_max,
				 res->lim.api_remaining, res->margin_pct,
				 res->reserve_calls + res->run_calls);
	if (res->lim.have_batches)
		print_allocation(out, "Bulk API batches", res->lim.batches_max,
				 res->lim.batches_remaining, res->margin_pct,
				 t->batches);
	if (res->days > 1)
		fprintf(out, "  BACKFILL OVER %u DAYS: the sends need %u days of "
			"%s (the run stops at the reserve; run again each "
			"day to go on)\n", res->days, res->days, res->days_by);
	else if (res->days == 1)
		fputs("  days needed: 1\n", out);
	if (res->one_job_too_big)
		fputs("  A JOB NEEDS MORE THAN A WHOLE DAY'S ALLOCATION: it can "
		      "never start; make the bulk files smaller ([output] "
		      "max_file_rows)\n", out);
	if (res->have_storage) {
		if (kb > res->storage_remaining_mb * 1024)
			fprintf(out, "  NOT ENOUGH DATA STORAGE: %llu new records "
				"take about %llu MB (%d KB each); the org has "
				"%llu MB of %llu MB left\n", t->n[PLAN_NEW],
				(kb + 1023) / 1024, PLAN_RECORD_KB,
				res->storage_remaining_mb,
				res->storage_max_mb);
		else
			fprintf(out, "  data storage: %llu new records take "
				"about %llu KB (%d KB each); %llu MB of %llu MB "
				"left\n", t->n[PLAN_NEW], kb, PLAN_RECORD_KB,
				res->storage_remaining_mb,
				res->storage_max_mb);
	}
}

static void print_plan(FILE *out, const struct plan_result *res)
{
	struct plan_object t;
	char rb[32], gb[32];
	unsigned long long send;

	plan_totals(res, &t);
	send = t.n[PLAN_NEW] + t.n[PLAN_CHANGED] + t.n[PLAN_RETRY] +
	       t.n[PLAN_RESEND];
	if (res->continues)
		fprintf(out, "first, the run continues run %lld (its files "
			"left are not in this plan)\n", res->continues);
	if (!res->has_state)
		fputs("no run yet: every record is new\n", out);
	print_table(out, res, &t);
	print_keys(out, res);
	fprintf(out, "%llu read = %llu to send (%llu new + %llu changed + %llu "
		"retry + %llu resend) + %llu unchanged + %llu filtered + %llu "
		"rejected + %llu duplicates", t.read, send, t.n[PLAN_NEW],
		t.n[PLAN_CHANGED], t.n[PLAN_RETRY], t.n[PLAN_RESEND],
		t.unchanged, t.n[PLAN_FILTERED], t.rejected, t.duplicates);
	if (t.has_deletes)
		fprintf(out, " + %llu marked deleted", t.n[PLAN_MARKED]);
	if (t.below_watermark)
		fprintf(out, " + %llu below watermark", t.below_watermark);
	if (t.rolled_up)
		fprintf(out, " + %llu rolled up", t.rolled_up);
	fputc('\n', out);
	if (t.has_deletes)
		fprintf(out, "%llu to delete = %llu of rows marked deleted + %llu "
			"vanished (synced records no row has: not rows read); "
			"%llu held back by a cap\n", t.to_delete, t.del.marked,
			t.del.missing, t.held_back);
	report_bytes(t.raw_bytes, rb, sizeof(rb));
	report_bytes(t.gz_bytes, gb, sizeof(gb));
	fprintf(out, "cost: %llu bulk files (%s, %s gzipped), %llu jobs, about "
		"%llu API calls (%llu polls expected at %d records/s), %llu "
		"Bulk batches, %llu records\n", t.files, rb, gb, t.files,
		t.api_calls, t.polls, PLAN_ASSUMED_RATE, t.batches, t.records);
	print_org(out, res, &t);
}

int planview_plan(struct bs_ctx *ctx, struct setup *s,
		  const struct plan_opts *o)
{
	struct sync_env env;
	struct plan_result res;
	struct bs_err err;
	enum sync_outcome outcome = SYNC_DONE;
	int rc;

	bs_err_clear(&err);
	runview_env(ctx, &env);
	rc = sync_plan(s->cfg, s->maps, o, &env, &res, &outcome, &err);
	if (rc == 0) {
		if (ctx->json)
			stateview_json(ctx, plan_result_json(&res));
		else
			print_plan(ctx->out, &res);
	} else if (err.kind != BS_E_NONE) {
		ctx->err = err;
	}
	plan_result_release(&res);
	return rc == 0 ? BS_EXIT_OK : run_exit_code(outcome, err.kind);
}
