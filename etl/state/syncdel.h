/*
 * syncdel.h - the deletes of a `billsync run` (deletes.h), as the sync
 * driver (sync.c) runs them: planned once the export has read the
 * source, said on the log, written into the run's directory for the load.
 */
#ifndef SYNCDEL_H
#define SYNCDEL_H

#include "formats/bs_err.h"

struct bulkdir;
struct config;
struct delete_plan;
struct deletes;
struct manifest;
struct load_report;
struct mapset;
struct msg;
struct state;
struct sync_env;
struct sync_opts;

/* The name of a run's delete jobs' directory, in its work directory. */
#define SYNCDEL_DIR "deletes"

/* How a plan's cap came about, for people: "3: max_deletes = 10% of the
 * 25 records synced, the default", "12, as --allow-deletes O=12 says". */
void syncdel_cap_text(const struct delete_plan *p, char *buf, size_t size);

/* Each --allow-deletes of o names an object a chosen mapping deletes
 * records of: 0, or -1 with a usage error in err (before anything is
 * read). */
int syncdel_check_allow(const struct mapset *maps, const struct sync_opts *o,
			struct bs_err *err);

/* For `run` (not retry or resync) when a chosen mapping deletes: a struct
 * deletes to tell the export's keys; NULL with err clear when there is
 * none to make, NULL with err set on failure.  The caller owns it and
 * frees it with deletes_free (deletes.h); st and maps are borrowed by it
 * and must outlive it. */
struct deletes *syncdel_new(struct state *st, const struct mapset *maps,
			    const struct sync_opts *o, struct bs_err *err);

/* Plans the deletes after the export (manifest), says per object what goes
 * and what was not checked (msg), warns of each object held back by its
 * cap (*held set), and writes the delete jobs' files into dir (*rows: how
 * many deletes they hold).  0, or -1 with err. */
int syncdel_prepare(struct msg *msg, struct deletes *d,
		    const struct sync_opts *o, long long run,
		    const struct manifest *manifest, const char *dir,
		    unsigned long long *rows, int *held, struct bs_err *err);

/* The delete jobs of the run whose directory is dir (DIR/deletes), as an
 * export directory: 0 and *out NULL when it has none. */
int syncdel_dir(const char *dir, struct bulkdir **out, struct bs_err *err);

/* Loads them, after the upserts: their outcomes go to the records by
 * Salesforce Id, their failures are added to the failures CSV.  Returns
 * what session_load does; *report is its report (the caller's to
 * load_report_free; NULL when it could not be made), *failed its count
 * of records not deleted. */
int syncdel_load(const struct config *cfg, const struct sync_env *env,
		 struct state *st, long long run, const struct bulkdir *bd,
		 const char *failures, struct load_report **report,
		 unsigned long long *failed, struct bs_err *err);

#endif
