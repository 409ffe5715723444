/* test_backoff.c - the wait before a retry (sf_backoff_ms, sf_api.h): it
 * doubles from the first wait, stops at the cap, takes a random point in
 * the upper half of the step, and never undercuts Retry-After. */
#include "tap.h"
#include "sf/sf_api.h"

#define FIRST 1000ULL
#define CAP 60000ULL
#define DRAWS 2000

/* The smallest and largest of DRAWS waits for one attempt. */
static void range(unsigned attempt, long retry_after_s,
		  unsigned long long *lo, unsigned long long *hi)
{
	unsigned long long rand = 12345, d;
	int i;

	*lo = ~0ULL;
	*hi = 0;
	for (i = 0; i < DRAWS; i++) {
		d = sf_backoff_ms(FIRST, CAP, attempt, retry_after_s, &rand);
		if (d < *lo)
			*lo = d;
		if (d > *hi)
			*hi = d;
	}
}

static void test_doubles_with_jitter_in_the_upper_half(void)
{
	unsigned long long lo, hi, step = FIRST;
	unsigned a;

	for (a = 0; a < 6; a++, step *= 2) {
		range(a, -1, &lo, &hi);
		/* within [step/2, step], and spread over most of it */
		CHECK(lo >= step / 2);
		CHECK(hi <= step);
		CHECK(lo < step / 2 + step / 10);
		CHECK(hi > step - step / 10);
	}
}

static void test_capped(void)
{
	unsigned long long lo, hi;
	unsigned a;

	for (a = 6; a < 40; a += 3) {     /* 64 s and more: the cap */
		range(a, -1, &lo, &hi);
		CHECK(lo >= CAP / 2);
		CHECK(hi <= CAP);
	}
	range(1000, -1, &lo, &hi);            /* no overflow far out */
	CHECK(lo >= CAP / 2 && hi <= CAP);
}

static void test_not_the_same_wait_twice(void)
{
	unsigned long long a = 1, b = 2, x, y;
	int i, same = 0;

	/* two workers with different seeds do not retry in step */
	for (i = 0; i < 50; i++) {
		x = sf_backoff_ms(FIRST, CAP, 3, -1, &a);
		y = sf_backoff_ms(FIRST, CAP, 3, -1, &b);
		same += x == y;
	}
	CHECK(same < 5);
}

static void test_retry_after_is_a_floor(void)
{
	unsigned long long lo, hi;

	range(0, 3, &lo, &hi);                /* 0.5-1 s of back-off, 3 s asked */
	CHECK_INT(lo, 3000);
	CHECK_INT(hi, 3000);
	range(5, 3, &lo, &hi);                /* 16-32 s of back-off: longer */
	CHECK(lo >= 16000);
	CHECK(hi <= 32000);
	range(0, 0, &lo, &hi);                /* 0 and -1 ask for nothing */
	CHECK(lo >= FIRST / 2 && hi <= FIRST);
	range(0, 86400, &lo, &hi);            /* at most 15 minutes */
	CHECK_INT(lo, 15ULL * 60 * 1000);
	CHECK_INT(hi, 15ULL * 60 * 1000);
}

static void test_defaults(void)
{
	unsigned long long rand = 7, d;

	d = sf_backoff_ms(0, 0, 0, -1, &rand);         /* first 0: 1 ms */
	CHECK(d <= 1);
	d = sf_backoff_ms(FIRST, 0, 100, -1, &rand);   /* cap 0: 60 s */
	CHECK(d >= 30000 && d <= 60000);
	d = sf_backoff_ms(20, CAP, 0, -1, &rand);      /* the tests' 0.02 s */
	CHECK(d >= 10 && d <= 20);
}

int main(void)
{
	RUN(test_doubles_with_jitter_in_the_upper_half);
	RUN(test_capped);
	RUN(test_not_the_same_wait_twice);
	RUN(test_retry_after_is_a_floor);
	RUN(test_defaults);
	return tap_done();
}
