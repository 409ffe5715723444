/*
 * heads.h - the source files that can be read only once (a FIFO, a pipe:
 * anything but a regular file), each opened by the check before reading
 * (precheck.h) to read its header, and held open with the bytes read of
 * it (formats/replay.h), so that the export reads it from its first byte:
 * the same rows, and the same bulk files, as from a regular file.
 *
 * A file is held by its path.  Every file is opened in the order the
 * check comes to it, before any of them is read further than its head:
 * each needs its writer at the same time.
 */
#ifndef HEADS_H
#define HEADS_H

#include "formats/bs_err.h"
#include "formats/replay.h"

struct heads;

/* NULL when out of memory; heads_free closes every file still held and
 * does nothing with NULL.  stop (borrowed, may be NULL): the files' reads
 * fail once it is set (replay_open). */
struct heads *heads_new(const volatile sig_atomic_t *stop);
void heads_free(struct heads *h);

/* 1 when path is there and not a regular file: it can be read once. */
int heads_once(const char *path);

/* The file at path as held, or opened now and held (borrowed: h keeps
 * it).  NULL with err when it cannot be opened. */
struct replay *heads_get(struct heads *h, const char *path,
			 struct bs_err *err);

/* Hands the file at path over to the caller (replay_finish or
 * replay_free it); NULL when h holds none (h may be NULL). */
struct replay *heads_take(struct heads *h, const char *path);

#endif
