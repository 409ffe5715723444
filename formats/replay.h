/*
 * replay.h - a file that can be read only once (a FIFO, a pipe: anything
 * but a regular file), opened once, whose head can be looked at and then
 * read again from its first byte.
 *
 * replay_peek hands out a stream over the file that keeps every byte it
 * takes from the file (at most REPLAY_HEAD_MAX of them), so that a reader
 * can look at the head (a CSV header, the first JSON-lines records) and
 * close the stream; another peek starts from the first byte again.
 * replay_finish hands out the stream the file is read through at last:
 * the kept bytes, then the rest of the file, exactly as if nothing had
 * been looked at; what it hands out is not kept (memory stays flat).
 * Reading the file waits for its writer as reading a FIFO does, looking at
 * a stop flag (a SIGINT/SIGTERM) every REPLAY_STOP_POLL_MS meanwhile: once
 * it is set the read fails (EINTR), however silent the writer.
 *
 *     struct replay *r = replay_open(path, &e);
 *     FILE *f = replay_peek(r, &e);  ... read the head ...  fclose(f);
 *     f = replay_finish(r, &e);      ... read everything ... fclose(f);
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <signal.h>
#include <stdio.h>

#include "bs_err.h"

/* How often a read waiting for the writer looks at the stop flag. */
#define REPLAY_STOP_POLL_MS 100

/* The most bytes a peek keeps: past them its reads fail (EFBIG). */
#define REPLAY_HEAD_MAX ((size_t)8 << 20)

struct replay;

/* Opens path for reading: BS_E_IO naming it when it cannot be opened.
 * stop (borrowed, may be NULL): reads fail once it is non-zero. */
struct replay *replay_open(const char *path,
			   const volatile sig_atomic_t *stop,
			   struct bs_err *err);

/* A stream from the file's first byte that keeps what it reads; fclose it
 * before the next peek or the finish.  NULL (BS_E_NOMEM) when out of
 * memory. */
FILE *replay_peek(struct replay *r, struct bs_err *err);

/* 1 when a peek wanted more than REPLAY_HEAD_MAX bytes (its read failed
 * there): the head it saw is not the whole file. */
int replay_full(const struct replay *r);

/* The stream of the whole file.  It owns r from now on (fclose frees r
 * and closes the file); on failure (NULL, BS_E_NOMEM) r is freed too. */
FILE *replay_finish(struct replay *r, struct bs_err *err);

/* Closes the file and forgets the head; replay_free(NULL) does nothing. */
void replay_free(struct replay *r);

#endif
