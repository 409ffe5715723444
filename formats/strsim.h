/*
 * strsim.h - "did you mean" suggestions for misspelt names.
 */
#ifndef STRSIM_H
#define STRSIM_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute, swap of neighbours), ignoring
 * ASCII case, capped: anything above cap is reported as cap + 1. */
size_t strsim_distance(const char *a, const char *b, size_t cap);

/* The candidate closest to word, or NULL when none is close enough to be a
 * likely misspelling (distance at most 1 for short words, 2 for words of
 * five or more characters, 3 for ten or more).  Failing that, the one
 * candidate word abbreviates (three or more characters, the same first one,
 * all in the candidate in order: "fmt" -> "format"); none when several do. */
const char *strsim_closest(const char *word, const char *const *candidates,
			   size_t n);

#endif
