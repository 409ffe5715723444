/*
 * clock.h - monotonic time and interruptible sleeps for the loader, and
 * the wall-clock time as billsync writes it (state, manifests, logs).
 *
 * Waiting is done in short slices so that a stop request (SIGINT/SIGTERM
 * sets *stop) or a halt flag ends a long poll interval within a fraction of
 * a second.  Nothing here allocates or fails except through *stop.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <signal.h>
#include <stdatomic.h>

/* The time now in UTC as ISO 8601 with milliseconds,
 * "2026-12-05T02:15:03.120Z" (what the state, manifests, traces and JSON
 * log lines record).  Returns buf. */
#define CLOCK_ISO_SIZE 32
char *clock_iso_now(char buf[CLOCK_ISO_SIZE]);

/* Milliseconds on a monotonic clock (arbitrary origin). */
unsigned long long clock_now_ms(void);

/* Sleeps ms milliseconds; returns -1 early when *stop or *halt becomes
 * non-zero (either may be NULL), 0 after the full wait. */
int clock_nap(unsigned long long ms, volatile sig_atomic_t *stop,
	      const atomic_int *halt);

/* A small xorshift random generator for jitter: the state is the
 * caller's, seeded once (a zero seed is replaced). */
unsigned long long clock_rand(unsigned long long *state);

#endif
