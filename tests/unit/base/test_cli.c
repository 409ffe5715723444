/* test_cli.c - the common options of every command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "tap.h"

/* --help writes the command's help and the common options' to ctx->out
 * (never to stdout behind the command's back) and says the command is
 * done. */
static void test_help_on_out(void)
{
	struct bs_ctx ctx;
	char *buf = NULL;
	size_t size = 0;
	int done = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.out = open_memstream(&buf, &size);
	REQUIRE(ctx.out != NULL);
	CHECK_INT(cli_common_option(&ctx, CLI_OPT_HELP, NULL,
				    "usage: billsync thing\n", &done), 1);
	fclose(ctx.out);
	CHECK_INT(done, 1);
	CHECK(buf && !strncmp(buf, "usage: billsync thing\n", 22));
	CHECK_CONTAINS(buf, CLI_COMMON_HELP);
	free(buf);
}

/* Options that only set a field of ctx. */
static void test_common_fields(void)
{
	struct bs_ctx ctx;
	int done = 0;

	memset(&ctx, 0, sizeof(ctx));
	CHECK_INT(cli_common_option(&ctx, CLI_OPT_CONFIG, "b.conf", "", &done), 1);
	CHECK_STR(ctx.config_path, "b.conf");
	CHECK_INT(cli_common_option(&ctx, CLI_OPT_JSON, NULL, "", &done), 1);
	CHECK_INT(ctx.json, 1);
	CHECK_INT(cli_common_option(&ctx, CLI_OPT_TRACE, "t.log", "", &done), 1);
	CHECK_STR(ctx.trace_path, "t.log");
	CHECK_INT(cli_common_option(&ctx, 'x', NULL, "", &done), 0);
	CHECK_INT(done, 0);
}

int main(void)
{
	RUN(test_help_on_out);
	RUN(test_common_fields);
	return tap_done();
}
