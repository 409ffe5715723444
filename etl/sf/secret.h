/*
 * secret.h - reading a secret (client secret, private key, token) from
 * where billsync.conf points: an environment variable or an owner-only file.
 *
 * For a secret NAME in a section, the configuration holds NAME_env (the name
 * of an environment variable) or NAME_file (a path).  The file must be a
 * regular file owned by the user running billsync and unreadable by anyone
 * else (mode 0600 or 0400), the way ssh treats private keys.  Secrets are
 * returned in malloc'd memory that secret_free wipes before freeing; they
 * must never be logged, stored in state, or passed on a command line.
 */
#ifndef SECRET_H
#define SECRET_H

#include "formats/bs_err.h"

struct config;

#define SECRET_MAX_BYTES (64 * 1024)

/* 1 and *out set when configured and read; 0 when neither NAME_env nor
 * NAME_file is set; -1 on error (unset variable, unsafe file, ...).
 * A trailing newline is dropped. */
int secret_read(const struct config *cfg, const char *section,
		const char *name, char **out, struct bs_err *err);

/* Wipes and frees a secret; NULL is fine. */
void secret_free(char *secret);

#endif
