/*
 * pollplan.h - when to ask Salesforce again about a running ingest job.
 *
 * Every poll is one API call against the org's daily allocation, so the
 * wait is chosen from what the job has shown so far instead of a fixed
 * interval:
 *
 *   - the first look comes when the org's pace (struct pollpace, learned
 *     from the jobs that ended earlier in the run) says a job of this size
 *     ends, plus a tenth; min when nothing is known yet;
 *   - before the job shows progress (UploadComplete, or InProgress with
 *     no record processed), the wait starts at min and doubles;
 *   - once numberRecordsProcessed moves, the rate between two polls (or,
 *     after the first, since the job was closed) gives the time the
 *     remaining records need; the wait is that plus a tenth, so that the
 *     next poll usually finds the job finished;
 *   - every wait is kept within [min, max] and is at least the Retry-After
 *     a response asked for.
 *
 * The pace is learned only from time Salesforce spent on a job: the job's
 * own totalProcessingTime, or, without it, the time from the close to the
 * last poll that still found the job running.  Never from a poll that
 * found the job already ended: how late billsync looked says nothing about
 * Salesforce, and learning from it would make each late look later still.
 *
 * With Salesforce at 5,000 records/s and a 500,000-record file this makes
 * about 5 polls for the first job of a run and one or two once the pace is
 * known (docs/loading.md works the numbers).  Everything here is pure
 * arithmetic on the times and counts given to it, so tests drive it with a
 * simulated clock.
 */
#ifndef POLLPLAN_H
#define POLLPLAN_H

struct pollplan {
	unsigned long long min_ms, max_ms;
	unsigned long long rows;        /* records in the job */
	unsigned long long start_ms;    /* when the job was closed */
	unsigned long long last_ms;     /* time of the last poll with progress
					   that found the job still running */
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

/* The org's pace: records, and the milliseconds Salesforce spent on them,
 * summed over the jobs that taught something.  Zero-initialise. */
struct pollpace {
	unsigned long long rows, ms;
};

/* The wait before the first poll of a job of rows records: what the pace
 * predicts plus a tenth, within [min_ms, max_ms]; min_ms while the pace
 * knows nothing. */
unsigned long long pollpace_first_wait(const struct pollpace *pace,
				       unsigned long long rows,
				       unsigned long long min_ms,
				       unsigned long long max_ms);

/* Learns from a job that ended: p is its plan (its polls), processed its
 * numberRecordsProcessed and processing_ms its totalProcessingTime (0 when
 * Salesforce did not say).  The job's own time is used when known, else
 * the plan's last poll that found the job running; a job seen only after
 * it ended, without a processing time, teaches nothing. */
void pollpace_learn(struct pollpace *pace, const struct pollplan *p,
		    unsigned long long processed,
		    unsigned long long processing_ms);

#endif
