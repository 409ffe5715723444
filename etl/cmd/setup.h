/*
 * setup.h - what most commands do first: load billsync.conf, apply the
 * command-line overrides (--source, --mappings), load the mapping set.
 * Errors land in ctx (ctx->errs for mapping mistakes, all of them) and the
 * functions return the exit code to give back, or 0.
 */
#ifndef SETUP_H
#define SETUP_H

#include "base/cli.h"

struct config;
struct mapset;

struct setup {
	struct config *cfg;
	struct mapset *maps;
	const char *source;          /* --source PATH (repeatable: last wins list) */
	const char *mappings;        /* --mappings DIR */
};

/* Options setup understands; commands add these to their tables. */
enum {
	SETUP_OPT_SOURCE = CLI_OPT_FIRST_COMMAND_OPTION + 0x80,
	SETUP_OPT_MAPPINGS
};

#define SETUP_LONGOPTS                                                  \
	{ "source", required_argument, NULL, SETUP_OPT_SOURCE },        \
	{ "mappings", required_argument, NULL, SETUP_OPT_MAPPINGS }

#define SETUP_HELP                                                      \
	"      --source PATH        source data: a folder, file, glob or archive\n" \
	"                           (instead of [source] path)\n"           \
	"      --mappings DIR       mapping files folder (default: mappings)\n"

/* Takes a setup option; 1 if it was one. */
int setup_option(struct setup *s, int opt, const char *arg);

/* Loads the configuration and applies --source, --mappings and --trace. */
int setup_config(struct bs_ctx *ctx, struct setup *s);
/* Applies the common options that override the configuration (--trace:
 * [salesforce] trace, made absolute) and checks the sections only
 * commands read ([notify]); 0 or an exit code. */
int setup_overrides(struct bs_ctx *ctx, struct config *cfg);
/* Loads the mappings: the given files, or the --mappings / [mappings] dir. */
int setup_mappings(struct bs_ctx *ctx, struct setup *s,
		   const char *const *files, size_t nfiles);
/* [salesforce] multi_currency: CurrencyIsoCode from each mapping's
 * currency column (mapset_add_currency_codes); setup_mappings does it. */
int setup_currency(struct bs_ctx *ctx, struct setup *s);
void setup_release(struct setup *s);

#endif
