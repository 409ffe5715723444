/*
 * rejects.h - an object's rejects.csv: the rows an export left out because
 * they could not be mapped or Salesforce could not take them, each with
 * its source file, line, field, reason and the record as read
 * (docs/bulk-files.md).
 *
 * The file is created with its header on the first reject, so an object
 * without rejects has none.  The struct is the caller's (rejects_new /
 * rejects_free; rejects_free(NULL) is harmless).
 */
#ifndef REJECTS_H
#define REJECTS_H

#include <stddef.h>

#include "formats/bs_err.h"

struct rejects;

/* Rejects of the object whose folder is dir (copied); max_record caps the
 * CSV bytes of one reject (a longer record keeps its head only).  NULL
 * when out of memory. */
struct rejects *rejects_new(const char *dir, size_t max_record);

/* Appends a reject; reason's field and msg are written. */
int rejects_add(struct rejects *r, const char *source, unsigned long line,
		const struct bs_err *reason, const char *raw, size_t raw_len,
		struct bs_err *err);

/* 1 when rejects.csv was created. */
int rejects_any(const struct rejects *r);

/* Closes rejects.csv; -1 (with err) when what was written is not all on
 * disk.  Then frees r. */
int rejects_close(struct rejects *r, struct bs_err *err);
void rejects_free(struct rejects *r);

#endif
