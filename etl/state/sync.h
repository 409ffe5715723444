/*
 * sync.h - runs against the sync state (docs/state.md): the daily
 * incremental run, backfills, retry and resync, and `upload` of an export
 * directory.
 *
 * A run takes the state directory's lock, first finishes what an earlier
 * run left (files not loaded: their jobs are polled, not created again),
 * then exports what is new or changed since it was last synced (a hash of
 * each mapped record against the hash of its last successful sync), loads
 * it, and records every record's outcome.  The exit code is the command's.
 *
 * Only mappings with a key can be synced: an insert mapping among the
 * chosen objects is a configuration error (exit 3) before anything is read.
 * A mapping with a watermark is pre-filtered on an incremental run (rows
 * older than the stored watermark less its lookback are not read further);
 * the watermark advances when the object's load succeeded (docs/state.md).
 * retry/resync with ids: each id that sent nothing gets a warning on
 * ctx->log saying what the key is, and the exit code is at least 1.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>

#include "base/cli.h"

struct config;
struct setup;

enum sync_mode {
	SYNC_INCREMENTAL,  /* new or changed records, and failed ones */
	SYNC_FULL,         /* every record (--full, --since/--until) */
	SYNC_RETRY,        /* records that failed */
	SYNC_RESYNC        /* records that synced */
};

struct sync_opts {
	enum sync_mode mode;
	const char *since, *until;         /* backfill range, or NULL */
	const char *const *objects;        /* objects or datasets; NULL: all */
	size_t nobjects;
	const char *const *ids;            /* retry/resync: these keys only
					      (borrowed, like objects) */
	size_t nids;
};

/* `billsync run`, `retry`, `resync`: s has its configuration and
 * mappings loaded. */
int sync_run(struct bs_ctx *ctx, struct setup *s, const struct sync_opts *o);

/* `billsync upload DIR`: loads an export directory, resuming an earlier
 * upload of the same directory unless restart is set. */
int sync_upload(struct bs_ctx *ctx, const struct config *cfg,
		const char *dir, const char *failures, int restart);

#endif
