/* syncdel.c - a run's deletes, planned, said and written (see syncdel.h
 * and docs/state.md, "Deletes"). */
#include "syncdel.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <unistd.h>

#include "base/msg.h"
#include "deletes.h"
#include "export/bulkdir.h"
#include "formats/sbuf.h"
#include "map/mapdelete.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "session.h"
#include "sync.h"
#include "sync_int.h"

void syncdel_cap_text(const struct delete_plan *p, char *buf, size_t size)
{
	const struct map_delete *del = mapping_delete(p->m);

	if (p->cap_allowed)
		snprintf(buf, size, "%llu, as --allow-deletes %s=%llu says",
			 p->cap, p->object, p->cap);
	else if (del->cap_line && !del->cap_percent)
		snprintf(buf, size, "max_deletes = %llu", p->cap);
	else
		snprintf(buf, size, "%llu: max_deletes = %llu%% of the %llu "
			 "records synced%s", p->cap, del->cap_line ? del->cap :
			 MAP_DELETE_DEFAULT_PERCENT, p->held, del->cap_line ?
			 "" : ", the default");
}

static void say_plan(struct msg *msg, const struct delete_plan *p)
{
	unsigned long long n = p->marked + p->missing;
	char cap[200];

	if (p->missing_wanted && !p->missing_checked)
		msg_note(msg, "%s: records missing from the source were not "
		     "looked for: %s", p->object, p->missing_why);
	if (p->never_synced)
		msg_note(msg, "%s: %llu rows marked deleted are of records "
		     "billsync never synced: nothing to delete", p->object,
		     p->never_synced);
	if (p->over_cap) {
		syncdel_cap_text(p, cap, sizeof(cap));
		msg_warn(msg, "%s: %llu records would be deleted (%llu marked "
		     "deleted, %llu missing from the source), more than its "
		     "cap allows (%s): none was deleted; to allow these once: "
		     "billsync run --allow-deletes %s=%llu", p->object, n,
		     p->marked, p->missing, cap, p->object, n);
	} else if (n) {
		msg_note(msg, "%s: %llu records to delete (%s; %llu marked "
		     "deleted, %llu missing from the source)", p->object, n,
		     p->operation, p->marked, p->missing);
	}
}

int syncdel_prepare(struct msg *msg, struct deletes *d,
		    const struct sync_opts *o, long long run,
		    const struct manifest *manifest, const char *dir,
		    unsigned long long *rows, int *held, struct bs_err *err)
{
	const struct delete_plan *p;
	size_t i, n;

	*rows = 0;
	*held = 0;
	if (deletes_plan(d, o->since || o->until, manifest, o->allow, o->nallow,
			 err) < 0)
		return -1;
	n = deletes_plans(d, &p);
	for (i = 0; i < n; i++) {
		say_plan(msg, &p[i]);
		*held |= p[i].over_cap;
	}
	return deletes_write(d, run, dir, manifest, rows, err);
}

int syncdel_check_allow(const struct mapset *maps, const struct sync_opts *o,
			struct bs_err *err)
{
	size_t i, j;

	for (i = 0; i < o->nallow; i++) {
		for (j = 0; j < mapset_count(maps); j++) {
			const struct mapping *m = mapset_at(maps, j);

			if (mapping_chosen(m, o->objects, o->objects ?
					   o->nobjects : 0) &&
			    map_delete_active(mapping_delete(m)) &&
			    !strcmp(mapping_object(m), o->allow[i].object))
				break;
		}
		if (j == mapset_count(maps))
			return bs_err_set(err, BS_E_USAGE, "--allow-deletes %s: "
					  "no chosen mapping deletes %s records "
					  "(a [delete] section with how = "
					  "delete or hardDelete)",
					  o->allow[i].object,
					  o->allow[i].object);
	}
	return 0;
}

struct deletes *syncdel_new(struct state *st, const struct mapset *maps,
			    const struct sync_opts *o, struct bs_err *err)
{
	const struct delete_plan *p;
	struct deletes *d;

	if (o->mode != SYNC_INCREMENTAL && o->mode != SYNC_FULL)
		return NULL;
	d = deletes_new(st, maps, o->objects, o->nobjects, err);
	if (d && !deletes_plans(d, &p)) {
		deletes_free(d);
		d = NULL;
	}
	return d;
}

int syncdel_dir(const char *dir, struct bulkdir **out, struct bs_err *err)
{
	struct sbuf sb;
	int rc = 0;

	*out = NULL;
	sbuf_init(&sb, 0);
	if (sbuf_addf(&sb, "%s/%s/manifest.json", dir, SYNCDEL_DIR) < 0) {
		sbuf_release(&sb);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	if (access(sb.buf, F_OK) == 0) {
		sb.len -= strlen("/manifest.json");
		sb.buf[sb.len] = '\0';
		*out = bulkdir_load(sb.buf, err);
		rc = *out ? 0 : -1;
	}
	sbuf_release(&sb);
	return rc;
}

int syncdel_load(const struct config *cfg, const struct sync_env *env,
		 struct state *st, long long run, const struct bulkdir *bd,
		 const char *failures, struct load_report **report,
		 unsigned long long *failed, struct bs_err *err)
{
	struct session_opts so = { failures, 1, st, run, env->msg, env->stop,
				   1, NULL, NULL };
	struct loader_summary sum;
	struct session *ses = session_new(bd, &so, err);
	struct bs_err rerr;
	int rc;

	*report = NULL;
	*failed = 0;
	if (!ses)
		return -1;
	rc = session_load(ses, cfg, &sum, err);
	*failed = session_failures(ses);
	*report = malloc(sizeof(**report));
	bs_err_clear(&rerr);
	if (*report && session_report(ses, &sum, sync_code(env, rc < 0 ?
				      SYNC_STOPPED : *failed ?
				      SYNC_DONE_RECORDS : SYNC_DONE, err),
				      rc < 0 ? err : NULL, *report,
				      &rerr) < 0) {
		free(*report);
		*report = NULL;
	}
	session_free(ses);
	return rc;
}
