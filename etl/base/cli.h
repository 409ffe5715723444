/*
 * cli.h - what every command shares: the run context, exit codes, the
 * common options and the help/usage conventions.
 *
 * A command is `int cmd_NAME(int argc, char **argv, struct bs_ctx *ctx)`
 * (one file each, etl/cmd/cmd_NAME.c, listed in the table in
 * etl/cmd/main.c).  It returns an exit code; when it fails it also fills
 * ctx->err, which main prints once as "billsync: FILE:LINE: message".  Commands print their
 * reports to ctx->out; notes, warnings and progress go through ctx->msg
 * (base/msg.h); only main prints errors.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "formats/bs_err.h"

struct msg;

#define BILLSYNC_VERSION "0.1.0"

/* The documented exit codes (README "Exit codes"). */
enum bs_exit {
	BS_EXIT_OK = 0,          /* everything done, nothing rejected or failed */
	BS_EXIT_RECORDS = 1,     /* done, but records were rejected or failed */
	BS_EXIT_USAGE = 2,       /* bad command line */
	BS_EXIT_CONFIG = 3,      /* configuration or mapping error: nothing sent */
	BS_EXIT_INPUT = 4,       /* source data or local files unreadable */
	BS_EXIT_SALESFORCE = 5,  /* Salesforce or the network failed the run */
	BS_EXIT_INTERNAL = 6,    /* a bug, or out of memory */
	BS_EXIT_LOCKED = 7,      /* another run holds the state directory */
	BS_EXIT_PAUSED = 8,      /* stopped at an allocation checkpoint: run
				    again later to continue */
	BS_EXIT_DELETES = 9      /* done, but an object's deletes were held
				    back by its max_deletes safety cap */
};

struct bs_ctx {
	const char *prog;        /* "billsync" */
	const char *command;     /* the command being run */
	const char *config_path; /* --config, or NULL for the default */
	const char *trace_path;  /* --trace FILE, or NULL */
	double started;          /* when the command started (Unix time) */
	int json;                /* --json: machine-readable output */
	int verbose;             /* --verbose */
	int quiet;               /* --quiet */
	int tty;                 /* stderr is a terminal: progress display */
	FILE *out;               /* reports go here (stdout) */
	FILE *log;               /* progress and log lines (stderr) */
	struct msg *msg;         /* writes on log: every note, warning,
				    progress line and error (base/msg.h) */
	volatile sig_atomic_t *stop; /* set to 1 on SIGINT/SIGTERM */
	struct bs_err err;       /* why the command failed */
	struct bs_errlist errs;  /* more mistakes to report (check, mappings) */
};

/* The exit code for an error kind. */
int cli_exit_for(enum bs_errkind kind);

/* After the command wrote to ctx->out: flushes it and returns rc, or, when
 * standard output could not be written and rc was 0, BS_EXIT_INPUT with
 * ctx->err saying so (a 1 or more stays: it says more). */
int cli_output_done(struct bs_ctx *ctx, int rc);

/* Sets ctx->err from err and returns its exit code. */
int cli_fail(struct bs_ctx *ctx, const struct bs_err *err);

/* A usage error: fills ctx->err and returns BS_EXIT_USAGE; main adds the
 * "try 'billsync CMD --help'" line. */
int cli_usage(struct bs_ctx *ctx, const char *fmt, ...) BS_PRINTF(2, 3);

/* Common options every command accepts; put CLI_COMMON_LONGOPTS in the
 * command's option table and pass each option to cli_common_option. */
enum {
	CLI_OPT_HELP = 'h',
	CLI_OPT_CONFIG = 'c',
	CLI_OPT_JSON = 0x100,
	CLI_OPT_VERBOSE,
	CLI_OPT_QUIET,
	CLI_OPT_TRACE,
	CLI_OPT_LOG_FORMAT,
	CLI_OPT_FIRST_COMMAND_OPTION = 0x200
};

#define CLI_COMMON_LONGOPTS                                             \
	{ "help", no_argument, NULL, CLI_OPT_HELP },                    \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG },          \
	{ "json", no_argument, NULL, CLI_OPT_JSON },                    \
	{ "verbose", no_argument, NULL, CLI_OPT_VERBOSE },              \
	{ "quiet", no_argument, NULL, CLI_OPT_QUIET },                  \
	{ "log-format", required_argument, NULL, CLI_OPT_LOG_FORMAT }

/* --trace FILE, for the commands that talk to Salesforce (handled by
 * cli_common_option; setup.h passes it on as [salesforce] trace). */
#define CLI_TRACE_LONGOPT                                               \
	{ "trace", required_argument, NULL, CLI_OPT_TRACE }
#define CLI_TRACE_HELP                                                  \
	"      --trace FILE         append every HTTP request and response to\n" \
	"                           FILE, credentials redacted\n"

#define CLI_COMMON_HELP                                                 \
	"  -c, --config FILE        configuration file (default: ./billsync.conf)\n" \
	"      --json               machine-readable output\n"                \
	"      --verbose            more log lines; --quiet: fewer\n"         \
	"      --log-format FORMAT  plain (default) or json: one JSON object\n" \
	"                           per log line\n"                             \
	"  -h, --help               this help\n"

/* Applies --log-format FORMAT ("plain" or "json"), found anywhere in argv
 * before a "--", to ctx->msg; main calls it before the command runs, so
 * that every line is in that format.  -1 with a usage error in ctx for
 * another value. */
int cli_log_format(struct bs_ctx *ctx, int argc, char **argv);

/* Handles a common option: returns 1 if it was one (and, for --help, writes
 * help and the common options' help to ctx->out and sets *done: exit code
 * 0), 0 if not. */
int cli_common_option(struct bs_ctx *ctx, int opt, const char *arg,
		      const char *help, int *done);

/* The usage error for the option getopt_long just refused: opt is what it
 * returned ('?' unknown, ':' missing value; option strings start with ':'
 * and opterr is 0). */
int cli_bad_option(struct bs_ctx *ctx, char **argv, int opt);

/* Splits "a,b,c" in place into at most max non-empty names (spaces after
 * commas skipped); returns how many. */
size_t cli_split_list(char *s, const char **out, size_t max);

/* Parses a non-negative integer option value with an optional k/M/G suffix
 * (powers of 1000 for "size" style values are not used: k = 1000). */
int cli_parse_count(const char *s, unsigned long long *out);

#endif
