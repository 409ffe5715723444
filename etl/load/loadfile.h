/*
 * loadfile.h - one bulk file's way through Bulk API 2.0 jobs: create,
 * upload, close, poll, collect and reconcile the results, re-send locked
 * rows; the outcome goes to the hooks and into t->status.  Called by
 * loader.c's worker threads, without l->mu held.
 */
#ifndef LOADFILE_H
#define LOADFILE_H

#include "loadrun.h"

void loadfile_run(struct worker *w, struct task *t);

#endif
