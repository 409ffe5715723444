/* stateview.c - opening the sync state for the reading commands (see
 * stateview.h). */
#include "stateview.h"

#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "setup.h"
#include "state/state.h"

int stateview_open(struct bs_ctx *ctx, const char *dir_arg, struct state **st,
		   char **dir, char note[BS_ERR_MSG_MAX])
{
	struct setup s = { 0 };
	int rc;

	*st = NULL;
	*dir = NULL;
	note[0] = '\0';
	if (!dir_arg && (rc = setup_config(ctx, &s)) != 0)
		return rc;
	*dir = dir_arg ? strdup(dir_arg) : config_get_path(s.cfg, "state", "dir");
	setup_release(&s);
	if (!*dir)
		return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
		       BS_EXIT_INTERNAL;
	*st = state_open_readonly(*dir, &ctx->err);
	if (*st)
		return 0;
	if (state_exists(*dir))
		return cli_exit_for(ctx->err.kind);
	/* nothing has run here yet: not an error for a scheduler asking */
	snprintf(note, BS_ERR_MSG_MAX, "%s", ctx->err.msg);
	bs_err_clear(&ctx->err);
	return 0;
}

const char *stateview_time(const char *iso, char buf[20])
{
	buf[0] = '\0';
	if (iso && strlen(iso) >= 19) {
		memcpy(buf, iso, 19);
		buf[10] = ' ';
		buf[19] = '\0';
	}
	return buf;
}

void stateview_json(struct bs_ctx *ctx, json_t *root)
{
	if (!root)
		return;
	json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', ctx->out);
	json_decref(root);
}
