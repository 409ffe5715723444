/* cmd_check.c - `billsync check`: every mistake in the mappings, with file,
 * line and a hint, before anything is read or sent. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats/rowsrc.h"
#include "formats/strsim.h"
#include "commands.h"
#include "base/config.h"
#include "export/dataset.h"
#include "export/jsonsample.h"
#include "map/mapset.h"
#include "map/sftype.h"
#include "load/orgcheck.h"
#include "setup.h"

enum { OPT_NO_DATA = CLI_OPT_FIRST_COMMAND_OPTION, OPT_ORG };

const char usage_check[] =
	"usage: billsync check [options] [MAPPING...]\n"
	"Check mapping files: sections and keys, Salesforce API names, converters\n"
	"and their arguments, filters, the key field, lookups and the load order,\n"
	"and that every source column exists in the dataset's files (CSV headers;\n"
	"JSON lines: the keys of the first 1000 records). Reports every mistake as\n"
	"'billsync: FILE:LINE: message' on stderr. Sends nothing. Exit 3 for\n"
	"mapping mistakes, 4 when the source data cannot be read (3 when both).\n\n"
	"      --no-data            do not open the source files\n"
	"      --org                also check against the org's describe: fields\n"
	"                           exist and are writable, lookups and External IDs,\n"
	"                           required fields, restricted picklist values,\n"
	"                           lengths, scales, types, the currency mode and\n"
	"                           the data's currencies (uses [salesforce]; reads\n"
	"                           only; warnings, where the data may still fit,\n"
	"                           leave the exit code 0)\n"
	SETUP_HELP CLI_TRACE_HELP;

/* Adds an error about the source data unless the same one is there
 * already: a source location that cannot be read, or a file two mappings
 * read, is reported once. */
static void add_data_error(struct bs_errlist *errs, const struct bs_err *e)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		const struct bs_err *o = &errs->v[i];

		if (o->kind == e->kind && o->line == e->line &&
		    !strcmp(o->file, e->file) && !strcmp(o->field, e->field) &&
		    !strcmp(o->msg, e->msg))
			return;
	}
	bs_errlist_add(errs, e);
}

/* Checks one file's header against the mapping's columns. */
static void check_header(const struct mapping *m, const char *entry_name,
			 const char *const *header, size_t nh,
			 struct bs_errlist *errs)
{
	const char *const *cols;
	size_t nc = mapping_columns(m, &cols), i, j;
	struct bs_err e;

	for (i = 0; i < nc; i++) {
		char written[1300];
		const char *hint;

		for (j = 0; j < nh; j++)
			if (!strcmp(cols[i], header[j]))
				break;
		if (j < nh)
			continue;
		hint = strsim_closest(cols[i], header, nh);
		if (hint)
			mapping_column_written(hint, written, sizeof(written));
		bs_err_at(&e, BS_E_CONFIG, mapping_file(m),
			  mapping_column_line(m, i),
			  "column '%s' is not in %s%s%s%s", cols[i], entry_name,
			  hint ? "; did you mean '" : "", hint ? written : "",
			  hint ? "'?" : "");
		bs_errlist_add(errs, &e);
	}
}

/* The mapping's columns against its dataset: CSV headers, and the keys of
 * the first JSON-lines records.  -1 when out of memory. */
static int check_data(const struct config *cfg, const struct mapping *m,
		      struct bs_errlist *errs)
{
	const struct dataset_entry *ent;
	struct json_sample *js;
	struct dataset *ds;
	struct bs_err e;
	size_t n, i;
	int rc = 0;

	if (!mapping_source(m))
		return 0;    /* missing or invalid: said already */
	bs_err_clear(&e);
	ds = dataset_open(cfg, mapping_source(m), &e);
	if (!ds) {
		if (!e.file[0])
			bs_err_locate(&e, mapping_file(m),
				      mapping_key_line(m, "source"));
		add_data_error(errs, &e);
		return e.kind == BS_E_NOMEM ? -1 : 0;
	}
	js = json_sample_new();
	if (!js) {
		dataset_free(ds);
		return -1;
	}
	n = dataset_entries(ds, &ent);
	for (i = 0; i < n && !rc; i++) {
		const char *const *header;
		struct rowsrc *rs;
		size_t nh;

		bs_err_clear(&e);
		rs = rowsrc_open(ent[i].path, ent[i].member, NULL, &e);
		if (!rs) {
			add_data_error(errs, &e);
			continue;
		}
		nh = rowsrc_header(rs, &header);
		if (nh)
			check_header(m, ent[i].name, header, nh, errs);
		else
			rc = json_sample_file(js, ent[i].name, rs, &e);
		if (rc == 1) {
			add_data_error(errs, &e);
			rc = 0;
		}
		rowsrc_free(rs);
	}
	if (!rc)
		json_sample_check(js, m, errs);
	json_sample_free(js);
	dataset_free(ds);
	return rc;
}

/* Errors by file (in the order files first come up), then by line, so
 * each file's mistakes read top to bottom whichever check found them. */
