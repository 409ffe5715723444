/*
 * origin.h - where each row an export writes came from, until its bulk
 * file is finished: the object's source file names (numbered in the order
 * first seen) and a spool of (source, line) per written row, in output
 * order.  When a bulk file is done, its rows' entries are taken from the
 * spool and summed up per source file (first and last line, rows) into the
 * file's manifest entry.
 *
 * The spool is an unlinked temporary file read back with pread, so memory
 * stays flat whatever the number of rows.  The struct is the caller's
 * (origin_new / origin_free; origin_free(NULL) is harmless).
 */
#ifndef ORIGIN_H
#define ORIGIN_H

#include <stdint.h>

#include "formats/bs_err.h"

struct manifest;
struct manifest_file;
struct origin;

/* The spool in temp_dir (NULL: $TMPDIR or /tmp). */
struct origin *origin_new(const char *temp_dir, struct bs_err *err);
void origin_free(struct origin *o);

/* The number of source file name (added when new). */
int origin_source(struct origin *o, const char *name, uint32_t *idx,
		  struct bs_err *err);
/* The name of source number idx, "" when there is none. */
const char *origin_source_name(const struct origin *o, uint32_t idx);

/* Spools the origin of the next row written. */
int origin_push(struct origin *o, uint32_t src, uint64_t line,
		struct bs_err *err);

/* Takes the next rows entries from the spool and adds one source per
 * source file they came from to f (strings copied into m). */
int origin_take(struct origin *o, unsigned long long rows,
		struct manifest *m, struct manifest_file *f,
		struct bs_err *err);

#endif
