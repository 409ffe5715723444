/*
 * commands.h - the command table's entries, one function per command file
 * (etl/cmd/cmd_NAME.c).  Each takes the argument vector starting at the command
 * name and returns an exit code (cli.h).
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "base/cli.h"

typedef int (*cmd_fn)(int argc, char **argv, struct bs_ctx *ctx);

struct bs_command {
	const char *name;
	cmd_fn fn;
	const char *summary;  /* one line for `billsync --help` */
	const char *usage;    /* the command's --help text */
};

/* The table, in the order `billsync --help` lists it; NULL-terminated. */
extern const struct bs_command bs_commands[];

int cmd_check(int argc, char **argv, struct bs_ctx *ctx);
int cmd_schema(int argc, char **argv, struct bs_ctx *ctx);
int cmd_preview(int argc, char **argv, struct bs_ctx *ctx);
int cmd_export(int argc, char **argv, struct bs_ctx *ctx);
int cmd_run(int argc, char **argv, struct bs_ctx *ctx);
int cmd_plan(int argc, char **argv, struct bs_ctx *ctx);
int cmd_upload(int argc, char **argv, struct bs_ctx *ctx);
int cmd_status(int argc, char **argv, struct bs_ctx *ctx);
int cmd_records(int argc, char **argv, struct bs_ctx *ctx);
int cmd_retry(int argc, char **argv, struct bs_ctx *ctx);
int cmd_resync(int argc, char **argv, struct bs_ctx *ctx);

/* Usage texts, shared by the table and the command files. */
extern const char usage_run[], usage_export[], usage_upload[], usage_check[],
	usage_preview[], usage_status[], usage_records[], usage_retry[],
	usage_resync[], usage_plan[], usage_schema[];

#endif
