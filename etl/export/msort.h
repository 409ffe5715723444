/*
 * msort.h - a sort that a SIGINT/SIGTERM can interrupt: qsort over chunks
 * of MSORT_CHUNK items, then merge passes, looking at the stop flag after
 * each chunk and every MSORT_CHUNK items merged (well under a millisecond
 * apart), so that the in-memory sort of a large staging batch (stage.c)
 * honours a stop within a second however large the batch.
 *
 * It needs a scratch array as large as the items (malloc'd and freed
 * here); without it the caller falls back to qsort, which cannot be
 * interrupted but sorts all the same.
 */
#ifndef MSORT_H
#define MSORT_H

#include <signal.h>
#include <stddef.h>

#define MSORT_CHUNK ((size_t)16384)

/* Sorts base[0..n) of size-byte items by cmp (a total order: equal items
 * may come out in any order).  0 when sorted; 1 when *stop was seen set
 * (base then holds the same items, in no particular order); -1 when the
 * scratch array could not be had (base untouched).  stop NULL: never
 * interrupted. */
int msort(void *base, size_t n, size_t size,
	  int (*cmp)(const void *, const void *),
	  const volatile sig_atomic_t *stop);

#endif
