/*
 * bundle.h - pack files into one .tar, .tar.gz or .zip archive.
 *
 * bundle_write streams each file's bytes into the archive through a fixed
 * buffer.  The result is deterministic: members are sorted by name (byte
 * order), every member is a regular file with mode 0644, uid and gid 0, no
 * user or group name and the given mtime, and the .tar.gz wrapper has no
 * timestamp.  The format follows the archive's name: ".tar" (POSIX pax,
 * ustar headers where they suffice), ".tar.gz" or ".tgz", ".zip" (members
 * whose names end in ".gz" are stored, the others deflated).
 *
 * The archive is written to ARCHIVE.tmp and renamed at the end, so ARCHIVE
 * is either complete or as it was.  Member names must be relative, without
 * "." or ".." components, and unique.
 */
#ifndef BUNDLE_H
#define BUNDLE_H

#include <stddef.h>

#include "bs_err.h"

struct bundle_entry {
	const char *path;   /* the file on disk */
	const char *name;   /* its name in the archive, e.g. "Obj/Obj-0001.csv.gz" */
};

/* Which archive format a file name asks for: 1 if it is one bundle_write
 * can write (".tar", ".tar.gz", ".tgz", ".zip"), else 0. */
int bundle_supported(const char *archive);

/* Writes the n entries (in any order) into archive; mtime is the seconds
 * since the epoch stamped on every member.  Unsupported name or bad member
 * name: BS_E_USAGE; file errors: BS_E_IO. */
int bundle_write(const char *archive, const struct bundle_entry *entries,
		 size_t n, long long mtime, struct bs_err *err);

#endif
