/*
 * stateview.h - what the commands that only read the sync state (status,
 * records) share: finding and opening the state directory without its
 * lock, and showing its timestamps.
 */
#ifndef STATEVIEW_H
#define STATEVIEW_H

#include <jansson.h>

#include "formats/bs_err.h"
#include "base/cli.h"

struct state;

/* Opens the state directory for reading (state_open_readonly): dir_arg
 * (--state), else [state] dir of the configuration.  Returns 0 with *st
 * open, or 0 with *st NULL and note filled ("no runs yet: DIR has no
 * billsync.db") when nothing has run there yet, or an exit code with
 * ctx->err set.  *dir is the directory, the caller's to free (also on
 * failure; NULL if unknown). */
int stateview_open(struct bs_ctx *ctx, const char *dir_arg, struct state **st,
		   char **dir, char note[BS_ERR_MSG_MAX]);

/* "2024-05-01T06:00:12.345Z" as "2024-05-01 06:00:12" in buf; "" for
 * anything shorter or NULL.  Returns buf. */
const char *stateview_time(const char *iso, char buf[20]);

/* Prints root (NULL: nothing) indented on ctx->out and frees it. */
void stateview_json(struct bs_ctx *ctx, json_t *root);

#endif
