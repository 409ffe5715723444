/*
 * rate.h - elapsed time, a rate and an ETA for progress displays.
 *
 *     struct rate r;
 *     rate_init(&r, clock_now_ms());
 *     rate_update(&r, rows_done, clock_now_ms());      as often as wanted
 *     rate_per_s(&r)                                   rows per second
 *     rate_eta_s(&r, rows_total)                       seconds left, or -1
 *
 * The rate is an exponential moving average over samples at least
 * RATE_SAMPLE_MS apart, so it follows a load that speeds up or slows down
 * without jumping at every sample; before the first sample it is the
 * average since the start.  Nothing here reads a clock: times are given.
 */
#ifndef RATE_H
#define RATE_H

#include <stddef.h>

#define RATE_SAMPLE_MS 500

struct rate {
	unsigned long long start_ms, last_ms, now_ms;
	unsigned long long last_done, done;
	double per_ms;        /* smoothed; < 0 until the first sample */
};

void rate_init(struct rate *r, unsigned long long now_ms);
/* done: the count so far (never less than before). */
void rate_update(struct rate *r, unsigned long long done,
		 unsigned long long now_ms);
/* Milliseconds since rate_init, as of the last update. */
unsigned long long rate_elapsed_ms(const struct rate *r);
/* Per second; 0 while nothing is done. */
double rate_per_s(const struct rate *r);
/* Seconds until done reaches total at the current rate; -1 when unknown
 * (no rate yet, or no total). */
long long rate_eta_s(const struct rate *r, unsigned long long total);

/* Seconds until done reaches total when done took elapsed_ms at a steady
 * pace (no struct rate: for a caller that only knows the phase's start);
 * 0 once done reaches total, -1 when unknown (no total, nothing done). */
long long rate_eta_steady(unsigned long long elapsed_ms,
			  unsigned long long done, unsigned long long total);

/* "42s", "3m05s", "2h07m" into buf; "?" for a negative time. */
void rate_format_duration(char *buf, size_t size, long long secs);
/* "950", "12.3k", "4.56M" into buf. */
void rate_format_count(char *buf, size_t size, double n);

#endif
