/* sync_result.c - what a run did, and its one JSON encoder (see sync.h). */
#include "sync.h"
#include "deletes.h"
#include "sync_int.h"

#include <stdlib.h>
#include <string.h>

void sync_result_init(struct sync_result *res)
{
	memset(res, 0, sizeof(*res));
	load_report_init(&res->continued_load);
	load_report_init(&res->load);
}

int sync_code(const struct sync_env *env, enum sync_outcome outcome,
	      const struct bs_err *err)
{
	return env->exit_code(outcome, outcome == SYNC_STOPPED ? err->kind :
			      BS_E_NONE);
}

void sync_result_release(struct sync_result *res)
{
	if (!res)
		return;
	load_report_release(&res->continued_load);
	load_report_release(&res->load);
	manifest_free(res->manifest);
	free(res->work_dir);
	free(res->ids);
	free(res->marks);
	free(res->deletes);
	sync_result_init(res);
}

static json_t *ids_json(const struct sync_result *res)
{
	json_t *a;
	size_t i;

	if (!res->nids)
		return json_null();
	a = json_array();
	for (i = 0; a && i < res->nids; i++)
		json_array_append_new(a, json_pack(
			"{s:s, s:s?, s:s?}", "id", res->ids[i].id,
			"object", res->ids[i].object,
			"status", res->ids[i].status));
	return a;
}

static json_t *marks_json(const struct sync_result *res)
{
	json_t *a;
	size_t i;

	if (!res->nmarks)
		return json_null();
	a = json_array();
	for (i = 0; a && i < res->nmarks; i++)
		json_array_append_new(a, json_pack(
			"{s:s, s:s?, s:b}", "object", res->marks[i].object,
			"watermark", res->marks[i].value[0] ?
			res->marks[i].value : NULL,
			"advanced", res->marks[i].advanced));
	return a;
}

json_t *sync_delete_plan_json(const struct delete_plan *p)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:b, s:s?, s:I, s:I, s:I, s:I, "
			 "s:b, s:b}", "object", p->object, "operation",
			 p->operation, "marked", (json_int_t)p->marked,
			 "missing", (json_int_t)p->missing, "missing_checked",
			 p->missing_checked, "missing_not_checked_because",
			 p->missing_why[0] ? p->missing_why : NULL,
			 "never_synced", (json_int_t)p->never_synced,
			 "already_deleted", (json_int_t)p->already,
			 "held_as_synced", (json_int_t)p->held,
			 "max_deletes", (json_int_t)p->cap,
			 "allowed_by_option", p->cap_allowed,
			 "over_cap", p->over_cap);
}

static json_t *deletes_json(const struct sync_result *res)
{
	json_t *a;
	size_t i;

	if (!res->deletes)
		return json_null();
	a = json_array();
	for (i = 0; a && i < res->ndeletes; i++)
		json_array_append_new(a, sync_delete_plan_json(&res->deletes[i]));
	return a;
}

json_t *sync_result_json(const struct sync_result *res)
{
	json_t *root = json_pack(
		"{s:I, s:s, s:i, s:o?, s:o?, s:o?}",
		"run", (json_int_t)res->run, "mode", res->mode,
		"exit_code", res->code,
		"resumed", res->continued ?
		load_report_json(&res->continued_load) : NULL,
		"export", res->continued_only || !res->manifest ? NULL :
		manifest_to_json(res->manifest),
		"load", res->loaded && !res->continued_only ?
		load_report_json(&res->load) : NULL);

	/* a continued run that stopped again has only its load to say */
	if (root && !res->continued_only) {
		json_object_set_new(root, "ids_not_sent", ids_json(res));
		json_object_set_new(root, "watermarks", marks_json(res));
		json_object_set_new(root, "deletes", deletes_json(res));
	}
	return root;
}
