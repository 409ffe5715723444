/*
 * deletes.h - which records a run deletes in Salesforce (docs/state.md,
 * "Deletes"; the mapping side is map/mapdelete.h).
 *
 * During a run's export the sync driver tells a struct deletes every key
 * it read (deletes_seen) and every row a mapping's `[delete] when` marked
 * (deletes_marked).  deletes_plan then decides, for each chosen mapping
 * whose `how` is delete or hardDelete, what goes:
 *
 *   - marked: a marker row of a record billsync synced (it has a
 *     Salesforce Id and is not deleted); a marker row of a record never
 *     synced is only counted (never_synced): there is nothing to delete;
 *   - missing (`missing = delete`): a synced record whose key no row had,
 *     only when the run read the whole dataset: not a backfill
 *     (--since/--until), no row below a watermark, no row rejected, no
 *     filtered row without a key (each told to deletes_filtered or
 *     deletes_marked, so their number is the manifest's `filtered`).
 *     Otherwise missing_why says why it was not checked;
 *   - the safety cap: more than max_deletes (or than --allow-deletes for
 *     the object) deletes nothing of the object (over_cap).  A percentage
 *     is of the records held as synced when deletes_new was called (before
 *     the export marks those it sends again pending).
 *
 * Nothing is written by deletes_plan: `plan` can show its result
 * (deletes_each lists the keys).  deletes_write writes the delete jobs'
 * bulk files (an export directory of its own: children first, each parent
 * after its children) and records each planned delete in the state.
 *
 * The keys are kept in a private temporary SQLite database (SQLite's own
 * temporary file, in $TMPDIR: its page cache is bounded, the rest spills to
 * disk), so memory stays flat whatever the number of keys.  Not
 * thread-safe.
 */
#ifndef DELETES_H
#define DELETES_H

#include <stddef.h>

#include "formats/bs_err.h"

/* Ids per delete job's file (19 MB). */
#define DELETES_FILE_ROWS 1000000ULL

struct manifest;
struct mapping;
struct mapset;
struct state;

/* --allow-deletes OBJECT=N: up to N deletes of OBJECT this run. */
struct delete_allow {
	const char *object;
	unsigned long long n;
};

struct delete_plan {
	const struct mapping *m;
	const char *object;
	const char *operation;            /* "delete" or "hardDelete" */
	int missing_wanted;               /* missing = delete */
	int missing_checked;
	char missing_why[200];            /* why not checked, or "" */
	unsigned long long marked;        /* synced records with a marker row */
	unsigned long long missing;       /* synced records no row has */
	unsigned long long never_synced;  /* marker rows of records never synced */
	unsigned long long already;       /* marker rows of deleted records */
	unsigned long long held;          /* records held as synced */
	unsigned long long cap;           /* max_deletes for this run */
	int cap_allowed;                  /* the cap is --allow-deletes' */
	int over_cap;                     /* marked + missing > cap: none go */
};

struct deletes;

/* maps: the run's mappings; chosen (n names, NULL for all) as for
 * mapping_chosen; st NULL: no state yet (a plan before the first run:
 * no record was synced, nothing is deleted).  NULL with err when the temporary database cannot be
 * made. */
struct deletes *deletes_new(struct state *st, const struct mapset *maps,
			    const char *const *chosen, size_t nchosen,
			    struct bs_err *err);
void deletes_free(struct deletes *d);

/* 1 when a chosen mapping deletes records: only then need the export's
 * keys be told. */
int deletes_wanted(const struct deletes *d, const struct mapping *m);

/* A row of m with this key was read (and loaded, filtered or unchanged):
 * a later marker row of the key is superseded by it. */
int deletes_seen(struct deletes *d, const struct mapping *m, const char *key,
		 size_t len, struct bs_err *err);
/* A row of m with this key was marked by `[delete] when`. */
int deletes_marked(struct deletes *d, const struct mapping *m,
		   const char *key, size_t len, const char *source,
		   unsigned long line, struct bs_err *err);
/* A filter other than [delete] left out a row of m with this key (the
 * rows of m left out without a key, which the manifest counts as
 * filtered too, make its missing records impossible to tell). */
int deletes_filtered(struct deletes *d, const struct mapping *m,
		     const char *key, size_t len, struct bs_err *err);

/* Plans the deletes (see above).  backfill: --since/--until; manifest:
 * the export's (rejected and below_watermark counts per object); allow:
 * the --allow-deletes overrides.  0, or -1 with err. */
int deletes_plan(struct deletes *d, int backfill,
		 const struct manifest *manifest,
		 const struct delete_allow *allow, size_t nallow,
		 struct bs_err *err);

/* The plans, one per chosen mapping that deletes (in mapset order). */
size_t deletes_plans(const struct deletes *d, const struct delete_plan **p);

/* The records a plan deletes, by key (those of a plan over its cap too,
 * which deletes_write leaves out); reason "marked" or "missing",
 * source/line of the marker row (NULL, 0 for missing).  fn's non-zero
 * return stops (a negative one is returned, with err set by fn). */
typedef int (*deletes_fn)(void *ctx, const struct delete_plan *p,
			  const char *key, const char *sf_id,
			  const char *reason, const char *source,
			  unsigned long line);
int deletes_each(struct deletes *d, const struct delete_plan *p,
		 deletes_fn fn, void *ctx, struct bs_err *err);

/* Writes dir/manifest.json and a bulk file (column Id) and origin file per
 * object with deletes, children before parents (load_order: the export's
 * manifest, parents first), and records each delete of run in the state
 * (committed).  *rows: the deletes written (0: nothing written, and no
 * directory made). */
int deletes_write(struct deletes *d, long long run, const char *dir,
		  const struct manifest *load_order, unsigned long long *rows,
		  struct bs_err *err);

#endif