static void sort_errors(struct bs_errlist *errs)
{
	size_t n = errs->n, i, j, *rank = malloc((n ? n : 1) * sizeof(*rank));

	if (!rank)
		return;   /* left in the order found */
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(errs->v[j].file, errs->v[i].file))
				break;
		rank[i] = j < i ? rank[j] : i;
	}
	for (i = 1; i < n; i++) {
		struct bs_err e = errs->v[i];
		size_t r = rank[i];

		for (j = i; j > 0 && (rank[j - 1] > r ||
				      (rank[j - 1] == r &&
				       errs->v[j - 1].line > e.line)); j--) {
			errs->v[j] = errs->v[j - 1];
			rank[j] = rank[j - 1];
		}
		errs->v[j] = e;
		rank[j] = r;
	}
	free(rank);
}

/* The exit code for what check found: out of memory or a bug first, then
 * mapping mistakes (3: a run would stop on them before reading anything),
 * then unreadable or missing source data (4). */
static int exit_for_errors(const struct bs_errlist *errs)
{
	int code = BS_EXIT_OK, c;
	size_t i;

	if (errs->nomem)
		return BS_EXIT_INTERNAL;

	for (i = 0; i < errs->n; i++) {
		c = cli_exit_for(errs->v[i].kind);
		if (c == BS_EXIT_INTERNAL)
			return c;
		if (code == BS_EXIT_OK || c == BS_EXIT_CONFIG)
			code = c;
	}
	if (code == BS_EXIT_OK && errs->dropped)
		code = BS_EXIT_CONFIG;
	return code;
}

/* The mistakes (check --org's warnings, kind BS_E_NONE, aside). */
static size_t mistakes(const struct bs_errlist *errs)
{
	size_t i, n = errs->dropped;

	for (i = 0; i < errs->n; i++)
		n += errs->v[i].kind != BS_E_NONE;
	return n;
}

static json_t *errors_json(const struct bs_errlist *errs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < errs->n; i++) {
		const struct bs_err *e = &errs->v[i];

		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:b}",
						   "file", e->file,
						   "line", (json_int_t)e->line,
						   "field", e->field,
						   "message", e->msg,
						   "warning",
						   e->kind == BS_E_NONE));
	}
	return a;
}

/* clean: the mappings loaded without a mistake (else none is listed). */
static void report(struct bs_ctx *ctx, const struct setup *s, int clean,
		   int data, int org)
{
	size_t i, n = clean ? mapset_count(s->maps) : 0;

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
		json_object_set_new(root, "ok",
				    json_boolean(mistakes(&ctx->errs) == 0));
		json_object_set_new(root, "data_checked", json_boolean(data));
		json_object_set_new(root, "org_checked", json_boolean(org));
		json_object_set_new(root, "mappings", maps);
		json_object_set_new(root, "errors", errors_json(&ctx->errs));
		json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		json_decref(root);
		return;
	}
	if (mistakes(&ctx->errs) || ctx->quiet)
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
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS, CLI_TRACE_LONGOPT,
		{ "no-data", no_argument, NULL, OPT_NO_DATA },
		{ "org", no_argument, NULL, OPT_ORG },
		{ NULL, 0, NULL, 0 }
	};
	struct setup s = { 0 };
	const char *const *locs;
	int opt, done = 0, data = 1, org = 0, rc, clean;
	size_t i, nerr0;

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
	nerr0 = ctx->errs.n + ctx->errs.dropped;
	if (optind < argc) {
		s.maps = mapset_check_files((const char *const *)argv + optind,
					    (size_t)(argc - optind), &ctx->errs);
	} else {
		char *dir = config_get_path(s.cfg, "mappings", "dir");

		if (!dir) {
			setup_release(&s);
			return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
			       BS_EXIT_INTERNAL;
		}
		s.maps = mapset_check_dir(dir, &ctx->errs);
		free(dir);
	}
	/* the [schema] declarations of every mapping without mistakes */
	for (i = 0; s.maps && i < mapset_count(s.maps); i++)
		if (!mapping_errors(mapset_at(s.maps, i)))
			sftype_check(mapset_at(s.maps, i), &ctx->errs);
	clean = s.maps && ctx->errs.n + ctx->errs.dropped == nerr0;
	/* the columns of every mapping that loaded, mistakes or not */
	for (i = 0; data && s.maps && i < mapset_count(s.maps); i++) {
		if (check_data(s.cfg, mapset_at(s.maps, i), &ctx->errs) < 0)
			break;
	}
	/* the org judges each mapping on its own: mistakes between them
	 * (a cycle, a lookup to a parent's field) do not stop it */
	if (org && s.maps && mapset_files_ok(s.maps) &&
	    orgcheck_run(s.cfg, s.maps, data, &ctx->errs, &ctx->err) < 0) {
		setup_release(&s);
		return cli_exit_for(ctx->err.kind);
	}
	sort_errors(&ctx->errs);
	report(ctx, &s, clean, data, org);
	setup_release(&s);
	return exit_for_errors(&ctx->errs);
}
