/*
 * arena.h - bump allocator for memory that dies all at once.
 *
 * The per-row pipeline allocates from an arena and resets it after each row
 * is written, so nothing is malloc'd per field; mappings use a run-long
 * arena.  arena_reset keeps the first block for reuse, so a steady stream of
 * rows allocates nothing.  Memory from an arena is never freed one piece at
 * a time.  The struct is the caller's; arena_release frees its blocks.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;   /* newest block first */
	size_t block_size;          /* size of ordinary blocks */
	size_t used_total;          /* bytes handed out since the last reset */
};

void arena_init(struct arena *a, size_t block_size);
void arena_release(struct arena *a);
/* Forgets every allocation; keeps one block. */
void arena_reset(struct arena *a);
/* n bytes aligned for any type; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy of s[0..n) with a NUL after it. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
