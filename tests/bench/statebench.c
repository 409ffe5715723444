/* statebench.c - the change store at scale: N records of one object go
 * through what runs do to them (first sync, outcome, unchanged check,
 * then a run that finds 1 record in 10 changed and sends those again),
 * with the time of each phase, the peak memory, and what the record
 * history (state/history.h) and the whole database hold after the first
 * sync and after the changed run.
 *
 *   statebench N STATE_DIR [--no-history | --values]   (N may end in k or M)
 *
 * --no-history drops the history's triggers first: the difference of the
 * two runs' times is what the history costs.  --values also keeps each
 * record's values after its outcome, as a run does for a mapping with
 * keep_values (state_values_keep, 17 columns as Salesforce echoes a daily
 * revenue row), and says what that costs a record in time and bytes.
 *
 * Built by `make bench` (tests/bench/run.sh); not part of `make check`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "formats/row.h"
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

#define NVALUES 17

/* Keeps the values of every record, as the outcomes of a load with
 * keep_values do (committed every 10,000), and says what it cost. */
static int keep_values(struct state *st, unsigned long long n)
{
	static const char *const names[NVALUES + 2] = {
		"sf__Id", "sf__Created", "OrbId__c", "Name",
		"OrbInvoice__r.OrbId__c", "OrbInvoiceLineItemBilling__r.OrbId__c",
		"OrbCustomer__r.OrbId__c", "SubscriptionId__c", "PriceId__c",
		"ItemId__c", "TimeframeStart__c", "TimeframeEnd__c",
		"Quantity__c", "Amount__c", "Currency__c", "RecognizedAt__c",
		"LockAdjustedAt__c", "RevertedAt__c", "UpdatedAt__c"
	};
	char text[NVALUES + 2][64];
	struct bs_value v[NVALUES + 2];
	unsigned long long i, kept, bytes;
	struct bs_err e;
	double t0 = now(), t;
	size_t c;

	for (i = 0; i < n; i++) {
		snprintf(text[0], 64, "a0B%015llu", i);
		snprintf(text[1], 64, "true");
		snprintf(text[2], 64, "dlir_%012llu", i);
		snprintf(text[3], 64, "dlir_%012llu", i);
		snprintf(text[4], 64, "inv_%016llu", i / 40);
		snprintf(text[5], 64, "ili_%016llu", i / 20);
		snprintf(text[6], 64, "cus_%012llu", i / 400);
		snprintf(text[7], 64, "sub_%012llu", i / 400);
		snprintf(text[8], 64, "price_%010llu", i % 97);
		snprintf(text[9], 64, "item_%010llu", i % 89);
		snprintf(text[10], 64, "2024-03-%02lluT00:00:00.000Z", 1 + i % 28);
		snprintf(text[11], 64, "2024-03-%02lluT00:00:00.000Z", 2 + i % 28);
		snprintf(text[12], 64, "%llu.0", 1 + i % 7);
		snprintf(text[13], 64, "%llu.%06llu", i % 997, i * 7919 % 1000000);
		snprintf(text[14], 64, "USD");
		snprintf(text[15], 64, "2024-04-01T06:00:00.000Z");
		snprintf(text[16], 64, "2024-04-02T06:00:00.000Z");
		text[17][0] = '\0';
		snprintf(text[18], 64, "2024-04-02T06:00:%02llu.000Z", i % 60);
		for (c = 0; c < NVALUES + 2; c++) {
			v[c].s = text[c];
			v[c].len = strlen(text[c]);
			v[c].kind = v[c].len ? BS_V_TEXT : BS_V_NULL;
		}
		if (state_begin(st, &e) < 0 ||
		    state_values_keep(st, "OrbDailyLineItemRevenue__c", text[2],
				      NVALUES + 2, names, v, &e) < 0 ||
		    ((i + 1) % 10000 == 0 && state_commit(st, &e) < 0))
			return fail(&e);
	}
	if (state_commit(st, &e) < 0 || state_values_size(st, &kept, &bytes,
							  &e) < 0)
		return fail(&e);
	t = now() - t0;
	printf("kept values: %.1f s (%.0f records/s, %.1f us a record), %llu "
	       "records, %.1f MB (%.1f bytes a record), peak RSS %ld KiB\n", t,
	       (double)n / t, t * 1e6 / (double)n, kept, (double)bytes / 1e6,
	       kept ? (double)bytes / (double)kept : 0.0, peak_kib());
	return 0;
}

/* The row of record k on day (0: the first sync, 1: a changed one). */
static int row_of(unsigned long long k, int day, char *key, char *row,
		  size_t size, struct state_hash *h)
{
	int klen = snprintf(key, 32, "dlir_%012llu", k);
	int len = snprintf(row, size, "%s,%s,inv_%llu,%llu.%06d,"
			   "2024-03-01T00:00:00.000Z\n", key, key, k / 40,
			   k % 997, day);

	state_hash_row(row, (size_t)len, h);
	return klen;
}

