/*
 * plan_int.h - what the parts of a plan share: plan.c (the export read
 * through the change store, the cost, the org) and plan_lists.c (the
 * deletes and rejected rows, and the keys --show lists).  Not for use
 * outside etl/state/plan*.c.
 */
#ifndef PLAN_INT_H
#define PLAN_INT_H

#include "plan.h"
#include "sync_int.h"

struct manifest;
struct mapping;
struct pollpace;
struct loader_opts;

/* The plan's view of a run, for the export's hooks. */
struct planner {
	struct change c;
	struct plan_result *res;
	const struct plan_opts *o;
	const struct loader_opts *lo;
	struct pollpace *pace;
};

/* The chosen object's entry, or NULL. */
struct plan_object *plan_object_of(struct plan_result *res,
				   const char *object);

/* Lists k (its strings copied; key of key_len bytes) when fewer than
 * o->show of its kind are listed. */
int plan_list(struct planner *p, struct plan_object *po,
	      const struct plan_key *k, size_t key_len, struct bs_err *err);

/* The cost of a job of rows records of po (files, API calls, polls,
 * batches), and its rows kept for the days of allocations. */
int plan_job(struct planner *p, struct plan_object *po,
	     unsigned long long rows, struct bs_err *err);

/* ---- plan_diff.c ------------------------------------------------------- */

/* k->values, and k->changes (the caller's: plan_changes_free) of a
 * changed record of m whose row is now row (its encoded CSV record). */
int plan_diff(struct planner *p, const struct mapping *m, const char *key,
	      size_t key_len, const char *row, size_t row_len,
	      struct plan_key *k, struct bs_err *err);
void plan_changes_free(struct plan_change *c, size_t n);

/* ---- plan_lists.c ------------------------------------------------------ */

/* Plans the deletes of the chosen objects as the run would (p->c.del,
 * after the export: manifest), with their keys and cost. */
int plan_deletes(struct planner *p, const struct manifest *manifest,
		 struct bs_err *err);

/* Lists up to o->show rejected rows of each object from the rejects.csv
 * the plan's export wrote into dir. */
int plan_rejects(struct planner *p, const struct manifest *manifest,
		 const char *dir, struct bs_err *err);

#endif
