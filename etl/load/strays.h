/*
 * strays.h - the jobs a lost answer may have left: when a job create's
 * answer was lost and a retry made another job, the first may exist, Open
 * and empty.  The loader tracks its jobs (strays_track_job) and, after the
 * workers, lists the org's ingest jobs and aborts the Open ones that can
 * only be such strays (strays_clean; docs/loading.md gives the rule and
 * its limits).  The state is struct loader's (loadrun.h).
 */
#ifndef STRAYS_H
#define STRAYS_H

#include "loadrun.h"

struct sf_api;
struct sf_job;

/* Remembers a job of this run (created, or resumed); uncertain > 0 (the
 * create's lost attempts, sf_bulk_create) with elapsed_ms, the time from
 * before the first attempt to the answer, also sets a stray_watch. */
void strays_track_job(struct loader *l, const struct task *t,
		      const struct sf_job *job, unsigned uncertain,
		      unsigned long long elapsed_ms);

/* After the workers: aborts the Open jobs lost answers left, when they
 * can be told apart from jobs that are not this run's. */
void strays_clean(struct loader *l, struct sf_api *api);

#endif
