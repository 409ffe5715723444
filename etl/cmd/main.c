/* main.c - billsync's entry point: the command table, dispatch, and the one
 * place where errors are printed. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/msg.h"
#include "commands.h"
#include "formats/strsim.h"

const struct bs_command bs_commands[] = {
	{ "run", cmd_run, "extract, map and load into Salesforce (the daily job)", usage_run },
	{ "plan", cmd_plan,
	  "what the next run would send and cost, sending nothing", usage_plan },
	{ "export", cmd_export,
	  "write gzipped CSV bulk files and a manifest, no network", usage_export },
	{ "upload", cmd_upload, "load files written by 'export' into Salesforce", usage_upload },
	{ "check", cmd_check, "check mapping files (and optionally against the org)", usage_check },
	{ "schema", cmd_schema,
	  "write a Salesforce DX project with the mapped objects", usage_schema },
	{ "preview", cmd_preview,
	  "show mapped rows for an object, sending nothing", usage_preview },
	{ "status", cmd_status, "recent runs, jobs and their states", usage_status },
	{ "records", cmd_records, "per-record outcomes; filter and export as CSV", usage_records },
	{ "retry", cmd_retry, "re-send failed records", usage_retry },
	{ "resync", cmd_resync, "re-send records that already synced", usage_resync },
	{ NULL, NULL, NULL, NULL }
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void print_help(FILE *f)
{
	const struct bs_command *c;

	fputs("usage: billsync <command> [options]\n"
	      "       billsync <command> --help\n"
	      "       billsync --version\n\n"
	      "billsync moves a billing system's export into Salesforce custom objects\n"
	      "through the Bulk API 2.0.\n\n"
	      "Commands:\n", f);
	for (c = bs_commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fputs("\nExit codes: 0 ok, 1 records rejected or failed, 2 usage,\n"
	      "3 configuration/mapping, 4 input, 5 Salesforce/network, 6 internal,\n"
	      "7 state locked by another run, 8 paused at a Salesforce allocation\n"
	      "checkpoint (run again to continue).\n", f);
}

static const struct bs_command *find_command(const char *name)
{
	const struct bs_command *c;

	for (c = bs_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int unknown_command(struct bs_ctx *ctx, const char *name)
{
	const char *names[32];
	const char *hint;
	size_t n = 0;
	const struct bs_command *c;

	for (c = bs_commands; c->name && n < 32; c++)
		names[n++] = c->name;
	hint = strsim_closest(name, names, n);
	if (hint)
		return cli_usage(ctx, "unknown command '%s'; did you mean '%s'?",
				 name, hint);
	return cli_usage(ctx, "unknown command '%s'", name);
}

/* A little over 80 lines: signals, the common options before the command,
 * the run and the one place errors are printed, in the order they happen. */
int main(int argc, char **argv)
{
	struct bs_ctx ctx;
	const struct bs_command *c;
	struct sigaction sa;
	struct timeval tv;
	char msg[BS_ERR_FILE_MAX + BS_ERR_FIELD_MAX + BS_ERR_MSG_MAX + 64];
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = "billsync";
	ctx.out = stdout;
	ctx.log = stderr;
	ctx.tty = isatty(STDERR_FILENO);
	ctx.stop = &stop_flag;
	gettimeofday(&tv, NULL);
	ctx.started = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
	bs_errlist_init(&ctx.errs);
	opterr = 0;   /* commands report bad options through ctx */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		print_help(stderr);
		return BS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && !strcmp(argv[1], "help") &&
		    (c = find_command(argv[2]))) {
			fputs(c->usage, stdout);
			fputs(CLI_COMMON_HELP, stdout);
			return BS_EXIT_OK;
		}
		print_help(stdout);
		return BS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("billsync %s\n", BILLSYNC_VERSION);
		return BS_EXIT_OK;
	}
	ctx.msg = msg_new(stderr, MSG_NORMAL, ctx.tty);
	if (!ctx.msg) {
		fputs("billsync: out of memory\n", stderr);
		return BS_EXIT_INTERNAL;
	}
	c = find_command(argv[1]);
	if (cli_log_format(&ctx, argc, argv) < 0) {
		rc = BS_EXIT_USAGE;
	} else if (!c) {
		rc = argv[1][0] == '-' ?
			cli_usage(&ctx, "options go after the command: "
				  "billsync <command> %s", argv[1]) :
			unknown_command(&ctx, argv[1]);
	} else {
		ctx.command = c->name;
		rc = c->fn(argc - 1, argv + 1, &ctx);
	}
	rc = cli_output_done(&ctx, rc);
	for (size_t i = 0; i < ctx.errs.n; i++) {
		bs_err_format(&ctx.errs.v[i], msg, sizeof(msg));
		msg_error(ctx.msg, "%s", msg);
	}
	if (ctx.errs.nomem)
		msg_error(ctx.msg, "out of memory: %zu more errors not shown",
			  ctx.errs.dropped);
	else if (ctx.errs.dropped)
		msg_error(ctx.msg, "... and %zu more errors", ctx.errs.dropped);
	bs_errlist_release(&ctx.errs);
	if (ctx.err.kind != BS_E_NONE) {
		bs_err_format(&ctx.err, msg, sizeof(msg));
		msg_error(ctx.msg, "%s", msg);
		if (ctx.err.kind == BS_E_USAGE)
			msg_hint(ctx.msg, "Try 'billsync %s%s--help'.",
				 c ? c->name : "", c ? " " : "");
	}
	msg_free(ctx.msg);
	return rc;
}
