/* test_pollplan.c - the org's pace that times a job's first poll
 * (pollplan.h), on a simulated clock: Salesforce processes each job at a
 * fixed rate after a short queue, billsync's worker sometimes looks late,
 * and how late it looked must never make the next job's first look later. */
#include "tap.h"
#include "load/pollplan.h"

#define MIN_MS 1000ULL
#define MAX_MS 60000ULL

/* One simulated job: rows records processed at rate records per second
 * after queue_ms, closed at time 0. */
struct simjob {
	unsigned long long rows, rate, queue_ms;
	int report_time;              /* JobInfo carries totalProcessingTime */
	unsigned long long late_ms;   /* the worker's first look comes this
					 much after the planned one */
};

struct simrun {
	unsigned long long first_wait;  /* the wait chosen before the first poll */
	unsigned long long seen_done;   /* when a poll found it ended */
	unsigned polls;
};

static unsigned long long sim_end(const struct simjob *j)
{
	return j->queue_ms + j->rows * 1000 / j->rate;
}

static unsigned long long sim_processed(const struct simjob *j,
					unsigned long long now)
{
	if (now <= j->queue_ms)
		return 0;
	if (now >= sim_end(j))
		return j->rows;
	return (now - j->queue_ms) * j->rate / 1000;
}

/* Runs one job the way loadfile.c's poll_job does, learning into pace. */
static struct simrun sim(struct pollpace *pace, const struct simjob *j)
{
	struct simrun r = { 0, 0, 0 };
	unsigned long long now = 0, wait;
	struct pollplan p;

	pollplan_init(&p, MIN_MS, MAX_MS, j->rows, 0);
	wait = pollpace_first_wait(pace, j->rows, MIN_MS, MAX_MS);
	r.first_wait = wait;
	wait += j->late_ms;
	for (;;) {
		unsigned long long done;

		now += wait;
		r.polls++;
		done = sim_processed(j, now);
		if (done >= j->rows)
			break;
		wait = pollplan_next(&p, now, now > j->queue_ms, done, -1);
		if (r.polls > 200)
			break;
	}
	r.seen_done = now;
	pollpace_learn(pace, &p, j->rows,
		       j->report_time ? sim_end(j) - j->queue_ms : 0);
	return r;
}

/* The demo's case: a 2913-row job that Salesforce ends in 0.3 s.  An
 * earlier job was looked at 40 s late; the next first look must still
 * come about when the job ends, not tens of seconds later (it did:
 * 42 s, when the pace counted billsync's own waiting). */
static void test_late_poll_does_not_inflate(void)
{
	struct simjob a = { 3000, 10000, 20, 1, 40000 };
	struct simjob b = { 2913, 10000, 20, 1, 0 };
	struct pollpace pace = { 0, 0 };
	struct simrun ra, rb;

	ra = sim(&pace, &a);
	CHECK_INT(ra.first_wait, MIN_MS);        /* nothing known yet */
	CHECK(ra.seen_done >= 41000);             /* it was looked at late */
	rb = sim(&pace, &b);
	printf("# after a 41 s late look: next first wait %llu ms (job ends at "
	       "%llu ms)\n", rb.first_wait, sim_end(&b));
	CHECK(rb.first_wait <= 2 * sim_end(&b) || rb.first_wait == MIN_MS);
	CHECK(rb.first_wait < 5000);
	CHECK_INT(rb.polls, 1);
}

/* Without totalProcessingTime the pace comes from the last poll that
 * found the job still running; a late look after the end adds nothing. */
static void test_pace_from_running_polls(void)
{
	/* 200,000 records at 5,000/s: 40 s; first looks find it running */
	struct simjob a = { 200000, 5000, 20, 0, 0 };
	struct simjob late = { 200000, 5000, 20, 0, 0 };
	struct pollpace pace = { 0, 0 };
	struct simrun r;
	unsigned long long first;

	r = sim(&pace, &a);
	CHECK(r.polls >= 2);
	CHECK(pace.rows > 0 && pace.ms > 0);
	/* now the same job, its first look 50 s late (it ended at 40 s) */
	first = pollpace_first_wait(&pace, 200000, MIN_MS, MAX_MS);
	late.late_ms = 50000;
	r = sim(&pace, &late);
	CHECK_INT(r.first_wait, first);
	CHECK_INT(r.polls, 1);
	/* that job taught nothing: the next first wait is what it was */
	CHECK_INT(pollpace_first_wait(&pace, 200000, MIN_MS, MAX_MS), first);
	/* and it is what Salesforce needs, plus a tenth, give or take */
	printf("# 200,000 records at 5,000/s: first wait %llu ms, job ends at "
	       "%llu ms\n", first, sim_end(&a));
	CHECK(first >= sim_end(&a) * 9 / 10);
	CHECK(first <= sim_end(&a) * 13 / 10);
}

/* A run of jobs, every one looked at 20 s late: the first wait settles at
 * the job's own time and never grows with the lateness. */
static void test_no_ratchet(void)
{
	struct simjob j = { 5000, 10000, 20, 1, 20000 };
	struct pollpace pace = { 0, 0 };
	unsigned long long second = 0;
	struct simrun r;
	int i;

	for (i = 0; i < 20; i++) {
		r = sim(&pace, &j);
		if (i == 1)
			second = r.first_wait;
		if (i >= 1)
			CHECK_INT(r.first_wait, second);
	}
	CHECK(second <= MIN_MS);                  /* 0.5 s job: min */
}

/* Bounds: within [min, max]; a pace that knows nothing gives min; a job
 * seen only after it ended, without a processing time, teaches nothing. */
static void test_bounds(void)
{
	struct pollpace pace = { 0, 0 };
	struct pollplan p;

	CHECK_INT(pollpace_first_wait(&pace, 1000000, MIN_MS, MAX_MS), MIN_MS);
	pollplan_init(&p, MIN_MS, MAX_MS, 1000, 0);
	pollpace_learn(&pace, &p, 1000, 0);
	CHECK_INT(pace.rows, 0);
	CHECK_INT(pollpace_first_wait(&pace, 1000000, MIN_MS, MAX_MS), MIN_MS);
	/* 1 ms a record: a million records would take 1,000 s: capped */
	pollpace_learn(&pace, &p, 1000, 1000);
	CHECK_INT(pollpace_first_wait(&pace, 1000000, MIN_MS, MAX_MS), MAX_MS);
	CHECK_INT(pollpace_first_wait(&pace, 10000, MIN_MS, MAX_MS), 11000);
	CHECK_INT(pollpace_first_wait(&pace, 10, MIN_MS, MAX_MS), MIN_MS);
	/* huge counts do not overflow */
	pace.rows = 1;
	pace.ms = 1ULL << 40;
	CHECK_INT(pollpace_first_wait(&pace, 1ULL << 40, MIN_MS, MAX_MS), MAX_MS);
}

int main(void)
{
	RUN(test_late_poll_does_not_inflate);
	RUN(test_pace_from_running_polls);
	RUN(test_no_ratchet);
	RUN(test_bounds);
	return tap_done();
}
