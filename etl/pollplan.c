/* pollplan.c - adaptive waits between polls of an ingest job (see
 * pollplan.h). */
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
