/*
 * input.h - byte streams over the files of a billing export.
 *
 * An export file is plain, gzipped (.gz; concatenated gzip members are read
 * as one stream), or an archive (.tar, .tar.gz/.tgz, .zip) whose regular
 * members are the data files.  An entry is one readable stream: a plain or
 * gzipped file (member NULL), or one member of an archive.  Its display name
 * is the path, or "ARCHIVE!MEMBER" for a member; errors and rows use it.
 * Reading uses libarchive (plain files, tar, zip) and zlib (gzip, also under
 * a .tar.gz, because libarchive's gzip filter does not check the CRC-32 and
 * length of a member) with fixed-size buffers: memory does not grow with the
 * file.  Damaged data is an error, never wrong bytes: gzip members and zip
 * entries are checked against their CRC-32 (tar has no data checksum), so
 * the end of a .tar.gz member reads the gzip stream to its end; a damaged
 * archive is "corrupt archive", naming the member being read.  A member
 * whose name is absolute or climbs out of the archive ("../x.csv",
 * "d/../../x.csv") is refused: listing or opening the archive fails.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "bs_err.h"

/* Which kind of file a path is, judged by its name. */
enum input_kind {
	INPUT_PLAIN,    /* anything else */
	INPUT_GZIP,     /* NAME.gz (but not .tar.gz) */
	INPUT_ARCHIVE   /* .tar, .tar.gz, .tgz, .zip */
};

enum input_kind input_kind_of(const char *path);

/* Calls fn for every regular-file member of the archive at path, in archive
 * order; a non-zero return from fn stops the walk and is returned.  -1 with
 * err when path is not an archive by its name, cannot be opened (BS_E_IO)
 * or is damaged (BS_E_INPUT). */
int input_list_members(const char *path,
		       int (*fn)(void *ctx, const char *member),
		       void *ctx, struct bs_err *err);

struct input;

/* Opens path (member NULL) or one member of the archive at path.  A plain
 * or gzipped path takes no member; an archive needs one.  Errors: BS_E_IO
 * naming the path when it cannot be opened (missing, unreadable, a
 * directory); BS_E_INPUT when the data is not what the name says (not gzip,
 * not an archive, no such member, a gzipped member inside an archive). */
struct input *input_open(const char *path, const char *member,
			 struct bs_err *err);

/* Like input_open over a stream already open whose bytes are the file at
 * path (a FIFO's, replay.h): path gives the kind and the name.  A plain or
 * gzipped file only (an archive is a BS_E_INPUT error).  The input owns f
 * from now on, and closes it with itself or here on failure. */
struct input *input_open_stream(FILE *f, const char *path,
				struct bs_err *err);

/* An input over the caller's buf[0..len), which must outlive it; name is
 * copied and is what input_name returns.  Each input_read returns at most
 * max_chunk bytes (0 = no limit), so tests can feed a reader at every chunk
 * size.  Fails only when out of memory. */
struct input *input_open_mem(const char *name, const void *buf, size_t len,
			     size_t max_chunk, struct bs_err *err);
/* Reads up to n bytes; returns the count, 0 at the end, -1 on error
 * (BS_E_INPUT for corrupt data, BS_E_IO for the file system). */
ssize_t input_read(struct input *in, void *buf, size_t n, struct bs_err *err);
/* "path" or "archive!member" (the name given to input_open_mem). */
const char *input_name(const struct input *in);
/* Uncompressed bytes read so far. */
unsigned long long input_offset(const struct input *in);
/* Bytes consumed so far of the file on disk: compressed bytes of a .gz or
 * .tar.gz, the position in a .tar or .zip (a member starts where it lies
 * in the archive), the offset for a plain file or input_open_mem.  Against
 * the file's size it is how far reading has got (read ahead by at most a
 * buffer).  Reads a counter: cheap enough to call per row. */
unsigned long long input_position(const struct input *in);
/* Closes the stream; input_free(NULL) does nothing. */
void input_free(struct input *in);

#endif
