/* strsim.c - capped Damerau-Levenshtein distance for did-you-mean hints. */
#include "strsim.h"

#include <string.h>

#define STRSIM_MAX_LEN 64

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t strsim_distance(const char *a, const char *b, size_t cap)
{
	size_t d[3][STRSIM_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2], *t;

	if (la > STRSIM_MAX_LEN || lb > STRSIM_MAX_LEN)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		best = cur[0];
		for (j = 1; j <= lb; j++) {
			size_t cost = lower(a[i - 1]) != lower(b[j - 1]);

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1,
				      prev[j - 1] + cost);
			if (i > 1 && j > 1 &&
			    lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
			if (cur[j] < best)
				best = cur[j];
		}
		if (best > cap)
			return cap + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}

/* 1 when word is an abbreviation of cand: at least three characters, the
 * same first one, all in cand in order (fmt -> format), cand longer. */
static int abbreviates(const char *word, const char *cand)
{
	if (strlen(word) < 3 || strlen(cand) <= strlen(word) ||
	    lower(*word) != lower(*cand))
		return 0;
	for (; *cand && *word; cand++)
		if (lower(*cand) == lower(*word))
			word++;
	return !*word;
}

const char *strsim_closest(const char *word, const char *const *candidates,
			   size_t n)
{
	size_t len = strlen(word), cap, best_d, i, d;
	const char *best = NULL;

	cap = len >= 10 ? 3 : len >= 5 ? 2 : 1;
	best_d = cap + 1;
	for (i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		d = strsim_distance(word, candidates[i], cap);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	if (best)
		return best;
	for (i = 0; i < n; i++) {
		if (!candidates[i] || !abbreviates(word, candidates[i]))
			continue;
		if (best && strcmp(best, candidates[i]))
			return NULL;    /* ambiguous: no hint */
		best = candidates[i];
	}
	return best;
}
