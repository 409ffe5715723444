/*
 * precheck.h - every chosen mapping against the headers of every file of
 * its dataset, before the first row is read (what `billsync check` does
 * for CSV), so that a column typo stops export, run, retry, resync and
 * preview before anything is read, written or recorded.
 *
 * For each chosen mapping, each file of its dataset is opened and its
 * header read (CSV); a column the mapping reads that a header lacks is a
 * BS_E_CONFIG error naming file and line, with a did-you-mean hint; a
 * dataset with no files, or a file that cannot be opened, is the error
 * reading it would be (BS_E_INPUT, BS_E_IO).  JSON-lines files have no
 * header: the keys of the dataset's first records stand for one
 * (jsonsample.h), and a column whose first step none of them has is the
 * same BS_E_CONFIG error `check` gives, at the mapping's line (a key
 * missing from one record is still null, never an error).  A file that
 * is not a regular file (a FIFO) can be read only once: it is opened and
 * held in heads (heads.h) with the bytes its head took (for JSON lines,
 * the sampled records, as far as REPLAY_HEAD_MAX bytes), so that the
 * export reads it from its first byte.  Such a file read by more than
 * one chosen mapping is a BS_E_CONFIG error naming it and them: the first
 * would read it to its end, and the next wait for ever for a writer.
 */
#ifndef PRECHECK_H
#define PRECHECK_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;
struct heads;
struct mapset;

/* 0 when every chosen mapping (objects NULL: all) can be read; the files
 * that can be read once are then in heads, for the export (pipe_opts).
 * Else -1:
 * every error found but one goes to errs (when not NULL), and err is the
 * last, a mapping mistake (BS_E_CONFIG, exit 3) if there is any, so the
 * exit code is that of `check`. */
int export_precheck(const struct config *cfg, const struct mapset *maps,
		    const char *const *objects, size_t nobjects,
		    struct heads *heads, struct bs_errlist *errs,
		    struct bs_err *err);

#endif
