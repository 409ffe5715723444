/*
 * dataset.h - the files of one source dataset, read as one stream of rows.
 *
 * A dataset (customers, invoices, ...) is one file or many (daily drops).
 * Its files are found in the locations of [source] path (folders, files,
 * globs or archives; --source on the command line replaces them; an
 * archive inside a folder is not opened unless named itself): a file
 * belongs to dataset NAME when its name, without .gz and without its
 * format extension (.csv, .jsonl, .ndjson, .json), is NAME or starts with
 * "NAME-" or "NAME.", or when it lies in a folder NAME/ of a location.
 * A [dataset NAME] section with `files = GLOB` lists the files instead.
 * Files are read in name order (daily drops named by date read oldest
 * first); archive members in archive order.
 */
#ifndef DATASET_H
#define DATASET_H

#include <stddef.h>

#include "formats/bs_err.h"
#include "formats/rowsrc.h"

struct config;

struct dataset_entry {
	char *path;     /* the file on disk */
	char *member;   /* archive member, or NULL */
	char *name;     /* display name: path or path!member */
};

struct dataset;

/* Finds the dataset's files; none found is a BS_E_INPUT error that says
 * where it looked. */
struct dataset *dataset_open(const struct config *cfg, const char *name,
			     struct bs_err *err);
void dataset_free(struct dataset *ds);

const char *dataset_name(const struct dataset *ds);
size_t dataset_entries(const struct dataset *ds,
		       const struct dataset_entry **entries);

/* Reading: choose the columns, then pull rows across all files in order. */
int dataset_select(struct dataset *ds, const char *const *cols, size_t n,
		   struct bs_err *err);
/* The files h holds (heads.h; their heads were read by the check before
 * reading) are read from there, from their first byte; h borrowed, may be
 * NULL. */
struct heads;
void dataset_heads(struct dataset *ds, struct heads *h);
/* Reading fails (BS_E_LIMIT) soon after *stop becomes non-zero, even
 * inside a long run of blank lines (rowsrc_limits.stop); stop may be NULL. */
void dataset_watch(struct dataset *ds, const volatile sig_atomic_t *stop);
/* ROWSRC_ROW, ROWSRC_BAD (a rejected row), ROWSRC_DONE or ROWSRC_ERROR. */
int dataset_next(struct dataset *ds, struct rowsrc_row *row,
		 struct bs_err *err);

/* How far reading has got, in bytes of the files on disk: *done of
 * *total, the sum of the files' sizes as dataset_select found them (an
 * archive counts once, however many of its members are read; compressed
 * files by their compressed size: see rowsrc_position).  *total is 0 when
 * not known: a file is not a regular file (a FIFO) or could not be
 * measured.  Reads counters, no system call: cheap at every row. */
void dataset_progress(const struct dataset *ds, unsigned long long *done,
		      unsigned long long *total);

#endif
