/*
 * metrics.h - the Prometheus textfile of [metrics] textfile = PATH
 * (node_exporter's textfile collector; docs/operations.md, "Metrics").
 *
 * After every run, upload, retry and resync the whole file is written
 * again, to PATH.tmp first and then renamed over PATH, so the collector
 * never reads half a file.  Every metric is a gauge about the last run,
 * labelled with the command; billsync_last_success_timestamp_seconds is
 * carried over from the file before when the run did not succeed, so an
 * alert can say "no success for a day".
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include "formats/bs_err.h"

/* One object's counts in the run. */
struct metrics_object {
	const char *object;
	unsigned long long sent, created, updated, failed, unprocessed;
	unsigned long long rejected;       /* source rows the export rejected */
};

/* What the file says about a run. */
struct metrics_run {
	const char *command;               /* "run", "upload", ... */
	long long run;                     /* run id, 0 when none started */
	int code;                          /* exit code */
	double start, end;                 /* Unix time, seconds */
	unsigned long long api_calls, jobs, rejected, failed;
	const struct metrics_object *objects;
	size_t nobjects;
	/* the org's daily allocations as last seen; max 0: not known */
	unsigned long long api_max, api_remaining;
	unsigned long long batches_max, batches_remaining;
};

/* Writes the textfile at path (atomically).  BS_E_IO naming the file when
 * it cannot be written; the caller logs it (it never changes the exit
 * code). */
int metrics_write(const char *path, const struct metrics_run *m,
		  struct bs_err *err);

#endif
