/* cmd_retry.c - `billsync retry` and `billsync resync`: send again the
 * records that failed, or that synced (sync.h does the work). */
#include <string.h>

#include "commands.h"
#include "setup.h"
#include "sync.h"

#define RETRY_MAX_IDS 10000

enum { OPT_OBJECT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_ID };

const char usage_retry[] =
	"usage: billsync retry [--object O] [--id ID...] [options]\n"
	"Send again the records that failed (their current source rows), and\n"
	"record the new outcome. Without --id, every failed record.\n\n"
	"      --object O      only this object (or dataset); repeatable\n"
	"      --id ID         only this key (external ID); repeatable\n"
	SETUP_HELP;

const char usage_resync[] =
	"usage: billsync resync [--object O] [--id ID...] [options]\n"
	"Send again records that already synced (status becomes resynced), e.g.\n"
	"after someone changed them in Salesforce. Without --id, every synced\n"
	"record of the chosen objects.\n\n"
	"      --object O      only this object (or dataset); repeatable\n"
	"      --id ID         only this key (external ID); repeatable\n"
	SETUP_HELP;

static int retry_or_resync(int argc, char **argv, struct bs_ctx *ctx,
			   enum sync_mode mode, const char *usage)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS,
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "id", required_argument, NULL, OPT_ID },
		{ NULL, 0, NULL, 0 }
	};
	static const char *objects[256], *ids[RETRY_MAX_IDS];
	struct sync_opts o = { mode, NULL, NULL, objects, 0, ids, 0 };
	struct setup s = { 0 };
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_OBJECT && o.nobjects < 256) {
			objects[o.nobjects++] = optarg;
		} else if (opt == OPT_ID && o.nids < RETRY_MAX_IDS) {
			ids[o.nids++] = optarg;
		} else if (opt == OPT_OBJECT || opt == OPT_ID) {
			return cli_usage(ctx, "too many %s options",
					 argv[optind - 2]);
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (!o.nobjects)
		o.objects = NULL;
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, NULL, 0);
	if (!rc)
		rc = sync_run(ctx, &s, &o);
	setup_release(&s);
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
