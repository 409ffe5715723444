/* setup.c - configuration and mappings, loaded the same way by every
 * command. */
#include "setup.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "postrun.h"
#include "map/mapset.h"

int setup_option(struct setup *s, int opt, const char *arg)
{
	switch (opt) {
	case SETUP_OPT_SOURCE:
		s->source = arg;
		return 1;
	case SETUP_OPT_MAPPINGS:
		s->mappings = arg;
		return 1;
	}
	return 0;
}

int setup_overrides(struct bs_ctx *ctx, struct config *cfg)
{
	char cwd[PATH_MAX], path[PATH_MAX + 4096];
	const char *p = ctx->trace_path;

	if (p && p[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		snprintf(path, sizeof(path), "%s/%s", cwd, p);
		p = path;
	}
	if (p && config_set(cfg, "salesforce", "trace", p, 1, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	return postrun_check_config(ctx, cfg);
}

int setup_config(struct bs_ctx *ctx, struct setup *s)
{
	s->cfg = config_load_all(ctx->config_path, &ctx->errs, &ctx->err);
	if (!s->cfg)
		return ctx->err.kind ? cli_exit_for(ctx->err.kind)
				     : BS_EXIT_CONFIG;
	if (s->source && config_set(s->cfg, "source", "path", s->source, 1,
				    &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	if (s->mappings && config_set(s->cfg, "mappings", "dir", s->mappings,
				      1, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	return setup_overrides(ctx, s->cfg);
}

/* An error about the default mappings folder, from errs[from] on, says
 * that no billsync.conf was found, so the default is what was looked in. */
static void note_default_dir(const struct config *cfg, const char *dir,
			     struct bs_errlist *errs, size_t from)
{
	const char *none = config_missing(cfg);
	size_t i, len;

	for (i = from; none && i < errs->n; i++) {
		struct bs_err *e = &errs->v[i];

		if (e->kind != BS_E_CONFIG || strcmp(e->file, dir))
			continue;
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len,
			 " %.*s, so the default)", (int)strlen(none) - 1, none);
	}
}

int setup_mappings(struct bs_ctx *ctx, struct setup *s,
		   const char *const *files, size_t nfiles)
{
	size_t from = ctx->errs.n;
	char *dir;

	if (nfiles) {
		s->maps = mapset_load_files(files, nfiles, &ctx->errs);
	} else {
		dir = config_get_path(s->cfg, "mappings", "dir");
		if (!dir)
			return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
			       BS_EXIT_INTERNAL;
		s->maps = mapset_load_dir(dir, &ctx->errs);
		if (!s->maps && !s->mappings)
			note_default_dir(s->cfg, dir, &ctx->errs, from);
		free(dir);
	}
	if (!s->maps) {
		size_t i;

		/* running out of memory is no mistake in the mappings */
		for (i = 0; i < ctx->errs.n; i++)
			if (ctx->errs.v[i].kind == BS_E_NOMEM)
				return BS_EXIT_INTERNAL;
		return BS_EXIT_CONFIG;
	}
	return setup_currency(ctx, s);
}

int setup_currency(struct bs_ctx *ctx, struct setup *s)
{
	int multi = 0;

	if (config_get_bool(s->cfg, "salesforce", "multi_currency", &multi,
			    &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	if (multi && mapset_add_currency_codes(s->maps, &ctx->errs))
		return BS_EXIT_CONFIG;
	return 0;
}

void setup_release(struct setup *s)
{
	mapset_free(s->maps);
	config_free(s->cfg);
	s->maps = NULL;
	s->cfg = NULL;
}
