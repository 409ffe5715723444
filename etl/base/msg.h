/*
 * msg.h - every line billsync writes for people on the log (stderr), and
 * the policy of --quiet and --verbose, in one place (curl's tool_msgs.c):
 *
 *     msg_note     "billsync: TEXT"            not with --quiet
 *     msg_line     "TEXT" (a load's log lines) not with --quiet
 *     msg_verbose  "TEXT"                      only with --verbose
 *     msg_warn     "billsync: warning: TEXT"   always: it explains an exit code
 *     msg_error    "billsync: TEXT"            always (main, once per error)
 *     msg_hint     "TEXT"                      always (main: "Try ... --help")
 *     msg_progress a line redrawn in place     only on a terminal, not --quiet
 *
 * A progress line on the terminal is cleared before any other line is
 * written, so lines and the display never mix.  Library-like code never
 * prints: it is handed a struct msg (bs_ctx->msg) and writes through it.
 * A NULL struct msg writes nothing (unit tests, tools).  Not thread-safe.
 */
#ifndef MSG_H
#define MSG_H

#include <stdio.h>

#include "formats/bs_err.h"

enum msg_level {
	MSG_QUIET = -1,     /* --quiet: warnings and errors only */
	MSG_NORMAL = 0,
	MSG_VERBOSE = 1     /* --verbose: every job's and file's lines too */
};

/* --log-format: plain lines, or one JSON object per line
 * ({"time": ISO 8601 UTC, "level": "info" | "debug" | "warning" | "error",
 * "message": the text without the "billsync: " prefix}); with JSON the
 * progress line is never drawn. */
enum msg_format { MSG_PLAIN, MSG_JSON };

struct msg;

/* Writes to log (borrowed; stderr for the program).  tty: log is a
 * terminal, so progress is drawn in place.  NULL when out of memory. */
struct msg *msg_new(FILE *log, enum msg_level level, int tty);
void msg_free(struct msg *m);
void msg_set_level(struct msg *m, enum msg_level level);
void msg_set_format(struct msg *m, enum msg_format format);

void msg_note(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
void msg_line(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
void msg_verbose(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
void msg_warn(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
void msg_error(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
void msg_hint(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);

/* 1 when progress is drawn (a terminal, not --quiet): a caller with a
 * display shows less per-file detail (msg_line) unless msg_is_verbose. */
int msg_has_display(const struct msg *m);
int msg_is_verbose(const struct msg *m);
int msg_is_quiet(const struct msg *m);

/* Draws TEXT as the progress line (replacing the one drawn before);
 * nothing unless msg_has_display. */
void msg_progress(struct msg *m, const char *fmt, ...) BS_PRINTF(2, 3);
/* Leaves the progress line on the screen and moves below it. */
void msg_progress_done(struct msg *m);

#endif
