/*
 * zsink.h - write one gzip file as a stream, crash-safe, with its stats.
 *
 *     struct zsink *z = zsink_open("out/a.csv.gz", NULL, err);
 *     zsink_write(z, buf, len, err);   ... as often as needed
 *     zsink_close(z, &stats, err);     or zsink_abort(z)
 *
 * The bytes go to "PATH.tmp", renamed to PATH by a successful zsink_close,
 * so PATH never holds a half-written file; with opts.sync the file and its
 * directory are fsync'd first.  The output is one standard gzip member
 * (RFC 1952, no name, mtime 0) that gzip, zcat and every zlib-based client
 * read.
 *
 * Input is compressed in blocks of ZSINK_BLOCK bytes whatever the sizes
 * passed to zsink_write, so the same input always gives the same file,
 * threaded or not.  Memory is fixed: one or two blocks, one output buffer
 * and the codec's state (about 3 MiB at most).
 *
 * Codecs: ISA-L's igzip (levels 0-3, fast; the default) and zlib (levels
 * 1-9, for a smaller file at a slower pace).  docs/performance.md has the
 * measurements behind the default.  With opts.threaded the compression,
 * checksums and writes run on a second thread while the caller fills the
 * next block.
 *
 * A zsink is not shared between threads by its callers.  After an error
 * every call fails with the same error; the caller then calls zsink_abort
 * (or zsink_close, which fails and cleans up the same way).
 */
#ifndef ZSINK_H
#define ZSINK_H

#include <stddef.h>
#include <stdint.h>

#include "bs_err.h"
#include "sha256.h"

#define ZSINK_BLOCK ((size_t)1 << 20)   /* raw bytes compressed at a time */

enum zsink_codec {
	ZSINK_ISAL = 0,  /* ISA-L igzip, levels 0..3 */
	ZSINK_ZLIB       /* zlib deflate, levels 1..9 */
};

#define ZSINK_LEVEL_DEFAULT (-1)   /* the codec's default level */
#define ZSINK_ISAL_LEVEL_DEFAULT 2
#define ZSINK_ZLIB_LEVEL_DEFAULT 6

struct zsink_opts {
	enum zsink_codec codec;
	int level;      /* ZSINK_LEVEL_DEFAULT or a level of the codec */
	int threaded;   /* 1: compress on a second thread */
	int sync;       /* 1: fsync the file and its directory on close */
};

#define ZSINK_OPTS_INIT { ZSINK_ISAL, ZSINK_LEVEL_DEFAULT, 1, 0 }

/* Sets codec and level from "isal", "isal:N", "zlib" or "zlib:N", leaving
 * the other options alone; BS_E_CONFIG on anything else. */
int zsink_opts_parse(struct zsink_opts *o, const char *spec,
		     struct bs_err *err);

struct zsink_stats {
	unsigned long long raw_bytes;   /* bytes given to zsink_write */
	unsigned long long gz_bytes;    /* size of the gzip file */
	uint32_t crc32;                 /* CRC-32 of the raw bytes (gzip's) */
	char sha256[SHA256_HEX_SIZE];   /* of the gzip file's bytes, hex */
};

struct zsink;

/* Creates PATH.tmp (truncating a leftover one).  opts NULL means
 * ZSINK_OPTS_INIT.  A bad level is BS_E_CONFIG, a file error BS_E_IO. */
struct zsink *zsink_open(const char *path, const struct zsink_opts *opts,
			 struct bs_err *err);

/* Adds len bytes of raw data. */
int zsink_write(struct zsink *z, const void *buf, size_t len,
		struct bs_err *err);

/* Raw bytes written so far. */
unsigned long long zsink_raw_bytes(const struct zsink *z);

/* Finishes the stream, renames PATH.tmp to PATH and fills *st (may be
 * NULL).  Frees z in every case.  On failure PATH.tmp is removed and PATH
 * is left as it was, except when only the directory fsync after the rename
 * failed (opts.sync): then PATH is complete but maybe not yet on disk. */
int zsink_close(struct zsink *z, struct zsink_stats *st, struct bs_err *err);

/* Stops, removes PATH.tmp and frees z.  NULL is harmless. */
void zsink_abort(struct zsink *z);

#endif
