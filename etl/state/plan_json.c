/* plan_json.c - a plan for machines: its one encoder (see plan.h). */
#include "plan.h"

static const char *const values_names[] = {
	[PLAN_VALUES_KEPT] = "kept",
	[PLAN_VALUES_HASHES] = "hashes only",
	[PLAN_VALUES_NONE_YET] = "none yet"
};

/* A changed record's field diff: [{field, was, now}] (was null: the field
 * was not synced); null when no values were kept to compare with. */
static json_t *changes_json(const struct plan_key *k)
{
	json_t *a;
	size_t i;

	if (k->values != PLAN_VALUES_KEPT)
		return json_null();
	a = json_array();
	for (i = 0; a && i < k->nchanges; i++)
		json_array_append_new(a, json_pack(
			"{s:s, s:s?, s:s}", "field", k->changes[i].field,
			"was", k->changes[i].was, "now", k->changes[i].now));
	return a;
}

static json_t *key_json(const struct plan_key *k)
{
	int rejected = k->kind == PLAN_REJECTED;
	json_t *o = json_pack("{s:s?, s:s?, s:I, s:s?, s:s?, s:s?, s:s?}",
			      "key", rejected ? NULL : k->key,
			      "source", k->source[0] ? k->source : NULL,
			      "line", (json_int_t)k->line,
			      "filter", k->kind == PLAN_FILTERED ? k->why : NULL,
			      "reason", rejected ? k->why : NULL,
			      "field", k->field, "sf_id", k->sf_id);

	if (o && k->kind == PLAN_CHANGED) {
		json_object_set_new(o, "values", json_string(
				    values_names[k->values]));
		json_object_set_new(o, "changes", changes_json(k));
	}
	return o;
}

static json_t *shown_json(const struct plan_object *po)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < po->nshown; i++) {
		const struct plan_key *k = &po->shown[i];
		const char *kind = plan_kind_name(k->kind);
		json_t *a = json_object_get(o, kind);

		if (!a) {
			a = json_array();
			json_object_set_new(o, kind, a);
		}
		json_array_append_new(a, key_json(k));
	}
	return o;
}

/* The object's deletes as the run's report has them, and the option
 * that would allow them when the cap holds them back; null when it
 * deletes nothing (no [delete] section that deletes). */
static json_t *deletes_json_of(const struct plan_object *po, int total)
{
	const struct delete_plan *d = &po->del;
	json_t *o;
	char allow[300];

	if (!po->has_deletes)
		return json_null();
	if (total)
		return json_pack("{s:I, s:I, s:I, s:I}",
				 "marked", (json_int_t)d->marked,
				 "missing", (json_int_t)d->missing,
				 "never_synced", (json_int_t)d->never_synced,
				 "already_deleted", (json_int_t)d->already);
	o = sync_delete_plan_json(d);
	snprintf(allow, sizeof(allow), "--allow-deletes %s=%llu", d->object,
		 d->marked + d->missing);
	if (o)
		json_object_set_new(o, "allow_with", d->over_cap ?
				    json_string(allow) : json_null());
	return o;
}

