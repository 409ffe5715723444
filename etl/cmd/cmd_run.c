/* cmd_run.c - `billsync run`: the daily job (sync.h does the work), and
 * `billsync plan` (= `run --dry-run`): what it would do (plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "map/compare.h"
#include "setup.h"
#include "planview.h"
#include "runview.h"
#include "state/deletes.h"
#include "state/sync.h"

enum {
	OPT_FULL = CLI_OPT_FIRST_COMMAND_OPTION,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_OBJECTS,
	OPT_ALLOW_DELETES,
	OPT_DRY_RUN,
	OPT_SHOW,
	OPT_OFFLINE
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
	"(the warning names the --allow-deletes that lets it once).\n"
	"\n      --dry-run            make the plan of the run instead (billsync\n"
	"                           plan: see billsync plan --help)\n";

const char usage_plan[] =
	"usage: billsync plan [options]   (also: billsync run --dry-run)\n"
	"What the next run would do, before it does it: the export read through\n"
	"the same mappings, filters and sync state as run, with run's options,\n"
	"and nothing written (no job, no state change, no watermark moved; the\n"
	"bulk files go to a temporary folder, removed). Works while a run holds\n"
	"the state directory.\n\n"
	"Per object: records new, changed, to retry, sent again though unchanged\n"
	"(resend: --full), unchanged, filtered, marked deleted, rejected,\n"
	"duplicates, adding up to what was read; the records a [delete] section\n"
	"would delete (marked deleted; vanished: synced, no row has their key),\n"
	"whether max_deletes holds them back (and the --allow-deletes that would\n"
	"allow them) or why vanished ones were not looked for; the bulk files,\n"
	"jobs, API calls (polls expected at 5,000\n"
	"records/s) and Bulk batches, against the org's daily allocations from\n"
	"/limits less [load] limit_margin, the days they need, and the data\n"
	"storage the new records take (2 KB each) against what the org has left.\n\n"
	"      --full, --since DATE, --until DATE, --objects LIST,\n"
	"      --allow-deletes OBJECT=N                             as for run\n"
	"      --show N             up to N keys of each kind, with source file:line;\n"
	"                           rejected rows with their reason; records to\n"
	"                           delete with their Salesforce Id\n"
	"      --offline            ask the org nothing (no allocations or storage)\n"
	SETUP_HELP CLI_TRACE_HELP
	"\nWith --show, a changed record's field diff is against the values it\n"
	"was last synced with, which the state keeps for the mappings whose\n"
	"keep_values is yes (docs/state.md).\n"
	"\nExit codes: 0 the plan was made, 2 usage, 3 a mapping or configuration\n"
	"mistake, 4 input, 5 Salesforce (/limits) could not be read.\n";

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

static int run_or_plan(int argc, char **argv, struct bs_ctx *ctx, int plan)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS, CLI_TRACE_LONGOPT,
		{ "full", no_argument, NULL, OPT_FULL },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "objects", required_argument, NULL, OPT_OBJECTS },
		{ "allow-deletes", required_argument, NULL, OPT_ALLOW_DELETES },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "show", required_argument, NULL, OPT_SHOW },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ NULL, 0, NULL, 0 }
	};
	struct plan_opts po = { { SYNC_INCREMENTAL, NULL, NULL, NULL, 0, NULL,
				  0, NULL, 0 }, 0, 0 };
	struct sync_opts o = po.sync;
	const char *usage = plan ? usage_plan : usage_run;
	int shown = 0;
	struct delete_allow allow[MAX_ALLOW];
	char allow_names[MAX_ALLOW][256];
	struct setup s = { 0 };
	const char *objects[256];
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage, &done)) {
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
		} else if (opt == OPT_DRY_RUN) {
			plan = 1;
		} else if (opt == OPT_SHOW) {
			if (cli_parse_count(optarg, &po.show) < 0)
				return cli_usage(ctx, "--show takes a number of "
						 "keys, not '%s'", optarg);
			shown = 1;
		} else if (opt == OPT_OFFLINE) {
			po.offline = 1;
			shown = 1;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (shown && !plan)
		return cli_usage(ctx, "--show and --offline are options of a plan: "
				 "billsync plan, or billsync run --dry-run");
	po.sync = o;
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, NULL, 0);
	if (!rc)
		rc = plan ? planview_plan(ctx, &s, &po) :
		     runview_sync(ctx, &s, &o);
	else if (s.cfg && !plan)
		runview_not_started(ctx, s.cfg, rc);
	setup_release(&s);
	return rc;
}

int cmd_run(int argc, char **argv, struct bs_ctx *ctx)
{
	return run_or_plan(argc, argv, ctx, 0);
}

int cmd_plan(int argc, char **argv, struct bs_ctx *ctx)
{
	return run_or_plan(argc, argv, ctx, 1);
}