/* A run sends the records whose number is a multiple of every (keys in
 * random order: a lookup, then sending, in one transaction), then
 * writes Salesforce's outcome for each, committed every 10,000 as a load
 * session does (OUTCOME_BATCH in etl/state/session.c). */
static int sync_run(struct state *st, unsigned long long n, unsigned every,
		    int day, const char *what)
{
	unsigned long long i, k, sent = 0;
	char key[32], row[160];
	struct state_record r;
	struct state_hash h;
	struct state_run run;
	struct bs_err e;
	double t0 = now(), t;
	int klen;

	if (state_run_begin(st, "run", day ? "incremental" : "full", "", &run,
			    &e) < 0 || state_begin(st, &e) < 0)
		return fail(&e);
	for (i = 0; i < n; i++) {
		if ((k = i * 7919 % n) % every)
			continue;
		klen = row_of(k, day, key, row, sizeof(row), &h);
		if (state_record_get(st, "OrbDailyLineItemRevenue__c", key,
				     (size_t)klen, &r, &e) < 0 ||
		    state_record_sending(st, run.id, "OrbDailyLineItemRevenue__c",
					 key, (size_t)klen, &h, 0, "x.csv",
					 (unsigned long)i, &e) < 0)
			return fail(&e);
		sent++;
	}
	if (state_commit(st, &e) < 0)
		return fail(&e);
	t = now() - t0;
	printf("%s, lookup + pending: %.1f s (%.0f records/s), peak RSS %ld KiB\n",
	       what, t, (double)sent / t, peak_kib());
	t0 = now();
	for (k = 0; k < n; k += every) {
		snprintf(key, sizeof(key), "dlir_%012llu", k);
		if (state_begin(st, &e) < 0 ||
		    state_record_outcome(st, run.id, "OrbDailyLineItemRevenue__c",
					 key, 1, "a06000000000001AAA", NULL,
					 NULL, &e) < 0 ||
		    ((k / every + 1) % 10000 == 0 && state_commit(st, &e) < 0))
			return fail(&e);
	}
	if (state_commit(st, &e) < 0)
		return fail(&e);
	t = now() - t0;
	printf("%s, outcomes: %.1f s (%.0f records/s), peak RSS %ld KiB\n",
	       what, t, (double)sent / t, peak_kib());
	return 0;
}

/* What the record history and the whole database hold. */
static int sizes(struct state *st, unsigned long long n)
{
	unsigned long long events, bytes, all;
	struct bs_err e;

	if (history_size(st, &events, &bytes, &e) < 0 ||
	    state_size(st, &all, &e) < 0)
		return fail(&e);
	printf("record history: %llu events, %.1f MB (%.1f bytes per event)\n",
	       events, (double)bytes / 1e6,
	       events ? (double)bytes / (double)events : 0.0);
	printf("state: %.1f MB, %.1f bytes per record\n", (double)all / 1e6,
	       (double)all / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long n, i, unchanged = 0;
	char key[32], row[160];
	struct state_record r;
	struct state_hash h;
	struct state *st;
	struct bs_err e;
	double t0, t;
	int klen, values = argc == 4 && !strcmp(argv[3], "--values");

	if (argc != 3 && (argc != 4 || (strcmp(argv[3], "--no-history") &&
					!values)))
		return fprintf(stderr, "usage: statebench N STATE_DIR "
			       "[--no-history | --values]\n"), 2;
	{
		char *end;

		n = strtoull(argv[1], &end, 10);
		if (*end == 'k')
			n *= 1000;
		else if (*end == 'M')
			n *= 1000000;
	}
	st = state_open(argv[2], &e);
	if (!st || (argc == 4 && !values && history_pause(st, &e) < 0))
		return fail(&e);
	printf("records: %llu%s\n", n, values ? " (values kept)" : argc == 4 ?
	       " (no record history)" : "");

	/* 1, 2: a first sync sends every record, Salesforce takes them */
	if (sync_run(st, n, 1, 0, "first sync") || sizes(st, n))
		return 1;
	if (values && keep_values(st, n))
		return 1;

	/* 3: the next daily run finds them unchanged */
	t0 = now();
	for (i = 0; i < n; i++) {
		klen = row_of(i * 7919 % n, 0, key, row, sizeof(row), &h);
		if (state_record_get(st, "OrbDailyLineItemRevenue__c", key,
				     (size_t)klen, &r, &e) < 0)
			return fail(&e);
		unchanged += r.has_hash && r.hash == h.h[0];
	}
	t = now() - t0;
	printf("unchanged check: %.1f s (%.0f records/s), %llu unchanged, peak RSS %ld KiB\n",
	       t, (double)n / t, unchanged, peak_kib());

	/* 4: a run that finds 1 record in 10 changed sends them again: each
	 * one's first outcome becomes an event of its history */
	if (sync_run(st, n, 10, 1, "1 in 10 changed") || sizes(st, n))
		return 1;
	state_close(st);
	return unchanged == n ? 0 : 1;
}
