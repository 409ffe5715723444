/*
 * csvsplit.h - one object's records as a set of size-capped CSV.gz files.
 *
 *     s = csvsplit_new("out/OrbInvoice__c", "OrbInvoice__c", hdr, hdr_len,
 *                      &opts, err);
 *     csvsplit_add(s, &row, err);          per record
 *     csvsplit_close(s, err);
 *
 * Files are DIR/BASENAME-0001.csv.gz, -0002, ... (the directory must
 * exist).  Each starts with the header (given encoded, ending in LF) and
 * holds whole records (each an encoded CSV record ending in LF, see
 * csvw.h).  No file is bigger than opts.max_bytes of raw CSV, header
 * included, nor holds more than opts.max_rows records when that is set.  A
 * set that is given no record writes no file.
 *
 * Side files (opts.side_suffix set): each file gets a companion
 * DIR/BASENAME-NNNN<side_suffix>, gzipped too, that starts with
 * opts.side_header and then holds each record's side line (row.side), in
 * the same order, so line k+1 of the side file belongs to record k of the
 * bulk file: e.g. where each record came from.  Side bytes do not count
 * against the caps.
 *
 * Groups: the caller marks the first record of each group (the children of
 * one parent) with starts_group.  A group is kept whole in one file: the
 * set holds a group back (up to CSVSPLIT_GROUP_BUF bytes) until the next
 * group starts, then puts it in the current file if it fits or in a new one.
 * Fallbacks, both reported through csvsplit_file.split_group:
 *   - a group bigger than a file can take is split between files at record
 *     boundaries (it starts in the current file and fills files in order);
 *   - a group that outgrows the hold-back buffer (but could still fit one
 *     file) starts a new file and goes on there, split only if it outgrows
 *     the file too.
 * A record that with the header is bigger than max_bytes cannot go in any
 * file: csvsplit_add fails with BS_E_ROW and the set goes on as if the
 * record had not been given.
 *
 * Each finished file (with its side file) is reported once to opts.on_file,
 * after both are renamed to their final names.  The output depends only on
 * the records, their group marks and the options, so the same input gives
 * byte-identical files.  Memory: the hold-back buffers and one or two
 * zsinks (see zsink.h).
 *
 * After any other error the set is broken: the caller calls csvsplit_abort,
 * which removes the files being written; files already reported stay.
 */
#ifndef CSVSPLIT_H
#define CSVSPLIT_H

#include <stddef.h>

#include "bs_err.h"
#include "zsink.h"

#define CSVSPLIT_MAX_BYTES_DEFAULT 100000000ULL  /* Bulk API 2.0 upload cap */
#define CSVSPLIT_GROUP_BUF ((size_t)8 << 20)      /* group bytes held back */
#define CSVSPLIT_GROUP_ROWS ((size_t)1 << 16)     /* group records held back */

/* One finished file; the strings are valid during the on_file call only. */
struct csvsplit_file {
	const char *name;                /* "BASENAME-NNNN.csv.gz" */
	const char *path;                /* "DIR/NAME" */
	unsigned number;                 /* NNNN: 1, 2, ... */
	unsigned long long rows;         /* records, the header not counted */
	unsigned long long first_seq;    /* seq of its first record */
	unsigned long long last_seq;     /* seq of its last record */
	int split_group;                 /* a group runs over its start or end */
	struct zsink_stats z;            /* raw (header included) and gzip
					    bytes, crc32, sha256 */
	const char *side_name;           /* "BASENAME-NNNN<side_suffix>", or
					    NULL without side files */
	const char *side_path;
	struct zsink_stats side_z;
};

typedef int (*csvsplit_file_fn)(void *ctx, const struct csvsplit_file *f,
				struct bs_err *err);

struct csvsplit_opts {
	unsigned long long max_bytes;  /* raw bytes per file; 0 = the default */
	unsigned long long max_rows;   /* records per file; 0 = no cap */
	struct zsink_opts zsink;       /* compression */
	csvsplit_file_fn on_file;      /* may be NULL; an error it returns
					  becomes the caller's error */
	void *ctx;                     /* passed to on_file */
	const char *side_suffix;       /* e.g. ".origin.csv.gz"; NULL: none */
	const char *side_header;       /* first line of each side file, ending
					  in LF (copied) */
	size_t side_header_len;
	int side_level;                /* the side files' compression level;
					  ZSINK_LEVEL_DEFAULT: zsink.level */
};

#define CSVSPLIT_OPTS_INIT \
	{ CSVSPLIT_MAX_BYTES_DEFAULT, 0, ZSINK_OPTS_INIT, NULL, NULL, NULL, \
	  NULL, 0, ZSINK_LEVEL_DEFAULT }

/* One record to add. */
struct csvsplit_row {
	const char *rec;               /* encoded CSV record ending in LF */
	size_t len;
	const char *side;              /* its side line ending in LF; only with
					  side files */
	size_t side_len;
	unsigned long long seq;        /* the caller's number for it (e.g. its
					  position in the dataset), reported
					  back as first/last_seq */
	int starts_group;              /* first record of a group */
};

struct csvsplit;

/* header[0..header_len) is copied; it must end in LF and leave room for a
 * record under max_bytes; a side header must end in LF (BS_E_CONFIG
 * otherwise).  opts NULL means CSVSPLIT_OPTS_INIT. */
struct csvsplit *csvsplit_new(const char *dir, const char *basename,
			      const char *header, size_t header_len,
			      const struct csvsplit_opts *opts,
			      struct bs_err *err);

/* Adds one record (see struct csvsplit_row); nothing in row is kept. */
int csvsplit_add(struct csvsplit *s, const struct csvsplit_row *row,
		 struct bs_err *err);

/* Writes what is held back, finishes the last file and frees s. */
int csvsplit_close(struct csvsplit *s, struct bs_err *err);

/* Removes the file being written and its side file (not the finished
 * ones) and frees s.
 * NULL is harmless. */
void csvsplit_abort(struct csvsplit *s);

#endif
