/*
 * gunzip.h - decompresses a gzip file, checking every member.
 *
 * libarchive's gzip filter does not check the CRC-32 and length at the end
 * of each member, so a damaged .gz would read as wrong data without an
 * error.  This reader, on zlib, checks both, reads concatenated members as
 * one stream, and refuses data that is not gzip, ends early, or has bytes
 * after the last member.  Memory is two fixed buffers and zlib's window.
 */
#ifndef GUNZIP_H
#define GUNZIP_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "bs_err.h"

struct gunzip;

/* Opens the file at path; BS_E_IO naming it when it cannot be opened.
 * name is what errors name (the display name of the entry). */
struct gunzip *gunzip_open(const char *path, const char *name,
			   struct bs_err *err);
/* The same over a stream already open (replay.h), which it owns from now
 * on, also on failure (NULL, BS_E_NOMEM). */
struct gunzip *gunzip_open_stream(FILE *f, const char *name,
				  struct bs_err *err);

/* Reads up to n uncompressed bytes: the count, 0 at the end, -1 on error
 * (BS_E_INPUT for bad data, BS_E_IO for the file system).  An error stays:
 * later calls fail again. */
ssize_t gunzip_read(struct gunzip *g, void *buf, size_t n, struct bs_err *err);

/* Compressed bytes consumed from the file so far (what zlib took, not
 * what is read ahead): a progress position against the file's size.
 * Reads a counter. */
unsigned long long gunzip_position(const struct gunzip *g);

/* Closes the file; gunzip_free(NULL) does nothing. */
void gunzip_free(struct gunzip *g);

#endif
