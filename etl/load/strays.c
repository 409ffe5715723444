/* strays.c - the jobs a lost answer may have left: when a job create's
 * answer was lost and a retry made another job, the first may exist, Open
 * and empty (see strays.h). */
#include "strays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/bulkdir.h"
#include "sf/sf_api.h"
#include "sf/sf_bulk.h"

#define STRAY_SLACK_MS 1000LL        /* createdDate rounding, either side */

/* Under l->mu. */
static void add_known_locked(struct loader *l, const char *id)
{
	if (l->nknown == l->known_alloc) {
		size_t n = l->known_alloc ? l->known_alloc * 2 : 16;
		char (*p)[SF_ID_SIZE] = realloc(l->known, n * sizeof(*l->known));

		if (!p) {
			l->known_incomplete = 1;
			return;
		}
		l->known = p;
		l->known_alloc = n;
	}
	snprintf(l->known[l->nknown++], SF_ID_SIZE, "%s", id);
}

void strays_track_job(struct loader *l, const struct task *t,
		      const struct sf_job *job, unsigned uncertain,
		      unsigned long long elapsed_ms)
{
	struct stray_watch *w;

	pthread_mutex_lock(&l->mu);
	add_known_locked(l, job->id);
	if (!uncertain)
		goto out;
	if (!job->created_ms || !job->created_by[0]) {
		loadrun_note_locked(l, &t->lf, "job create: %u attempt%s got no "
				   "answer before job %s was made, and Salesforce "
				   "did not say when or by whom that job was "
				   "created: billsync cannot look for a job a lost "
				   "attempt may have left Open (it fails after 24 "
				   "hours, with no data)", uncertain,
				   uncertain > 1 ? "s" : "", job->id);
		goto out;
	}
	if (l->nwatch == l->watch_alloc) {
		size_t n = l->watch_alloc ? l->watch_alloc * 2 : 4;
		struct stray_watch *p = realloc(l->watch, n * sizeof(*p));

		if (!p) {
			loadrun_note_locked(l, &t->lf, "out of memory: a job a "
					   "lost create answer may have left Open "
					   "will not be looked for");
			goto out;
		}
		l->watch = p;
		l->watch_alloc = n;
	}
	w = &l->watch[l->nwatch++];
	w->task = t;
	snprintf(w->created_by, sizeof(w->created_by), "%s", job->created_by);
	w->from_ms = job->created_ms - (long long)elapsed_ms - STRAY_SLACK_MS;
	w->to_ms = job->created_ms + STRAY_SLACK_MS;
	w->tries = uncertain;
	loadrun_note_locked(l, &t->lf, "job create: %u attempt%s got no answer "
			   "before job %s was made; at the end billsync looks for "
			   "a job %s may have left Open", uncertain,
			   uncertain > 1 ? "s" : "", job->id,
			   uncertain > 1 ? "they" : "it");
out:
	pthread_mutex_unlock(&l->mu);
}

/* The Open jobs found that a lost create may have made: watch groups are
 * watches of one object (and operation) and one user. */
struct stray {
	char id[SF_ID_SIZE];
	size_t group;                 /* index of the group's first watch */
};

struct stray_scan {
	struct loader *l;
	size_t *group;                /* per watch: its group */
	struct stray *found;
	size_t nfound, alloc;
};

static int same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The watch group a listed job may belong to, or -1. */
static long stray_group(const struct stray_scan *sc,
			const struct sf_job_entry *j)
{
	const struct loader *l = sc->l;
	size_t i;

	if (j->state != SF_JOB_OPEN || !j->created_ms)
		return -1;
	for (i = 0; i < l->nknown; i++)
		if (!strcmp(l->known[i], j->id))
			return -1;
	for (i = 0; i < l->nwatch; i++) {
		const struct stray_watch *w = &l->watch[i];
		const struct bulkdir_object *o = w->task->bf->object;

		if (same_str(j->object, o->object) &&
		    same_str(j->operation, o->operation) &&
		    same_str(j->external_id, o->external_id) &&
		    !strcmp(j->created_by, w->created_by) &&
		    j->created_ms >= w->from_ms && j->created_ms <= w->to_ms)
			return (long)sc->group[i];
	}
	return -1;
}

static int on_listed(void *ctx, const struct sf_job_entry *j,
		     struct bs_err *err)
{
	struct stray_scan *sc = ctx;
	long g = stray_group(sc, j);

