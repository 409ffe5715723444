/* cmd_retry.c - `billsync retry` and `billsync resync`: send again the
 * records that failed, or that synced (sync.h does the work). */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "setup.h"
#include "runview.h"
#include "state/sync.h"

enum { OPT_OBJECT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_ID };

const char usage_retry[] =
	"usage: billsync retry [--object O]... [--id ID]... [options]\n"
	"Send again the records that failed (their current source rows), and\n"
	"record the new outcome. Without --id, every failed record.\n\n"
	"      --object O           only this object (or dataset); repeatable\n"
	"      --id ID              only this key (external ID); one per --id,\n"
	"                           repeatable: --id A --id B\n"
	SETUP_HELP CLI_TRACE_HELP
	"\nExit codes: 0 all sent and synced, 1 records rejected or failed, or\n"
	"an --id that is not a failed record of the chosen objects (a warning\n"
	"names it and says what it is), 3 an insert mapping among the chosen\n"
	"objects, 5, 7 and 8 as for run.\n";

const char usage_resync[] =
	"usage: billsync resync [--object O]... [--id ID]... [options]\n"
	"Send again records that already synced (status becomes resynced), e.g.\n"
	"after someone changed them in Salesforce. Without --id, every synced\n"
	"record of the chosen objects.\n\n"
	"      --object O           only this object (or dataset); repeatable\n"
	"      --id ID              only this key (external ID); one per --id,\n"
	"                           repeatable: --id A --id B\n"
	SETUP_HELP CLI_TRACE_HELP
	"\nExit codes: 0 all sent and synced, 1 records rejected or failed, or\n"
	"an --id that is not a synced record of the chosen objects (a warning\n"
	"names it and says what it is), 3 an insert mapping among the chosen\n"
	"objects, 5, 7 and 8 as for run.\n";

static int retry_or_resync(int argc, char **argv, struct bs_ctx *ctx,
			   enum sync_mode mode, const char *usage)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS, CLI_TRACE_LONGOPT,
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "id", required_argument, NULL, OPT_ID },
		{ NULL, 0, NULL, 0 }
	};
	/* each --object or --id takes at least one argument of argv */
	const char **objects = calloc((size_t)argc, sizeof(*objects));
	const char **ids = calloc((size_t)argc, sizeof(*ids));
	struct sync_opts o = { mode, NULL, NULL, objects, 0, ids, 0, NULL, 0 };
	struct setup s = { 0 };
	int opt, done = 0, rc;

	if (!objects || !ids) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		rc = BS_EXIT_INTERNAL;
		goto out;
	}
	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage, &done)) {
			if (done) {
				rc = BS_EXIT_OK;
				goto out;
			}
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_OBJECT) {
			objects[o.nobjects++] = optarg;
		} else if (opt == OPT_ID) {
			ids[o.nids++] = optarg;
		} else {
			rc = cli_bad_option(ctx, argv, opt);
			goto out;
		}
	}
	if (optind < argc) {
		rc = o.nids ? cli_usage(ctx, "unexpected argument '%s' (one key "
					"per --id: --id %s --id %s)",
					argv[optind], ids[o.nids - 1],
					argv[optind]) :
		     cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!o.nobjects)
		o.objects = NULL;
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, NULL, 0);
	if (!rc)
		rc = runview_sync(ctx, &s, &o);
	else if (s.cfg)
		runview_not_started(ctx, s.cfg, rc);
out:
	setup_release(&s);
	free(objects);
	free(ids);
	return rc;
}

int cmd_retry(int argc, char **argv, struct bs_ctx *ctx)
{
	return retry_or_resync(argc, argv, ctx, SYNC_RETRY, usage_retry);
}

int cmd_resync(int argc, char **argv, struct bs_ctx *ctx)
{
	return retry_or_resync(argc, argv, ctx, SYNC_RESYNC, usage_resync);
}
