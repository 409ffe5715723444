/* test_msort.c - the interruptible sort: the order qsort gives, for
 * pointers and larger items, across chunk and merge boundaries; a stop
 * leaves every item in place once. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "export/msort.h"

struct item {
	uint64_t key, seq, pad;
};

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* n items with few distinct keys (ties broken by seq), sorted by msort and
 * by qsort: the same bytes. */
static void check_size(size_t n)
{
	struct item *a = malloc((n ? n : 1) * sizeof(*a));
	struct item *b = malloc((n ? n : 1) * sizeof(*b));
	volatile sig_atomic_t stop = 0;
	uint64_t s = n;
	size_t i;

	REQUIRE(a && b);
	for (i = 0; i < n; i++) {
		a[i].key = next_rand(&s) % 1000;
		a[i].seq = i;
		a[i].pad = next_rand(&s);
	}
	memcpy(b, a, n * sizeof(*a));
	CHECK_INT(msort(a, n, sizeof(*a), item_cmp, &stop), 0);
	qsort(b, n, sizeof(*b), item_cmp);
	CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
	free(a);
	free(b);
}

static void test_items(void)
{
	check_size(0);
	check_size(1);
	check_size(MSORT_CHUNK - 1);
	check_size(MSORT_CHUNK + 1);
	check_size(3 * MSORT_CHUNK);       /* an odd number of runs */
	check_size(5 * MSORT_CHUNK + 7);
}

static void test_pointer_sized(void)
{
	size_t n = 4 * MSORT_CHUNK + 3, i;
	uint64_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b)), s = 7;
	volatile sig_atomic_t stop = 0;

	REQUIRE(a && b);
	for (i = 0; i < n; i++)
		a[i] = next_rand(&s);
	memcpy(b, a, n * sizeof(*a));
	CHECK_INT(msort(a, n, sizeof(*a), u64_cmp, &stop), 0);
	qsort(b, n, sizeof(*b), u64_cmp);
	CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
	CHECK_INT(msort(a, n, sizeof(*a), u64_cmp, NULL), 0);   /* no flag */
	CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
	free(a);
	free(b);
}

/* A comparison that sets the stop flag at its stop_at-th call (test code:
 * a global is how a comparison can reach it). */
static volatile sig_atomic_t merge_stop;
static unsigned long calls, stop_at;

static int stopping_cmp(const void *a, const void *b)
{
	if (++calls == stop_at)
		merge_stop = 1;
	return u64_cmp(a, b);
}

/* Told to stop during a merge pass: 1 soon after, every item there. */
static void test_stop_in_merge(void)
{
	size_t n = 8 * MSORT_CHUNK, i;
	uint64_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b)), s = 5;

	REQUIRE(a && b);
	for (i = 0; i < n; i++)
		a[i] = next_rand(&s);
	memcpy(b, a, n * sizeof(*a));
	calls = 0;
	stop_at = 8 * 16 * MSORT_CHUNK;   /* past the chunks' sorts (about
					     14 comparisons an item) */
	CHECK_INT(msort(a, n, sizeof(*a), stopping_cmp, &merge_stop), 1);
	CHECK(calls < stop_at + 2 * MSORT_CHUNK);   /* it stopped soon */
	qsort(a, n, sizeof(*a), u64_cmp);
	qsort(b, n, sizeof(*b), u64_cmp);
	CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
	free(a);
	free(b);
}

/* Told to stop: 1, and the items are all there (a permutation). */
static void test_stop(void)
{
	size_t n = 6 * MSORT_CHUNK, i;
	uint64_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b)), s = 3;
	volatile sig_atomic_t stop = 1;

	REQUIRE(a && b);
	for (i = 0; i < n; i++)
		a[i] = next_rand(&s);
	memcpy(b, a, n * sizeof(*a));
	CHECK_INT(msort(a, n, sizeof(*a), u64_cmp, &stop), 1);
	qsort(a, n, sizeof(*a), u64_cmp);
	qsort(b, n, sizeof(*b), u64_cmp);
	CHECK(memcmp(a, b, n * sizeof(*a)) == 0);
	CHECK_INT(msort(a, 10, sizeof(*a), u64_cmp, &stop), 1);  /* small */
	free(a);
	free(b);
}

int main(void)
{
	RUN(test_items);
	RUN(test_pointer_sized);
	RUN(test_stop);
	RUN(test_stop_in_merge);
	return tap_done();
}
