/*
 * hash.h - a fast 64-bit hash of bytes (MurmurHash64A), seeded.  Two hashes
 * with different seeds make the 128-bit fingerprints of staged keys
 * (etl/stage.c) and of synced records (etl/state.c).  Not for security.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED_A 0x9E3779B97F4A7C15ULL
#define HASH_SEED_B 0xD1B54A32D192ED03ULL

uint64_t hash64(const void *data, size_t len, uint64_t seed);

#endif
