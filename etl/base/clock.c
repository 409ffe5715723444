/* clock.c - monotonic time and sleeps that a stop request cuts short. */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#define NAP_SLICE_MS 100ULL

char *clock_iso_now(char buf[CLOCK_ISO_SIZE])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, CLOCK_ISO_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, CLOCK_ISO_SIZE - n, ".%03dZ",
		 (int)(ts.tv_nsec / 1000000));
	return buf;
}

unsigned long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL +
	       (unsigned long long)ts.tv_nsec / 1000000ULL;
}

static int stopped(volatile sig_atomic_t *stop, const atomic_int *halt)
{
	return (stop && *stop) || (halt && atomic_load(halt));
}

int clock_nap(unsigned long long ms, volatile sig_atomic_t *stop,
	      const atomic_int *halt)
{
	unsigned long long end = clock_now_ms() + ms, now;

	while (!stopped(stop, halt)) {
		struct timespec ts;
		unsigned long long slice;

		now = clock_now_ms();
		if (now >= end)
			return 0;
		slice = end - now < NAP_SLICE_MS ? end - now : NAP_SLICE_MS;
		ts.tv_sec = (time_t)(slice / 1000);
		ts.tv_nsec = (long)(slice % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR &&
		       !stopped(stop, halt))
			;
	}
	return -1;
}

unsigned long long clock_rand(unsigned long long *state)
{
	unsigned long long x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}
