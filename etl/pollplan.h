/*
 * pollplan.h - when to ask Salesforce again about a running ingest job.
 *
 * Every poll is one API call against the org's daily allocation, so the
 * wait is chosen from what the job has shown so far instead of a fixed
 * interval:
 *
 *   - before the job shows progress (UploadComplete, or InProgress with
 *     no record processed), the wait starts at min and doubles;
 *   - once numberRecordsProcessed moves, the rate between two polls (or,
 *     after the first, since the job was closed) gives the time the
 *     remaining records need; the wait is that plus a tenth, so that the
 *     next poll usually finds the job finished;
 *   - every wait is kept within [min, max] and is at least the Retry-After
 *     a response asked for.
 *
 * With Salesforce at 5,000 records/s and a 500,000-record file this makes
 * about 5 polls (docs/loading.md works the numbers).  The plan is pure
 * arithmetic on the times and counts given to it, so tests drive it with a
 * simulated clock.
 */
#ifndef POLLPLAN_H
#define POLLPLAN_H

struct pollplan {
	unsigned long long min_ms, max_ms;
	unsigned long long rows;        /* records in the job */
	unsigned long long start_ms;    /* when the job was closed */
	unsigned long long last_ms;     /* time of the last poll with progress */
	unsigned long long last_rows;   /* its numberRecordsProcessed */
	unsigned long long wait_ms;     /* the previous wait */
};

/* Starts a plan for a job of rows records, closed at now_ms. */
void pollplan_init(struct pollplan *p, unsigned long long min_ms,
		   unsigned long long max_ms, unsigned long long rows,
		   unsigned long long now_ms);

/* The wait before the next poll, given the poll just made at now_ms:
 * whether the job showed it is processing (in_progress), how many records
 * it has processed, and the Retry-After of the answer (-1: none). */
unsigned long long pollplan_next(struct pollplan *p, unsigned long long now_ms,
				 int in_progress, unsigned long long processed,
				 long retry_after_s);

#endif
