/* cmd_export.c - `billsync export`: bulk files, origins, rejects and a
 * manifest for every object, with no network. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/bundle.h"
#include "commands.h"
#include "base/config.h"
#include "export/export.h"
#include "map/mapset.h"
#include "report.h"
#include "setup.h"

enum {
	OPT_OUT = CLI_OPT_FIRST_COMMAND_OPTION,
	OPT_OBJECTS,
	OPT_MAX_BYTES,
	OPT_MAX_ROWS,
	OPT_ARCHIVE
};

const char usage_export[] =
	"usage: billsync export --out DIR [options]\n"
	"Write the gzipped CSV bulk files of every object (or those chosen),\n"
	"with origin files, rejects and DIR/manifest.json. No network.\n\n"
	"  -o, --out DIR            output folder (default: [output] dir)\n"
	"      --objects LIST       objects or datasets, comma-separated\n"
	"      --max-file-bytes N   raw CSV bytes per file (default 100000000)\n"
	"      --max-file-rows N    rows per file (default: no cap)\n"
	"      --archive FILE       also bundle everything into FILE\n"
	"                           (.tar, .tar.gz, .tgz or .zip)\n"
	SETUP_HELP;

static int add_entry(struct bundle_entry **e, size_t *n, const char *dir,
		     const char *rel)
{
	struct bundle_entry *ne = realloc(*e, (*n + 1) * sizeof(*ne));
	size_t len = strlen(dir) + strlen(rel) + 2;
	char *path = malloc(len);

	if (!ne || !path) {
		free(path);
		if (ne)
			*e = ne;
		return -1;
	}
	snprintf(path, len, "%s/%s", dir, rel);
	ne[*n].path = path;
	ne[*n].name = rel;
	*e = ne;
	(*n)++;
	return 0;
}

static int write_archive(const char *archive, const char *dir,
			 const struct manifest *manifest, struct bs_err *err)
{
	struct bundle_entry *e = NULL;
	size_t n = 0, i, j;
	int r = -1;

	if (add_entry(&e, &n, dir, "manifest.json") < 0)
		goto out;
	for (i = 0; i < manifest->nobjects; i++) {
		const struct manifest_object *obj = &manifest->objects[i];

		for (j = 0; j < obj->nfiles; j++)
			if (add_entry(&e, &n, dir, obj->files[j].path) < 0 ||
			    add_entry(&e, &n, dir, obj->files[j].origin) < 0)
				goto out;
		if (obj->rejects && add_entry(&e, &n, dir, obj->rejects) < 0)
			goto out;
	}
	r = bundle_write(archive, e, n, (long long)time(NULL), err);
out:
	if (r < 0 && err->kind == BS_E_NONE)
		bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		free((char *)e[i].path);
	free(e);
	return r;
}

/* The command line of export. */
struct args {
	struct setup s;
	const char *out, *archive, *objects[256];
	size_t nobjects;
	unsigned long long max_bytes, max_rows;
	int have_bytes, have_rows;
};

/* Reads the options into *a: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct bs_ctx *ctx,
		      struct args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS,
		{ "out", required_argument, NULL, OPT_OUT },
		{ "objects", required_argument, NULL, OPT_OBJECTS },
		{ "max-file-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "max-file-rows", required_argument, NULL, OPT_MAX_ROWS },
		{ "archive", required_argument, NULL, OPT_ARCHIVE },
		{ NULL, 0, NULL, 0 }
	};
	int opt, done = 0;

	while ((opt = getopt_long(argc, argv, ":hc:o:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_export, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&a->s, opt, optarg)) {
			continue;
		} else if (opt == OPT_OUT || opt == 'o') {
			a->out = optarg;
		} else if (opt == OPT_OBJECTS) {
			a->nobjects = cli_split_list(optarg, a->objects, 256);
		} else if (opt == OPT_MAX_BYTES || opt == OPT_MAX_ROWS) {
			unsigned long long *v = opt == OPT_MAX_BYTES ?
				&a->max_bytes : &a->max_rows;

			if (cli_parse_count(optarg, v) < 0 || !*v)
				return cli_usage(ctx, "%s takes a positive number, "
						 "not '%s'", argv[optind - 2], optarg);
			*(opt == OPT_MAX_BYTES ? &a->have_bytes :
					       &a->have_rows) = 1;
		} else if (opt == OPT_ARCHIVE) {
			a->archive = optarg;
			if (!bundle_supported(a->archive))
				return cli_usage(ctx, "--archive needs a .tar, "
						 ".tar.gz, .tgz or .zip name");
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_export(int argc, char **argv, struct bs_ctx *ctx)
{
	struct export_opts eo;
	struct args a;
	const char *out;
	char *out_cfg = NULL;
	int rc;
	struct manifest *manifest = NULL;

	memset(&a, 0, sizeof(a));
	rc = parse_args(argc, argv, ctx, &a);
	if (rc >= 0)
		return rc;
	rc = setup_config(ctx, &a.s);
	if (!rc)
		rc = setup_mappings(ctx, &a.s, NULL, 0);
	if (rc)
		goto out;
	memset(&eo, 0, sizeof(eo));
	if (export_opts_from_config(&eo, a.s.cfg, &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	if (a.have_bytes)
		eo.max_file_bytes = a.max_bytes;
	if (a.have_rows)
		eo.max_file_rows = a.max_rows;
	if (eo.max_file_bytes && (eo.max_file_bytes < EXPORT_MIN_FILE_BYTES ||
				  eo.max_file_bytes > EXPORT_MAX_FILE_BYTES)) {
		rc = cli_usage(ctx, "--max-file-bytes must be between %llu and "
			       "%llu (a Bulk API job takes at most 150 MB after "
			       "base64)", EXPORT_MIN_FILE_BYTES,
			       EXPORT_MAX_FILE_BYTES);
		goto out;
	}
	out = a.out;
	if (!out) {
		out = out_cfg = config_get_path(a.s.cfg, "output", "dir");
		if (!out) {
			rc = cli_usage(ctx, "where to? give --out DIR");
			goto out;
		}
	}
	eo.out_dir = out;
	eo.objects = a.objects;
	eo.nobjects = a.nobjects;
	eo.temp_dir = config_get(a.s.cfg, "output", "temp_dir");
	eo.stop = ctx->stop;
	eo.errs = &ctx->errs;
	if (!ctx->quiet && !ctx->json) {
		eo.progress = report_object_progress;
		eo.tick = report_export_tick;
		eo.progress_ctx = ctx;
	}
	if (export_check_objects(a.s.maps, &eo, &ctx->err) < 0 ||
	    export_run(a.s.cfg, a.s.maps, &eo, &manifest, &ctx->err) < 0 ||
	    (a.archive &&
	     write_archive(a.archive, out, manifest, &ctx->err) < 0)) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	rc = report_exit_code(manifest);
	if (report_export(ctx, manifest, out, a.archive) < 0) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		rc = BS_EXIT_INTERNAL;
	}
out:
	manifest_free(manifest);
	free(out_cfg);
	setup_release(&a.s);
	return rc;
}
