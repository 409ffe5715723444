/* test_stage.c - staging: group order, last-wins duplicates, spills. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "export/stage.h"

static struct stage *make(int grouped, size_t memory)
{
	struct stage_opts o = { memory, NULL, grouped, NULL };
	struct bs_err e;

	return stage_new(&o, &e);
}

static void add(struct stage *s, const char *group, const char *key,
		const char *payload)
{
	struct stage_rec r = { group, strlen(group), key, strlen(key),
			       payload, strlen(payload), 0, 0, NULL, 0 };
	struct bs_err e;

	CHECK_INT(stage_add(s, &r, &e), 0);
}

static void test_small_grouped(void)
{
	struct stage *s = make(1, 0);
	struct stage_rec r;
	struct bs_err e;
	char got[256] = "";

	add(s, "inv_B", "l1", "1");
	add(s, "inv_A", "l2", "2");
	add(s, "inv_B", "l3", "3");
	add(s, "inv_A", "l4", "4");
	add(s, "", "l5", "5");
	add(s, "inv_A", "l2", "6");   /* l2 again: this one wins */
	CHECK_INT(stage_finish(s, &e), 0);
	while (stage_next(s, &r, &e) == 1) {
		size_t n = strlen(got);

		snprintf(got + n, sizeof(got) - n, "%.*s%s,",
			 (int)r.payload_len, (const char *)r.payload,
			 r.superseded ? "x" : "");
	}
	/* empty group first, then A in input order, then B */
	CHECK_STR(got, "5,2x,4,6,1,3,");
	CHECK_INT(stage_superseded(s), 1);
	CHECK_INT(stage_spills(s), 0);
	stage_free(s);
}

/* Rows come in stretches of one group, and a group's stretches apart
 * (the sort orders the stretches): still group order, then input order,
 * in memory and through spilled runs. */
static void test_stretches(void)
{
	static const char *const groups[] = { "c", "a", "c", "b", "a", "", "c" };
	char want[4096] = "", got[4096] = "";
	int spill;

	for (spill = 0; spill < 2; spill++) {
		struct stage *s = make(1, 8u << 20);
		static char big[1 << 19];
		struct stage_rec r;
		struct bs_err e;
		static const char *const order[] = { "", "a", "b", "c" };
		size_t g, i, n;

		memset(big, 'p', sizeof(big) - 1);
		want[0] = got[0] = '\0';
		for (g = 0; g < 7; g++) {
			for (i = 0; i < 5; i++) {
				char payload[32];

				snprintf(payload, sizeof(payload), "%zu.%zu", g, i);
				add(s, groups[g], "", payload);
				/* rows of 512 KiB fill the 8 MiB: several runs */
				if (spill)
					add(s, groups[g], "", big);
			}
		}
		for (n = 0; n < 4; n++) {
			for (g = 0; g < 7; g++)
				for (i = 0; i < 5 && !strcmp(groups[g], order[n]); i++) {
					size_t l = strlen(want);

					snprintf(want + l, sizeof(want) - l, "%zu.%zu,",
						 g, i);
				}
		}
		CHECK_INT(stage_finish(s, &e), 0);
		while (stage_next(s, &r, &e) == 1) {
			size_t l = strlen(got);

			if (r.payload_len > 16)
				continue;
			snprintf(got + l, sizeof(got) - l, "%.*s,",
				 (int)r.payload_len, (const char *)r.payload);
		}
		CHECK_STR(got, want);
		CHECK(spill ? stage_spills(s) > 1 : stage_spills(s) == 0);
		stage_free(s);
	}
}

static void test_ungrouped_keeps_order(void)
{
	struct stage *s = make(0, 0);
	struct stage_rec r;
	struct bs_err e;
	char got[64] = "";

	add(s, "z", "a", "1");
	add(s, "a", "b", "2");
	add(s, "m", "", "3");   /* no key: never a duplicate */
	add(s, "b", "", "4");
	while (stage_next(s, &r, &e) == 1) {
		size_t n = strlen(got);

		snprintf(got + n, sizeof(got) - n, "%.*s%s,",
			 (int)r.payload_len, (const char *)r.payload,
			 r.superseded ? "x" : "");
	}
	CHECK_STR(got, "1,2,3,4,");
	stage_free(s);
}

static uint64_t next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* 300k rows of ~120 bytes through 8 MiB: several row and fingerprint runs. */
static void test_spilled(void)
{
	enum { N = 300000 };
	struct stage *s = make(1, 8u << 20);
	unsigned char *seen = calloc(N, 1);
	char group[32], key[32], payload[128], prev_group[32] = "";
	unsigned long long prev_seq = 0, count = 0, dups = 0, marked = 0;
	uint64_t rnd = 42;
	struct stage_rec r;
	struct bs_err e;
	int order_ok = 1, i;

	for (i = 0; i < N; i++) {
		int dup = i % 1000 == 999;   /* repeats the key of row i-500 */

		snprintf(group, sizeof(group), "g%05u",
			 (unsigned)(next_rand(&rnd) % 5000));
		snprintf(key, sizeof(key), "k%d", dup ? i - 500 : i);
		snprintf(payload, sizeof(payload), "%d,%090d", i, 0);
		add(s, group, key, payload);
		dups += dup;
	}
	CHECK_INT(stage_finish(s, &e), 0);
	CHECK(stage_spills(s) >= 2);
	CHECK_INT(stage_superseded(s), dups);
	while (stage_next(s, &r, &e) == 1) {
		int row = (int)strtol(r.payload, NULL, 10);
		int c;

		count++;
		if (row >= 0 && row < N)
			seen[row]++;
		c = strncmp(prev_group, r.group, r.group_len);
		if (count > 1 && (c > 0 || (c == 0 && r.seq <= prev_seq)))
			order_ok = 0;
		snprintf(prev_group, sizeof(prev_group), "%.*s",
			 (int)r.group_len, r.group);
		prev_seq = r.seq;
		if (r.superseded) {
			marked++;
			/* the superseded row is the one repeated 500 rows later */
			CHECK((row + 500) % 1000 == 999);
		}
	}
	CHECK_INT(count, N);
	CHECK(order_ok);
	CHECK_INT(marked, dups);
	for (i = 0; i < N; i++)
		if (seen[i] != 1)
			break;
	CHECK_INT(i, N);
	free(seen);
	stage_free(s);
}

/* A stop request ends the sort with BS_E_LIMIT, in memory and spilled
 * alike (issue 13, point 6). */
static void test_stop(void)
{
	static volatile sig_atomic_t stop;
	char key[32], pay[64];
	struct bs_err e;
	size_t mem, i;

	for (mem = 0; mem <= 1; mem++) {
		struct stage_opts o = { 0, NULL, 1, &stop };
		struct stage *s;

		stop = 0;
		s = stage_new(&o, &e);
		REQUIRE(s != NULL);
		for (i = 0; i < (mem ? 1000 : 150000); i++) {
			snprintf(key, sizeof(key), "k%zu", i % 1000);
			snprintf(pay, sizeof(pay), "%0*zu", 40, i);
			add(s, key + 1, key, pay);
		}
		stop = 1;
		CHECK_INT(stage_finish(s, &e), -1);
		CHECK_INT(e.kind, BS_E_LIMIT);
		CHECK_STR(e.msg, "interrupted");
		CHECK_INT(stage_spills(s) > 0, !mem);
		stage_free(s);
	}
}

int main(void)
{
	RUN(test_small_grouped);
	RUN(test_ungrouped_keeps_order);
	RUN(test_stretches);
	RUN(test_spilled);
	RUN(test_stop);
	return tap_done();
}
