/*
 * plan.h - `billsync plan` (and `run --dry-run`): what the next run would
 * do, before it does it.
 *
 * A plan reads the export through the same mappings, filters, watermarks
 * and change store as a run (sync_change.c decides for both), with the same
 * options, and writes nothing: no job, no state change, no watermark
 * moved.  Its bulk files go to a temporary folder that is removed before
 * it returns.  The state is read without its lock, in one read transaction
 * (a consistent snapshot, also while a run writes).
 *
 * Per object it counts the records the run would send (new, changed, to
 * retry, sent again though unchanged) and those it would not (unchanged,
 * filtered, marked deleted, rejected, duplicates, below the watermark),
 * which add up to what was read, and the records the run would delete
 * (deletes.h); keeps up to `show` keys of each kind with their source
 * line (a changed record with its field diff against the values the state
 * kept from its last sync, state.h); and estimates the cost: bulk files
 * and jobs, API calls (create, upload, close, results, and the polls
 * pollplan.h would make if
 * Salesforce processed PLAN_ASSUMED_RATE records a second), Bulk batches,
 * against the org's daily allocations from /limits with [load]
 * limit_margin, the days of allocations the sends need (packing jobs as
 * the loader budgets them, loadrun.c), and the data storage the new
 * records take (PLAN_RECORD_KB each) against what the org has left.
 * Offline: no org call, no allocations or storage.
 */
#ifndef PLAN_H
#define PLAN_H

#include <jansson.h>

#include "deletes.h"
#include "sf/sf_bulk.h"
#include "sync.h"

#define PLAN_RECORD_KB 2          /* Salesforce counts most records as 2 KB */
#define PLAN_ASSUMED_RATE 5000    /* records/s a job is assumed to take */

/* What a row read becomes (counted in plan_object.n), then what else
 * --show lists. */
enum plan_kind {
	PLAN_NEW,        /* no record of it in the state */
	PLAN_CHANGED,    /* synced before, with other values */
	PLAN_RETRY,      /* failed last time (or left pending) */
	PLAN_RESEND,     /* unchanged, sent anyway (--full, resync) */
	PLAN_FILTERED,   /* not sent: a filter left it out */
	PLAN_MARKED,     /* not sent: marked deleted ([delete] when) */
	PLAN_KINDS,
	/* listed, counted elsewhere */
	PLAN_REJECTED = PLAN_KINDS, /* a row rejected (rejected_by) */
	PLAN_DELETE,     /* a record deleted for its marker row */
	PLAN_VANISHED,   /* a record deleted: no row has its key */
	PLAN_LISTS
};
const char *plan_kind_name(enum plan_kind k);

/* What a changed record's field diff is against. */
enum plan_values {
	PLAN_VALUES_KEPT,     /* the values it was last synced with */
	PLAN_VALUES_HASHES,   /* none: its mapping keeps only hashes
				 (keep_values = no) */
	PLAN_VALUES_NONE_YET  /* none: synced before values were kept */
};

/* A field of a changed record that differs from what was last synced. */
struct plan_change {
	char *field;
	char *was;                    /* NULL: the field was not synced */
	char *now;
};

/* A key shown with --show. */
struct plan_key {
	enum plan_kind kind;
	char *key;                    /* PLAN_REJECTED: "" */
	char *source;                 /* the row's file; "" for PLAN_VANISHED */
	unsigned long line;
	char *why;                    /* PLAN_FILTERED: the filter;
					 PLAN_REJECTED: the reason; or NULL */
	char *field;                  /* PLAN_REJECTED: the field, or NULL */
	char *sf_id;                  /* PLAN_DELETE, PLAN_VANISHED: the
					 Salesforce Id the state has */
	enum plan_values values;      /* PLAN_CHANGED: its diff is against */
	struct plan_change *changes;  /* ... the fields that differ */
	size_t nchanges;
};

/* Rows counted by a reason (a filter's name, a rejection's reason). */
struct plan_reason {
	char *name;
	unsigned long long n;
};

struct plan_object {
	const char *object;           /* borrowed from the mapset */
	int keeps_values;             /* its mapping keeps the values last
					 synced (mapping_keep_values) */
	unsigned long long read;
	unsigned long long n[PLAN_KINDS];     /* PLAN_FILTERED: filtered */
	unsigned long long unchanged, rejected, duplicates, below_watermark,
			   rolled_up;
	struct plan_reason *rejected_by;
	size_t nrejected_by;
	/* the cost of sending */
	unsigned long long files, records, raw_bytes, gz_bytes;
	unsigned long long api_calls, polls, batches;
	struct plan_key *shown;       /* up to show of each kind */
	size_t nshown;
	unsigned long long listed[PLAN_LISTS];  /* shown of each kind */
	/* deletes (a [delete] section that deletes: has_deletes) */
	int has_deletes;
	struct delete_plan del;       /* as the run would plan them (its m
					 borrowed from the mapset) */
	unsigned long long to_delete; /* records the run deletes: del.marked
					 + del.missing, 0 over the cap */
	unsigned long long held_back; /* ... and those the cap holds back */
};

struct plan_opts {
	struct sync_opts sync;
	unsigned long long show;      /* keys of each kind to list */
	int offline;                  /* no org calls */
};

struct plan_result {
	char mode[16];                /* as the run's: incremental, full... */
	int offline;
	int has_state;                /* 0: no run yet, every record is new */
	long long continues;          /* the run the next run continues
					 first (its files are not planned), 0 */
	struct plan_object *objects;  /* chosen mappings, in load order */
	size_t nobjects;
	unsigned long long run_calls; /* calls per run, not per job (/limits) */
	/* the org (not offline, and /limits answered) */
	int have_limits;
	struct sf_limits lim;
	unsigned margin_pct;
	int have_storage;
	unsigned long long storage_max_mb, storage_remaining_mb;
	/* what the sends need */
	unsigned long long reserve_calls; /* as the loader reserves them */
	unsigned days;                /* days of allocations; 0: unknown */
	const char *days_by;          /* the allocation that sets them */
	int one_job_too_big;          /* a job needs more than a whole day */
	unsigned long long *job_rows; /* each job's records, in load order */
	size_t njobs;
};

void plan_result_release(struct plan_result *res);

/* Makes the plan (res initialised here; release it).  0, or -1 with
 * *outcome as a run's: SYNC_REFUSED (every insert mapping in env->errs) or
 * SYNC_STOPPED (err: an unknown object, configuration, input, /limits
 * could not be read, ...). */
int sync_plan(const struct config *cfg, const struct mapset *maps,
	      const struct plan_opts *o, const struct sync_env *env,
	      struct plan_result *res, enum sync_outcome *outcome,
	      struct bs_err *err);

/* Sums of every object's counts ("total"; its del.marked and del.missing
 * those of the objects within their cap). */
void plan_totals(const struct plan_result *res, struct plan_object *t);
/* The storage the new records take, in KB. */
unsigned long long plan_storage_kb(const struct plan_result *res);

/* The plan for machines (`plan --json`); NULL when out of memory. */
json_t *plan_result_json(const struct plan_result *res);

#endif
