/* cli.c - exit codes, usage errors and common options shared by commands. */
#include "cli.h"
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_for(enum bs_errkind kind)
{
	switch (kind) {
	case BS_E_NONE: return BS_EXIT_OK;
	case BS_E_USAGE: return BS_EXIT_USAGE;
	case BS_E_CONFIG: return BS_EXIT_CONFIG;
	case BS_E_INPUT:
	case BS_E_IO: return BS_EXIT_INPUT;
	case BS_E_ROW: return BS_EXIT_RECORDS;
	case BS_E_REMOTE:
	case BS_E_NETWORK: return BS_EXIT_SALESFORCE;
	case BS_E_LIMIT: return BS_EXIT_PAUSED;
	case BS_E_LOCKED: return BS_EXIT_LOCKED;
	case BS_E_NOMEM:
	case BS_E_INTERNAL: return BS_EXIT_INTERNAL;
	}
	return BS_EXIT_INTERNAL;
}

int cli_output_done(struct bs_ctx *ctx, int rc)
{
	if ((fflush(ctx->out) == 0 && !ferror(ctx->out)) || rc != BS_EXIT_OK)
		return rc;
	bs_err_set(&ctx->err, BS_E_IO, "cannot write to standard output");
	return BS_EXIT_INPUT;
}

int cli_fail(struct bs_ctx *ctx, const struct bs_err *err)
{
	if (err != &ctx->err)
		ctx->err = *err;
	if (ctx->err.kind == BS_E_NONE)
		ctx->err.kind = BS_E_INTERNAL;
	return cli_exit_for(ctx->err.kind);
}

int cli_usage(struct bs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	bs_err_clear(&ctx->err);
	ctx->err.kind = BS_E_USAGE;
	va_start(ap, fmt);
	vsnprintf(ctx->err.msg, sizeof(ctx->err.msg), fmt, ap);
	va_end(ap);
	return BS_EXIT_USAGE;
}

int cli_common_option(struct bs_ctx *ctx, int opt, const char *arg,
		      const char *help, int *done)
{
	switch (opt) {
	case CLI_OPT_HELP:
		fputs(help, ctx->out);
		fputs(CLI_COMMON_HELP, ctx->out);
		*done = 1;
		return 1;
	case CLI_OPT_CONFIG:
		ctx->config_path = arg;
		return 1;
	case CLI_OPT_JSON:
		ctx->json = 1;
		return 1;
	case CLI_OPT_VERBOSE:
		ctx->verbose = 1;
		if (!ctx->quiet)
			msg_set_level(ctx->msg, MSG_VERBOSE);
		return 1;
	case CLI_OPT_QUIET:
		ctx->quiet = 1;
		msg_set_level(ctx->msg, MSG_QUIET);
		return 1;
	case CLI_OPT_TRACE:
		ctx->trace_path = arg;
		return 1;
	case CLI_OPT_LOG_FORMAT:
		return 1;   /* applied by main (cli_log_format) */
	}
	return 0;
}

int cli_log_format(struct bs_ctx *ctx, int argc, char **argv)
{
	const char *v;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--log-format") && i + 1 < argc)
			v = argv[++i];
		else if (!strncmp(argv[i], "--log-format=", 13))
			v = argv[i] + 13;
		else
			continue;
		if (!strcmp(v, "json") || !strcmp(v, "plain"))
			msg_set_format(ctx->msg, !strcmp(v, "json") ?
				       MSG_JSON : MSG_PLAIN);
		else
			return cli_usage(ctx, "--log-format takes plain or json, "
					 "not '%s'", v), -1;
	}
	return 0;
}

int cli_parse_count(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1000ULL, end++;
	else if (*end == 'M')
		mul = 1000ULL * 1000, end++;
	else if (*end == 'G')
		mul = 1000ULL * 1000 * 1000, end++;
	if (*end)
		return -1;
	if (v > ~0ULL / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int cli_bad_option(struct bs_ctx *ctx, char **argv, int opt)
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		return cli_usage(ctx, "option '%s' needs a value", arg);
	if (optopt && arg[0] == '-' && arg[1] != '-')
		return cli_usage(ctx, "unknown option '-%c'", optopt);
	return cli_usage(ctx, "unknown option '%s'", arg);
}

size_t cli_split_list(char *s, const char **out, size_t max)
{
	size_t n = 0;
	char *tok = s, *comma;

	while (tok && *tok && n < max) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		while (*tok == ' ')
			tok++;
		if (*tok)
			out[n++] = tok;
		tok = comma ? comma + 1 : NULL;
	}
	return n;
}
