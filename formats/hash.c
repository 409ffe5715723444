/* hash.c - MurmurHash64A (Austin Appleby's public-domain algorithm). */
#include "hash.h"

#include <string.h>

uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * m), k;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&k, p + i, 8);
		k *= m;
		k ^= k >> 47;
		k *= m;
		h ^= k;
		h *= m;
	}
	if (len & 7) {
		k = 0;
		memcpy(&k, p + i, len & 7);   /* little-endian tail */
		h ^= k;
		h *= m;
	}
	h ^= h >> 47;
	h *= m;
	h ^= h >> 47;
	return h;
}