static json_t *object_json(const struct plan_object *po, int with_keys)
{
	json_t *by = json_object(), *o;
	size_t i;

	for (i = 0; by && i < po->nrejected_by; i++)
		json_object_set_new(by, po->rejected_by[i].name,
				    json_integer((json_int_t)po->rejected_by[i].n));
	o = json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"object", po->object,
		"read", (json_int_t)po->read,
		"send", (json_int_t)(po->n[PLAN_NEW] + po->n[PLAN_CHANGED] +
				     po->n[PLAN_RETRY] + po->n[PLAN_RESEND]),
		"new", (json_int_t)po->n[PLAN_NEW],
		"changed", (json_int_t)po->n[PLAN_CHANGED],
		"retry", (json_int_t)po->n[PLAN_RETRY],
		"resend", (json_int_t)po->n[PLAN_RESEND],
		"unchanged", (json_int_t)po->unchanged,
		"filtered", (json_int_t)po->n[PLAN_FILTERED],
		"marked_deleted", (json_int_t)po->n[PLAN_MARKED],
		"rejected", (json_int_t)po->rejected,
		"duplicates", (json_int_t)po->duplicates,
		"rejected_by", by ? by : json_object(),
		"cost", "files", (json_int_t)po->files,
		"jobs", (json_int_t)po->files,
		"records", (json_int_t)po->records,
		"api_calls", (json_int_t)po->api_calls,
		"polls", (json_int_t)po->polls,
		"bulk_batches", (json_int_t)po->batches,
		"raw_bytes", (json_int_t)po->raw_bytes,
		"gzip_bytes", (json_int_t)po->gz_bytes);
	if (o) {
		json_object_set_new(o, "below_watermark",
				    json_integer((json_int_t)po->below_watermark));
		json_object_set_new(o, "rolled_up",
				    json_integer((json_int_t)po->rolled_up));
		/* records, not rows: vanished ones were not read */
		json_object_set_new(o, "to_delete", json_integer(
				    (json_int_t)po->to_delete));
		json_object_set_new(o, "held_back_by_cap", json_integer(
				    (json_int_t)po->held_back));
		json_object_set_new(o, "vanished", json_integer(
				    (json_int_t)po->del.missing));
		json_object_set_new(o, "deletes", deletes_json_of(po, !with_keys));
		/* keep_values: a changed record's field diff can be shown */
		json_object_set_new(o, "values_kept",
				    json_boolean(po->keeps_values));
		if (with_keys)
			json_object_set_new(o, "show", shown_json(po));
	}
	return o;
}

/* One allocation against its remaining amount and the margin. */
static json_t *allocation_json(unsigned long long max,
			       unsigned long long remaining, unsigned pct,
			       unsigned long long need)
{
	unsigned long long margin = max * pct / 100;
	unsigned long long usable = remaining > margin ? remaining - margin : 0;

	return json_pack("{s:I, s:I, s:I, s:I, s:b}", "max", (json_int_t)max,
			 "remaining", (json_int_t)remaining,
			 "margin", (json_int_t)margin,
			 "needed", (json_int_t)need, "fits_today",
			 need <= usable);
}

static json_t *org_json(const struct plan_result *res,
			const struct plan_object *t)
{
	unsigned long long kb = plan_storage_kb(res);
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (res->lim.have_api)
		json_object_set_new(o, "api_requests", allocation_json(
			res->lim.api_max, res->lim.api_remaining,
			res->margin_pct, res->reserve_calls + res->run_calls));
	if (res->lim.have_batches)
		json_object_set_new(o, "bulk_batches", allocation_json(
			res->lim.batches_max, res->lim.batches_remaining,
			res->margin_pct, t->batches));
	if (res->have_storage)
		json_object_set_new(o, "data_storage", json_pack(
			"{s:I, s:I, s:I, s:b}",
			"max_mb", (json_int_t)res->storage_max_mb,
			"remaining_mb", (json_int_t)res->storage_remaining_mb,
			"needed_kb", (json_int_t)kb, "short",
			kb > res->storage_remaining_mb * 1024));
	json_object_set_new(o, "days_needed", res->days ?
			    json_integer(res->days) : json_null());
	json_object_set_new(o, "days_set_by", res->days ?
			    json_string(res->days_by) : json_null());
	json_object_set_new(o, "job_over_a_day", json_boolean(
			    res->one_job_too_big));
	return o;
}

json_t *plan_result_json(const struct plan_result *res)
{
	struct plan_object t;
	json_t *root, *objects = json_array();
	size_t i;

	plan_totals(res, &t);
	for (i = 0; objects && i < res->nobjects; i++)
		json_array_append_new(objects, object_json(&res->objects[i], 1));
	root = json_pack("{s:s, s:b, s:b, s:o?, s:o, s:o, s:I, s:I, s:I}",
			 "mode", res->mode, "offline", res->offline,
			 "state", res->has_state,
			 "continues_run", res->continues ?
			 json_integer(res->continues) : NULL,
			 "objects", objects ? objects : json_array(),
			 "total", object_json(&t, 0),
			 "storage_kb", (json_int_t)plan_storage_kb(res),
			 "record_kb", (json_int_t)PLAN_RECORD_KB,
			 "assumed_rate", (json_int_t)PLAN_ASSUMED_RATE);
	if (root)
		json_object_set_new(root, "org", res->offline ||
				    !(res->have_limits || res->have_storage) ?
				    json_null() : org_json(res, &t));
	return root;
}
