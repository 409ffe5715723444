/* cmd_run.c - `billsync run`: the daily job (sync.h does the work). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "map/compare.h"
#include "setup.h"
#include "runview.h"
#include "state/deletes.h"
#include "state/sync.h"

enum {
	OPT_FULL = CLI_OPT_FIRST_COMMAND_OPTION,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_OBJECTS,
	OPT_ALLOW_DELETES
};

#define MAX_ALLOW 64

const char usage_run[] =
	"usage: billsync run [options]\n"
	"Extract, map and load into Salesforce: the daily job.\n\n"
	"First finishes what an interrupted or paused run left (its jobs are\n"
	"polled, never created again), then sends the records that are new or\n"
	"changed since they last synced, and those that failed last time.\n"
	"One run at a time per state directory ([state] dir).\n\n"
	"      --full               send every record, changed or not\n"
	"      --since DATE         backfill: only records whose mapping `since`\n"
	"      --until DATE         column is in [since, until) (implies --full)\n"
	"      --objects LIST       objects or datasets, comma-separated\n"
	"      --allow-deletes OBJECT=N\n"
	"                           this once, let OBJECT delete up to N\n"
	"                           records whatever its max_deletes says\n"
	"                           (repeatable)\n"
	SETUP_HELP CLI_TRACE_HELP
	"\nA mapping's watermark (docs/state.md) skips reading its old rows on an\n"
	"incremental run; --full and --since/--until read them all. A mapping\n"
	"with operation = insert cannot be synced (no key to remember it by):\n"
	"leave it out with --objects, or load it once with export and upload.\n"
	"A mapping's [delete] section (docs/mappings.md) deletes the records\n"
	"its source marks deleted, or no longer has, after the upserts.\n"
	"\nExit codes: 0 all synced, 1 records rejected or failed, 3 a mapping\n"
	"or configuration mistake (nothing sent), 5 Salesforce failed the run,\n"
	"7 another run holds the state directory, 8 paused at a Salesforce\n"
	"allocation checkpoint (run again to continue), 9 an object would\n"
	"have deleted more than its max_deletes: nothing of it was deleted\n"
	"(the warning names the --allow-deletes that lets it once).\n";

static int date_arg(struct bs_ctx *ctx, const char *opt, const char *v)
{
	enum cmp_type t;

	if (compare_literal_type(v, strlen(v), &t) && t == CMP_TIME)
		return 0;
	return cli_usage(ctx, "%s takes a date or datetime (2024-01-01, "
			 "2024-01-01T00:00:00Z), not '%s'", opt, v);
}

/* --allow-deletes OBJECT=N */
static int allow_arg(struct bs_ctx *ctx, const char *v,
		     struct delete_allow *a, char *names, size_t size)
{
	const char *eq = strrchr(v, '=');
	char *end;
	size_t n;

	if (!eq || eq == v || !eq[1] || eq[1] < '0' || eq[1] > '9' ||
	    (size_t)(eq - v) >= size)
		return cli_usage(ctx, "--allow-deletes takes OBJECT=COUNT "
				 "(OrbPlan__c=12), not '%s'", v);
	errno = 0;
	a->n = strtoull(eq + 1, &end, 10);
	if (*end || errno)
		return cli_usage(ctx, "--allow-deletes takes OBJECT=COUNT "
				 "(OrbPlan__c=12), not '%s'", v);
	n = (size_t)(eq - v);
	memcpy(names, v, n);
	names[n] = '\0';
	a->object = names;
	return 0;
}

int cmd_run(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS, CLI_TRACE_LONGOPT,
		{ "full", no_argument, NULL, OPT_FULL },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "objects", required_argument, NULL, OPT_OBJECTS },
		{ "allow-deletes", required_argument, NULL, OPT_ALLOW_DELETES },
		{ NULL, 0, NULL, 0 }
	};
	struct sync_opts o = { SYNC_INCREMENTAL, NULL, NULL, NULL, 0, NULL, 0,
			       NULL, 0 };
	struct delete_allow allow[MAX_ALLOW];
	char allow_names[MAX_ALLOW][256];
	struct setup s = { 0 };
	const char *objects[256];
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_run, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_FULL) {
			o.mode = SYNC_FULL;
		} else if (opt == OPT_SINCE || opt == OPT_UNTIL) {
			if (date_arg(ctx, argv[optind - 2], optarg))
				return BS_EXIT_USAGE;
			*(opt == OPT_SINCE ? &o.since : &o.until) = optarg;
			o.mode = SYNC_FULL;
		} else if (opt == OPT_OBJECTS) {
			o.nobjects = cli_split_list(optarg, objects, 256);
			o.objects = objects;
		} else if (opt == OPT_ALLOW_DELETES) {
			if (o.nallow == MAX_ALLOW)
				return cli_usage(ctx, "--allow-deletes at most "
						 "%d times", MAX_ALLOW);
			if (allow_arg(ctx, optarg, &allow[o.nallow],
				      allow_names[o.nallow], 256))
				return BS_EXIT_USAGE;
			o.allow = allow;
			o.nallow++;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, NULL, 0);
	if (!rc)
		rc = runview_sync(ctx, &s, &o);
	else if (s.cfg)
		runview_not_started(ctx, s.cfg, rc);
	setup_release(&s);
	return rc;
}
