/* pollplan.c - adaptive waits between polls of an ingest job, and the
 * org's pace that times the first one (see pollplan.h). */
#include "pollplan.h"

void pollplan_init(struct pollplan *p, unsigned long long min_ms,
		   unsigned long long max_ms, unsigned long long rows,
		   unsigned long long now_ms)
{
	p->min_ms = min_ms ? min_ms : 1;
	p->max_ms = max_ms > p->min_ms ? max_ms : p->min_ms;
	p->rows = rows;
	p->start_ms = p->last_ms = now_ms;
	p->last_rows = 0;
	p->wait_ms = 0;
}

static unsigned long long clamp(const struct pollplan *p, unsigned long long v)
{
	return v < p->min_ms ? p->min_ms : v > p->max_ms ? p->max_ms : v;
}

unsigned long long pollplan_next(struct pollplan *p, unsigned long long now_ms,
				 int in_progress, unsigned long long processed,
				 long retry_after_s)
{
	unsigned long long wait;

	if (in_progress && processed > p->last_rows && now_ms > p->last_ms &&
	    processed < p->rows) {
		/* records per ms since the last progress, as a ratio */
		unsigned long long done = processed - p->last_rows;
		unsigned long long spent = now_ms - p->last_ms;
		unsigned long long left = p->rows - processed;

		wait = left * spent / done;
		wait += wait / 10;
		p->last_ms = now_ms;
		p->last_rows = processed;
		wait = clamp(p, wait);
	} else if (in_progress && processed >= p->rows && p->rows) {
		wait = p->min_ms;           /* finishing: look again soon */
	} else {
		wait = p->wait_ms ? p->wait_ms * 2 : p->min_ms;
		wait = clamp(p, wait);
	}
	if (retry_after_s > 0 &&
	    wait < (unsigned long long)retry_after_s * 1000ULL)
		wait = (unsigned long long)retry_after_s * 1000ULL;
	p->wait_ms = wait;
	return wait;
}

/* Sums beyond this are halved (both, so the pace stays): a run would
 * need decades of processing time to get there. */
#define PACE_CAP (1ULL << 50)

unsigned long long pollpace_first_wait(const struct pollpace *pace,
				       unsigned long long rows,
				       unsigned long long min_ms,
				       unsigned long long max_ms)
{
	double wait;

	if (!min_ms)
		min_ms = 1;
	if (max_ms < min_ms)
		max_ms = min_ms;
	if (!pace->rows)
		return min_ms;
	/* in double: rows times milliseconds may not fit 64 bits */
	wait = (double)rows * (double)pace->ms / (double)pace->rows * 1.1;
	if (wait <= (double)min_ms)
		return min_ms;
	if (wait >= (double)max_ms)
		return max_ms;
	return (unsigned long long)wait;
}

void pollpace_learn(struct pollpace *pace, const struct pollplan *p,
		    unsigned long long processed,
		    unsigned long long processing_ms)
{
	unsigned long long rows, ms;

	if (processing_ms && processed) {
		rows = processed;              /* Salesforce's own account */
		ms = processing_ms;
	} else if (p->last_rows && p->last_ms > p->start_ms) {
		rows = p->last_rows;           /* running when last looked at */
		ms = p->last_ms - p->start_ms;
	} else {
		return;                        /* only seen after it ended */
	}
	if (rows > PACE_CAP || ms > PACE_CAP)
		return;                        /* not a believable sample */
	while (pace->rows + rows > PACE_CAP || pace->ms + ms > PACE_CAP) {
		pace->rows /= 2;
		pace->ms /= 2;
	}
	pace->rows += rows;
	pace->ms += ms;
}
