/*
 * planview.h - `billsync plan` and `run --dry-run`: makes the plan
 * (state/plan.h) and shows it: a table per object, the keys --show asks
 * for, the cost against the org's allocations; or the plan as JSON.
 */
#ifndef PLANVIEW_H
#define PLANVIEW_H

#include "base/cli.h"
#include "state/plan.h"

struct setup;

/* Returns the exit code: 0 when the plan was made. */
int planview_plan(struct bs_ctx *ctx, struct setup *s,
		  const struct plan_opts *o);

#endif
