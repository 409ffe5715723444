/* rate.c - elapsed time, rates and ETAs (see rate.h). */
#include "rate.h"

#include <stdio.h>

/* Weight of the newest sample in the moving average. */
#define RATE_ALPHA 0.3

void rate_init(struct rate *r, unsigned long long now_ms)
{
	r->start_ms = r->last_ms = r->now_ms = now_ms;
	r->last_done = r->done = 0;
	r->per_ms = -1;
}

void rate_update(struct rate *r, unsigned long long done,
		 unsigned long long now_ms)
{
	double sample;

	if (now_ms < r->now_ms)
		now_ms = r->now_ms;
	if (done < r->done)
		done = r->done;
	r->now_ms = now_ms;
	r->done = done;
	if (now_ms - r->last_ms < RATE_SAMPLE_MS)
		return;
	sample = (double)(done - r->last_done) / (double)(now_ms - r->last_ms);
	r->per_ms = r->per_ms < 0 ? sample :
		    RATE_ALPHA * sample + (1 - RATE_ALPHA) * r->per_ms;
	r->last_ms = now_ms;
	r->last_done = done;
}

unsigned long long rate_elapsed_ms(const struct rate *r)
{
	return r->now_ms - r->start_ms;
}

double rate_per_s(const struct rate *r)
{
	unsigned long long t = r->now_ms - r->start_ms;

	if (r->per_ms >= 0)
		return r->per_ms * 1000;
	return t ? (double)r->done * 1000 / (double)t : 0;
}

long long rate_eta_s(const struct rate *r, unsigned long long total)
{
	double per_s = rate_per_s(r);

	if (!total)
		return -1;
	if (r->done >= total)
		return 0;
	if (per_s <= 0)
		return -1;
	return (long long)((double)(total - r->done) / per_s + 0.5);
}

long long rate_eta_steady(unsigned long long elapsed_ms,
			  unsigned long long done, unsigned long long total)
{
	if (!total)
		return -1;
	if (done >= total)
		return 0;
	if (!done)
		return -1;
	return (long long)((double)elapsed_ms * (double)(total - done) /
			   (double)done / 1000 + 0.5);
}

void rate_format_duration(char *buf, size_t size, long long s)
{
	if (s < 0)
		snprintf(buf, size, "?");
	else if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s / 60 % 60);
}

void rate_format_count(char *buf, size_t size, double n)
{
	if (n < 1000)
		snprintf(buf, size, "%.0f", n);
	else if (n < 1e6)
		snprintf(buf, size, "%.1fk", n / 1e3);
	else
		snprintf(buf, size, "%.2fM", n / 1e6);
}
