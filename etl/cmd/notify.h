/*
 * notify.h - the alert command of [notify] (docs/operations.md, "Alerts"):
 * after run, upload, retry and resync, a shell command gets the run's JSON
 * report on its standard input and the exit code and run id in its
 * environment.
 *
 *     [notify]
 *     command = curl -fsS -X POST -H 'Content-Type: application/json' \
 *               --data-binary @- https://hooks.example.com/...
 *     on      = failure          # or always, or change
 *     timeout = 30               # seconds; then it is killed
 *
 * on = failure notifies when the exit code is not 0; always after every
 * run; change after a failure, and after the first success that follows a
 * failure (the previous run's exit code decides).
 *
 * The command runs through /bin/sh -c in its own process group, with
 * standard output sent to billsync's standard error (so it never mixes
 * into a --json report), and with BILLSYNC_EXIT_CODE, BILLSYNC_RUN_ID,
 * BILLSYNC_COMMAND and BILLSYNC_STATUS added to the environment.  A
 * command that fails, cannot start or outlives the timeout (its whole
 * process group is killed) is an error returned to the caller, which logs
 * it: it never changes billsync's exit code.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;

enum notify_on { NOTIFY_FAILURE, NOTIFY_ALWAYS, NOTIFY_CHANGE };

struct notify_opts {
	const char *command;            /* borrowed from the config; NULL:
					   no [notify] command */
	enum notify_on on;
	unsigned long long timeout_ms;
};

/* Reads [notify]; BS_E_CONFIG naming the file and line of a bad value. */
int notify_opts_from_config(const struct config *cfg, struct notify_opts *o,
			    struct bs_err *err);

/* 1 when a run that ended with code, after one that ended with prev_code
 * (-1: there was none), is to be notified. */
int notify_wanted(const struct notify_opts *o, int code, int prev_code);

/* What the command is told about the run. */
struct notify_run {
	const char *command;   /* "run", "upload", ... */
	long long run;         /* the run id, 0 when none was started */
	int code;              /* billsync's exit code */
	const char *status;    /* its word: "ok", "records_failed", ... */
};

/* Runs o->command with report (len bytes) on its standard input.  0 when
 * it exited 0; -1 with err saying what went wrong (its exit status, the
 * signal that ended it, the timeout, or why it could not start). */
int notify_send(const struct notify_opts *o, const struct notify_run *r,
		const char *report, size_t len, struct bs_err *err);

#endif
