/*
 * config.h - billsync.conf: where the data is, where output and state go,
 * and how to reach Salesforce.
 *
 * INI syntax (formats/ini.h).  Every section and key is checked against the
 * table in config.c: an unknown one is an error with a did-you-mean hint, so
 * a typo never silently falls back to a default.  Relative paths in the file
 * are taken relative to the file's own folder, so a scheduler can run
 * billsync from anywhere.  Secrets are never values in the file: a secret
 * key NAME is given as NAME_env (an environment variable's name) or NAME_file
 * (a file only its owner can read); see secret.h.
 *
 * Sections: [source] [mappings] [output] [state] [salesforce] [load] and
 * [dataset NAME] (one per dataset whose files are not found by name).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;

/* Loads path; NULL means ./billsync.conf if it exists, else built-in
 * defaults only.  The result is owned by the caller (config_free).
 * The first mistake in the file is the error. */
struct config *config_load(const char *path, struct bs_err *err);
/* Like config_load, reporting every mistake in the file at once: each
 * (unknown section or key, a key set twice, a bad value) is added to errs
 * and the file is read to its end, then NULL is returned with err left
 * alone; err is still set for what stops the reading (a line that is not
 * INI, an unreadable file, no memory). */
struct config *config_load_all(const char *path, struct bs_errlist *errs,
			       struct bs_err *err);
/* An empty configuration holding only defaults (for tests). */
struct config *config_new_defaults(void);
void config_free(struct config *cfg);

/* The file name; without one, "(no billsync.conf in DIR)" naming the
 * folder looked in (config_load), or "(defaults)" (config_new_defaults). */
const char *config_file(const struct config *cfg);
/* "(no billsync.conf in DIR)" when config_load found no file, so every
 * setting is its default; else NULL. */
const char *config_missing(const struct config *cfg);

/* Sets a value as if it came from the file (command-line overrides);
 * a list key gets the value appended unless replace is set. */
int config_set(struct config *cfg, const char *section, const char *key,
	       const char *value, int replace, struct bs_err *err);

/* The value, else the table default, else NULL. */
const char *config_get(const struct config *cfg, const char *section,
		       const char *key);
/* All values of a list key (e.g. [source] path), in file order. */
size_t config_get_list(const struct config *cfg, const char *section,
		       const char *key, const char *const **values);
/* A path value resolved against the config file's folder (caller frees). */
char *config_get_path(const struct config *cfg, const char *section,
		      const char *key);
/* Resolves any path the file gave, as config_get_path does (caller frees). */
char *config_resolve(const struct config *cfg, const char *path);
/* Typed getters: errors name the file and line of the bad value. */
int config_get_u64(const struct config *cfg, const char *section,
		   const char *key, unsigned long long *out, struct bs_err *err);
int config_get_bool(const struct config *cfg, const char *section,
		    const char *key, int *out, struct bs_err *err);
/* Seconds, with an optional s/m/h suffix; fractions allowed ("0.5"). */
int config_get_ms(const struct config *cfg, const char *section,
		  const char *key, unsigned long long *out_ms,
		  struct bs_err *err);
/* Where a key was set (line 0 when it was not set in the file). */
unsigned long config_line(const struct config *cfg, const char *section,
			  const char *key);

/* Names of the [dataset NAME] sections. */
size_t config_datasets(const struct config *cfg, const char *const **names);

#endif
