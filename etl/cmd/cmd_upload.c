/* cmd_upload.c - `billsync upload DIR`: load the bulk files of an export
 * into Salesforce (sync.h does the work). */
#include <stdlib.h>

#include "base/cli.h"
#include "commands.h"
#include "base/config.h"
#include "runview.h"
#include "setup.h"
#include "state/sync.h"

const char usage_upload[] =
	"usage: billsync upload DIR [options]\n"
	"Load the bulk files an earlier 'billsync export' wrote into Salesforce.\n"
	"\n"
	"Files load in the manifest's order, parents before children, up to\n"
	"[load] max_jobs jobs at a time.  Each record's outcome is matched by its key\n"
	"to its source file and line (an insert has no key: its outcomes come without\n"
	"one); records Salesforce rejected or did not process go to a CSV file.\n"
	"What was done is kept in the sync state ([state] dir), so an upload stopped\n"
	"by the org's daily limits (exit 8), a deadline, a signal or a crash\n"
	"continues where it stopped when run again.\n"
	"\n"
	"Options:\n"
	"      --failures FILE      where rejected records go (default DIR/failures.csv)\n"
	"      --restart            do not continue an earlier upload of DIR: load every\n"
	"                           file again\n"
	CLI_TRACE_HELP
	"\n"
	"Exit codes: 0 all records loaded, 1 records failed or were not processed,\n"
	"5 Salesforce or the network failed the run, 8 stopped at an allocation\n"
	"checkpoint or interrupted (run again to continue).\n";

enum { OPT_FAILURES = CLI_OPT_FIRST_COMMAND_OPTION, OPT_RESTART };

int cmd_upload(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS, CLI_TRACE_LONGOPT,
		{ "failures", required_argument, NULL, OPT_FAILURES },
		{ "restart", no_argument, NULL, OPT_RESTART },
		{ NULL, 0, NULL, 0 }
	};
	const char *failures = NULL;
	struct config *cfg;
	struct sync_env env;
	struct sync_result res;
	struct bs_err err;
	int opt, done = 0, restart = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", longopts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_upload, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (opt == OPT_FAILURES) {
			failures = optarg;
		} else if (opt == OPT_RESTART) {
			restart = 1;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind != argc - 1)
		return cli_usage(ctx, optind >= argc ?
				 "which export directory? billsync upload DIR" :
				 "expected one directory");
	cfg = config_load_all(ctx->config_path, &ctx->errs, &ctx->err);
	if (!cfg)
		return ctx->err.kind ? cli_exit_for(ctx->err.kind)
				     : BS_EXIT_CONFIG;
	rc = setup_overrides(ctx, cfg);
	if (rc) {
		runview_not_started(ctx, cfg, rc);
		config_free(cfg);
		return rc;
	}
	bs_err_clear(&err);
	runview_env(ctx, &env);
	rc = sync_upload(cfg, argv[optind], failures, restart, &env, &res,
			 &err);
	rc = runview_finish_upload(ctx, cfg, &res, rc, &err);
	sync_result_release(&res);
	config_free(cfg);
	return rc;
}
