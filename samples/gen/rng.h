/*
 * rng.h - billsync-gen's pseudo-random numbers: xoshiro256** seeded by
 * splitmix64, so a seed gives the same numbers on every machine.
 *
 * struct rng is a value (four words, no allocation): its owner embeds it
 * and passes it by pointer; each draw advances it.
 */
#ifndef GEN_RNG_H
#define GEN_RNG_H

#include <stdint.h>

#define PPM 1000000u                  /* rates are in parts per million */

struct rng {
	uint64_t s[4];
};

/* splitmix64's finaliser: a bijection of 64-bit words. */
uint64_t mix64(uint64_t z);

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* 0 to n - 1 (0 when n is 0). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* lo to hi, both included. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);
/* 1 with probability ppm / PPM. */
int rng_ppm(struct rng *r, unsigned ppm);
/* An index 0 to n - 1, each with its weight's share of w's sum. */
unsigned rng_weighted(struct rng *r, const unsigned *w, unsigned n);

/* One element of array arr (a real array, not a pointer). */
#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

#endif
