/* statebench.c - the change store at scale: N records of one object go
 * through what runs do to them (first sync, outcome, unchanged check),
 * with the time of each phase, the peak memory and what the record
 * history (state/history.h) holds after them.
 *
 *   statebench N STATE_DIR [--no-history]      (N may end in k or M)
 *
 * --no-history drops the history's triggers first: the difference of the
 * two runs' times is what the history costs.
 *
 * Built by `make bench` (tests/bench/run.sh); not part of `make check`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "state/history.h"
#include "state/state.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int fail(const struct bs_err *e)
{
	fprintf(stderr, "statebench: %s\n", e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long n, i, unchanged = 0, events, bytes;
	char key[32], row[160];
	struct state_record r;
	struct state_hash h;
	struct state_run run;
	struct state *st;
	struct bs_err e;
	double t0, t;
	int len, klen;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "--no-history")))
		return fprintf(stderr, "usage: statebench N STATE_DIR "
			       "[--no-history]\n"), 2;
	{
		char *end;

		n = strtoull(argv[1], &end, 10);
		if (*end == 'k')
			n *= 1000;
		else if (*end == 'M')
			n *= 1000000;
	}
	st = state_open(argv[2], &e);
	if (!st || (argc == 4 && history_pause(st, &e) < 0) ||
	    state_run_begin(st, "run", "full", "", &run, &e) < 0)
		return fail(&e);
	printf("records: %llu%s\n", n, argc == 4 ? " (no record history)" : "");

	/* 1: a first sync sends every record (lookup, then sending) */
	t0 = now();
	if (state_begin(st, &e) < 0)
		return fail(&e);
	for (i = 0; i < n; i++) {
		klen = snprintf(key, sizeof(key), "dlir_%012llu", i * 7919 % n);
		len = snprintf(row, sizeof(row), "%s,%s,inv_%llu,%llu.000000,"
			       "2024-03-01T00:00:00.000Z\n", key, key, i / 40,
			       i % 997);
		state_hash_row(row, (size_t)len, &h);
		if (state_record_get(st, "OrbDailyLineItemRevenue__c", key,
				     (size_t)klen, &r, &e) < 0 ||
		    state_record_sending(st, run.id, "OrbDailyLineItemRevenue__c",
					 key, (size_t)klen, &h, 0, "x.csv",
					 (unsigned long)i, &e) < 0)
			return fail(&e);
	}
	if (state_commit(st, &e) < 0)
		return fail(&e);
	t = now() - t0;
	printf("first sync, lookup + pending: %.1f s (%.0f records/s), peak RSS %ld KiB\n",
	       t, (double)n / t, peak_kib());

	/* 2: Salesforce's outcome for each, committed every 10,000 as a
	 * load session does (OUTCOME_BATCH in etl/session.c) */
	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "dlir_%012llu", i);
		if (state_begin(st, &e) < 0 ||
		    state_record_outcome(st, run.id, "OrbDailyLineItemRevenue__c",
					 key, 1, "a06000000000001AAA", NULL,
					 NULL, &e) < 0 ||
		    ((i + 1) % 10000 == 0 && state_commit(st, &e) < 0))
			return fail(&e);
	}
	if (state_commit(st, &e) < 0)
		return fail(&e);
	t = now() - t0;
	printf("outcomes: %.1f s (%.0f records/s), peak RSS %ld KiB\n", t,
	       (double)n / t, peak_kib());
	if (history_size(st, &events, &bytes, &e) < 0)
		return fail(&e);
	printf("record history: %llu events, %.1f MB (%.1f bytes per event)\n",
	       events, (double)bytes / 1e6,
	       events ? (double)bytes / (double)events : 0.0);

	/* 3: the next daily run finds them unchanged */
	t0 = now();
	for (i = 0; i < n; i++) {
		klen = snprintf(key, sizeof(key), "dlir_%012llu", i * 7919 % n);
		len = snprintf(row, sizeof(row), "%s,%s,inv_%llu,%llu.000000,"
			       "2024-03-01T00:00:00.000Z\n", key, key, i / 40,
			       i % 997);
		state_hash_row(row, (size_t)len, &h);
		if (state_record_get(st, "OrbDailyLineItemRevenue__c", key,
				     (size_t)klen, &r, &e) < 0)
			return fail(&e);
		unchanged += r.has_hash && !memcmp(&r.hash, &h, sizeof(h));
	}
	t = now() - t0;
	printf("unchanged check: %.1f s (%.0f records/s), %llu unchanged, peak RSS %ld KiB\n",
	       t, (double)n / t, unchanged, peak_kib());
	state_close(st);
	return unchanged == n ? 0 : 1;
}
