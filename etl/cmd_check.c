/* cmd_check.c - `billsync check`: every mistake in the mappings, with file,
 * line and a hint, before anything is read or sent. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../formats/rowsrc.h"
#include "../formats/strsim.h"
#include "commands.h"
#include "config.h"
#include "dataset.h"
#include "mapset.h"
#include "orgcheck.h"
#include "setup.h"

enum { OPT_NO_DATA = CLI_OPT_FIRST_COMMAND_OPTION, OPT_ORG };

const char usage_check[] =
	"usage: billsync check [options] [MAPPING...]\n"
	"Check mapping files: sections and keys, Salesforce API names, converters\n"
	"and their arguments, filters, the key field, lookups and the load order,\n"
	"and that every source column exists in the dataset's files (headers only).\n"
	"Reports every mistake as FILE:LINE: message. Sends nothing.\n\n"
	"      --no-data            do not open the source files\n"
	"      --org                also check against the org's describe: fields\n"
	"                           exist and are writable, lookups and External IDs,\n"
	"                           required fields (uses [salesforce]; reads only)\n"
	SETUP_HELP;

/* Checks one file's header against the mapping's columns. */
static void check_header(const struct mapping *m, const char *entry_name,
			 struct rowsrc *rs, struct bs_errlist *errs)
{
	const char *const *header, *const *cols;
	size_t nh = rowsrc_header(rs, &header), nc, i, j;
	struct bs_err e;

	if (!nh)
		return;   /* JSON lines: no header to check */
	nc = mapping_columns(m, &cols);
	for (i = 0; i < nc; i++) {
		const char *hint;

		for (j = 0; j < nh; j++)
			if (!strcmp(cols[i], header[j]))
				break;
		if (j < nh)
			continue;
		hint = strsim_closest(cols[i], header, nh);
		bs_err_at(&e, BS_E_CONFIG, mapping_file(m),
			  mapping_column_line(m, i),
			  "column '%s' is not in %s%s%s%s", cols[i], entry_name,
			  hint ? "; did you mean '" : "", hint ? hint : "",
			  hint ? "'?" : "");
		bs_errlist_add(errs, &e);
	}
}

static void check_data(const struct config *cfg, const struct mapping *m,
		       struct bs_errlist *errs)
{
	const struct dataset_entry *ent;
	struct dataset *ds;
	struct bs_err e;
	size_t n, i;

	bs_err_clear(&e);
	ds = dataset_open(cfg, mapping_source(m), &e);
	if (!ds) {
		if (!e.file[0])
			bs_err_locate(&e, mapping_file(m), 0);
		bs_errlist_add(errs, &e);
		return;
	}
	n = dataset_entries(ds, &ent);
	for (i = 0; i < n; i++) {
		struct rowsrc *rs;

		bs_err_clear(&e);
		rs = rowsrc_open(ent[i].path, ent[i].member, NULL, &e);
		if (!rs)
			bs_errlist_add(errs, &e);
		else
			check_header(m, ent[i].name, rs, errs);
		rowsrc_free(rs);
	}
	dataset_free(ds);
}

static json_t *errors_json(const struct bs_errlist *errs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < errs->n; i++) {
		const struct bs_err *e = &errs->v[i];

		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s}",
						   "file", e->file,
						   "line", (json_int_t)e->line,
						   "field", e->field,
						   "message", e->msg));
	}
	return a;
}

static void report(struct bs_ctx *ctx, const struct setup *s, int data,
		   int org)
{
	size_t i, n = s->maps ? mapset_count(s->maps) : 0;

	if (ctx->json) {
		json_t *root = json_object(), *maps = json_array();

		for (i = 0; i < n; i++) {
			const struct mapping *m = mapset_at(s->maps, i);
			const struct map_field *f;
			const struct map_filter *fl;

			json_array_append_new(maps, json_pack(
				"{s:s, s:s, s:s, s:s, s:i, s:i, s:i}",
				"file", mapping_file(m), "object", mapping_object(m),
				"source", mapping_source(m),
				"operation", mapping_op_name(mapping_op(m)),
				"level", (int)mapset_level(s->maps, i),
				"fields", (int)mapping_fields(m, &f),
				"filters", (int)mapping_filters(m, &fl)));
		}
		json_object_set_new(root, "ok", json_boolean(ctx->errs.n == 0));
		json_object_set_new(root, "data_checked", json_boolean(data));
		json_object_set_new(root, "org_checked", json_boolean(org));
		json_object_set_new(root, "mappings", maps);
		json_object_set_new(root, "errors", errors_json(&ctx->errs));
		json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		json_decref(root);
		return;
	}
	if (ctx->errs.n || ctx->quiet)
		return;
	fprintf(ctx->out, "Load order (parents first):\n");
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(s->maps, i);
		const struct map_field *f;
		const struct map_filter *fl;
		size_t nf = mapping_fields(m, &f), nfl = mapping_filters(m, &fl);

		fprintf(ctx->out, "  %u  %-30s <- %-26s %s, %zu field%s, %zu "
			"filter%s (%s)\n", mapset_level(s->maps, i) + 1,
			mapping_object(m), mapping_source(m),
			mapping_op_name(mapping_op(m)), nf, nf == 1 ? "" : "s",
			nfl, nfl == 1 ? "" : "s", mapping_file(m));
	}
	fprintf(ctx->out, "%zu mapping%s OK%s%s\n", n, n == 1 ? "" : "s",
		data ? "" : " (source columns not checked)",
		org ? ", and against the org" : "");
}

int cmd_check(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS,
		{ "no-data", no_argument, NULL, OPT_NO_DATA },
		{ "org", no_argument, NULL, OPT_ORG },
		{ NULL, 0, NULL, 0 }
	};
	struct setup s = { 0 };
	const char *const *locs;
	int opt, done = 0, data = 1, org = 0, rc;
	size_t i;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_check, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_NO_DATA) {
			data = 0;
		} else if (opt == OPT_ORG) {
			org = 1;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	rc = setup_config(ctx, &s);
	if (rc)
		return rc;
	if (!config_get_list(s.cfg, "source", "path", &locs))
		data = 0;
	rc = setup_mappings(ctx, &s, (const char *const *)argv + optind,
			    (size_t)(argc - optind));
	if (!rc && data)
		for (i = 0; i < mapset_count(s.maps); i++)
			check_data(s.cfg, mapset_at(s.maps, i), &ctx->errs);
	if (!rc && org && orgcheck_run(s.cfg, s.maps, &ctx->errs,
				       &ctx->err) < 0) {
		setup_release(&s);
		return cli_exit_for(ctx->err.kind);
	}
	report(ctx, &s, data, org);
	setup_release(&s);
	if (ctx->errs.n)
		return BS_EXIT_CONFIG;
	return rc;
}
