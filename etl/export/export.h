/*
 * export.h - writing the bulk files of a set of mappings: for each object,
 * its dataset through filters and mapping, grouped by parent, with later
 * duplicates winning, into size-capped gzipped CSV files, origin files,
 * rejects and one manifest (docs/bulk-files.md).
 *
 * The manifest (manifest.h) is both what is written to OUT/manifest.json
 * and the report the commands print.  Memory stays flat whatever the input
 * size: rows are staged through stage.h and written through
 * formats/csvsplit.h; where each row came from waits in origin.h's spool
 * until its file is done; rows left out go to rejects.h.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <signal.h>

#include "formats/bs_err.h"
#include "formats/zsink.h"
#include "manifest.h"

struct config;
struct export_unchanged;          /* unchanged.h */
struct mapset;
struct mapping;

/* The range of max_file_bytes: one file is one ingest job, and Salesforce
 * takes at most 150,000,000 bytes of CSV after base64 (4/3 of the raw
 * size) in a job; the default (100,000,000) leaves room for mistakes. */
#define EXPORT_MIN_FILE_BYTES 200ULL
#define EXPORT_MAX_FILE_BYTES 112500000ULL

/* The manifest lists the dropped duplicate rows up to this many. */
#define EXPORT_MAX_DUPLICATES_LISTED 1000

/* Decides, for each row about to be written, whether to write it (1) or to
 * count it as unchanged since it was last synced (0); -1 on error.  key is
 * the record's key, row the encoded CSV record (its content is what the
 * hash of a record is taken over). */
typedef int (*export_keep_fn)(void *ctx, const struct mapping *m,
			      const char *key, size_t key_len,
			      const char *row, size_t row_len,
			      const char *source, unsigned long line,
			      struct bs_err *err);

/* A filter left a row out; key is its key when the mapping could make one
 * (else empty).  -1 on error. */
typedef int (*export_skip_fn)(void *ctx, const struct mapping *m,
			      const char *key, size_t key_len,
			      const char *filter, const char *source,
			      unsigned long line, struct bs_err *err);

/* An object's export under way (export_opts.tick). */
struct export_tick {
	const char *object;
	int writing;                   /* 0: reading the source; 1: writing
					  the bulk files */
	unsigned long long done;       /* rows read, or rows written so far */
	unsigned long long total;      /* writing: the rows to write; reading:
					  0, not known before the end */
	unsigned long long elapsed_ms; /* since this object's phase began */
	/* reading: bytes read of the dataset's files (compressed ones by
	   their compressed size, an archive by its size) of their total,
	   which is 0 when not known (a FIFO); see dataset_progress */
	unsigned long long bytes_done, bytes_total;
};

/* export_opts.tick is called at most this often. */
#define EXPORT_TICK_MS 250

struct export_opts {
	const char *out_dir;
	unsigned long long max_file_bytes;   /* 0: 100,000,000 */
	unsigned long long max_file_rows;    /* 0: no cap */
	struct zsink_opts zsink;
	size_t sort_memory;                  /* bytes; 0: the default */
	const char *temp_dir;                /* NULL: $TMPDIR or /tmp */
	const char *const *objects;          /* NULL: all */
	size_t nobjects;
	export_keep_fn keep;                 /* NULL: write every row */
	const struct export_unchanged *unchanged;  /* NULL: keep decides */
	export_skip_fn skipped;              /* NULL: not told */
	void *keep_ctx;                      /* for keep, unchanged, skipped */
	const char *since, *until;           /* a backfill's date range */
	/* the watermark floor of a mapping with [object] watermark, called
	   with keep_ctx before its rows are read: rows older are counted
	   below_watermark and not read further; NULL (or NULL returned):
	   every row is read */
	const char *(*watermark_floor)(void *ctx, const struct mapping *m);
	const char *watermark_cap;           /* a watermark value after this is
						not kept as the newest (NULL:
						no cap); see pipeline.h */
	/* whether Salesforce holds a record of key, called with keep_ctx
	   for a group whose every row a filter left out: 1 sends it with
	   its emptied totals (pipeline.h, pipe_opts.held); NULL: never */
	int (*held)(void *ctx, const struct mapping *m, const char *key,
		    size_t key_len, struct bs_err *err);
	/* progress: called after each object with its manifest entry */
	void (*progress)(void *ctx, const struct manifest_object *object);
	/* tick: while an object is read and written, at most every
	   EXPORT_TICK_MS (NULL: not called); both with progress_ctx */
	void (*tick)(void *ctx, const struct export_tick *t);
	void *progress_ctx;
	/* set to 1 (by a SIGINT/SIGTERM handler) to stop: the export ends
	   with BS_E_LIMIT "interrupted" and writes no manifest; NULL: never */
	const volatile sig_atomic_t *stop;
	/* every mistake the check before reading finds but the last (which is
	   the error) goes here (precheck.h); NULL: only the last is told */
	struct bs_errlist *errs;
};

/* Fills opts from the [output] section of cfg (out_dir from [output] dir
 * unless already set). */
int export_opts_from_config(struct export_opts *o, const struct config *cfg,
			    struct bs_err *err);

/* Checks that every name in opts->objects is mapped (by object or
 * dataset); a usage error with a hint otherwise. */
int export_check_objects(const struct mapset *maps,
			 const struct export_opts *o, struct bs_err *err);

/* Runs the export; *manifest (the caller's, manifest_free) is set on success
 * and also written to OUT/manifest.json.  An earlier OUT/manifest.json is
 * removed first: after a failed export none describes files that may have
 * been replaced. */
int export_run(const struct config *cfg, const struct mapset *maps,
	       const struct export_opts *o, struct manifest **manifest,
	       struct bs_err *err);

#endif