	if (g < 0)
		return 0;
	if (sc->nfound == sc->alloc) {
		size_t n = sc->alloc ? sc->alloc * 2 : 4;
		struct stray *p = realloc(sc->found, n * sizeof(*p));

		if (!p)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		sc->found = p;
		sc->alloc = n;
	}
	snprintf(sc->found[sc->nfound].id, SF_ID_SIZE, "%s", j->id);
	sc->found[sc->nfound++].group = (size_t)g;
	return 0;
}

/* Deals with the jobs of one watch group: aborted when there are no more
 * of them than lost attempts, else left (another client of the same user
 * may have made some: nothing in a job says which program made it). */
static void settle_group(struct loader *l, struct sf_api *api,
			 const struct stray_scan *sc, size_t g)
{
	const struct loader_file *f = &l->watch[g].task->lf;
	unsigned tries = 0;
	size_t i, n = 0;
	char ids[MSG_BUF / 2] = "";
	struct bs_err e;

	for (i = 0; i < l->nwatch; i++)
		if (sc->group[i] == g)
			tries += l->watch[i].tries;
	for (i = 0; i < sc->nfound; i++) {
		size_t len = strlen(ids);

		if (sc->found[i].group != g)
			continue;
		n++;
		if (len + SF_ID_SIZE + 2 < sizeof(ids))
			snprintf(ids + len, sizeof(ids) - len, "%s%s",
				 len ? ", " : "", sc->found[i].id);
	}
	pthread_mutex_lock(&l->mu);
	if (!n)
		loadrun_note_locked(l, f, "no job of %s made by a lost create "
				   "answer is left Open", f->object);
	else if (n > tries)
		loadrun_note_locked(l, f, "%zu Open jobs of %s (%s) were created by "
				   "the same user while billsync's job create got "
				   "no answer %u time%s: billsync cannot tell which "
				   "are its own, so it leaves them (an Open job "
				   "without data fails after 24 hours)", n,
				   f->object, ids, tries, tries > 1 ? "s" : "");
	pthread_mutex_unlock(&l->mu);
	if (!n || n > tries)
		return;
	for (i = 0; i < sc->nfound; i++) {
		if (sc->found[i].group != g)
			continue;
		bs_err_clear(&e);
		sf_bulk_abort(api, sc->found[i].id, &e);
		pthread_mutex_lock(&l->mu);
		if (e.kind == BS_E_NONE)
			loadrun_note_locked(l, f, "aborted job %s: left Open by a "
					   "job create whose answer was lost",
					   sc->found[i].id);
		else
			loadrun_note_locked(l, f, "cannot abort job %s, left Open "
					   "by a job create whose answer was lost: "
					   "%s", sc->found[i].id, e.msg);
		pthread_mutex_unlock(&l->mu);
	}
}

/* After the workers: lists the org's ingest jobs and aborts the Open ones
 * lost create answers left (docs/loading.md, Faults). */
void strays_clean(struct loader *l, struct sf_api *api)
{
	struct stray_scan sc;
	struct bs_err e;
	size_t i, j;

	if (!l->nwatch)
		return;
	if ((l->o->stop && *l->o->stop) || l->known_incomplete) {
		pthread_mutex_lock(&l->mu);
		loadrun_note_locked(l, NULL, "not looking for jobs lost create "
				   "answers may have left Open (%s); such a job "
				   "fails after 24 hours, with no data",
				   l->known_incomplete ? "out of memory" :
				   "interrupted");
		pthread_mutex_unlock(&l->mu);
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.l = l;
	sc.group = calloc(l->nwatch, sizeof(*sc.group));
	bs_err_clear(&e);
	if (!sc.group) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
	} else {
		for (i = 0; i < l->nwatch; i++) {
			const struct stray_watch *w = &l->watch[i];

			sc.group[i] = i;
			for (j = 0; j < i; j++)
				if (l->watch[j].task->bf->object ==
				    w->task->bf->object &&
				    !strcmp(l->watch[j].created_by,
					    w->created_by)) {
					sc.group[i] = sc.group[j];
					break;
				}
		}
		sf_bulk_list(api, on_listed, &sc, &e);
	}
	if (e.kind != BS_E_NONE) {
		pthread_mutex_lock(&l->mu);
		loadrun_note_locked(l, NULL, "cannot look for jobs lost create "
				   "answers may have left Open: %s", e.msg);
		pthread_mutex_unlock(&l->mu);
	} else {
		for (i = 0; i < l->nwatch; i++)
			if (sc.group[i] == i)
				settle_group(l, api, &sc, i);
	}
	free(sc.found);
	free(sc.group);
}
