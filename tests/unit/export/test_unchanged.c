/* test_unchanged.c - an incremental run's unchanged rows found in key
 * order: the check is asked once per key, for its last row, keys in
 * increasing order, in memory and through spilled runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "export/stage.h"
#include "export/unchanged.h"

/* The fake change store: a key is "as last synced" when its record's
 * digest is the one it holds (the row's text "=KEY"). */
struct fake {
	int open;                 /* open gives a walk */
	char asked[4096];         /* "key:digest-matched," per check */
	char last[32];
	size_t checks;
	int out_of_order;
	int closed;
};

static uint64_t digest(const char *row, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)row[i]) * 1099511628211ULL;
	return h;
}

static int f_open(void *ctx, const struct mapping *m, void **walk,
		  struct bs_err *err)
{
	struct fake *f = ctx;

	(void)m;
	(void)err;
	*walk = f->open ? f : NULL;
	return 0;
}

static int f_check(void *walk, const char *key, size_t key_len,
		   uint64_t d, struct bs_err *err)
{
	struct fake *f = walk;
	char want[40];
	size_t n = strlen(f->asked), ll = strlen(f->last);
	int same, c = memcmp(f->last, key, ll < key_len ? ll : key_len);

	(void)err;
	if (!c)
		c = (ll > key_len) - (ll < key_len);
	if (f->checks && c >= 0)
		f->out_of_order++;
	snprintf(f->last, sizeof(f->last), "%.*s", (int)key_len, key);
	f->checks++;
	snprintf(want, sizeof(want), "=%.*s", (int)key_len, key);
	same = digest(want, strlen(want)) == d;
	if (n + key_len + 4 < sizeof(f->asked))
		snprintf(f->asked + n, sizeof(f->asked) - n, "%.*s%s,",
			 (int)key_len, key, same ? "=" : "~");
	return same;
}

static void f_close(void *walk)
{
	((struct fake *)walk)->closed++;
}

static const struct export_unchanged hooks = {
	digest, f_open, f_check, f_close
};

/* A row of key with text row into the row stage (filtered: a tombstone,
 * not told to u); its seq. */
static unsigned long long add(struct stage *rows, struct unchanged *u,
			      const char *key, const char *row, int filtered)
{
	struct stage_rec r;
	struct bs_err e;

	memset(&r, 0, sizeof(r));
	r.group = "g";
	r.group_len = 1;
	r.key = key;
	r.key_len = strlen(key);
	r.payload = row;
	r.payload_len = filtered ? 0 : strlen(row);
	CHECK_INT(stage_add(rows, &r, &e), 0);
	if (!filtered)
		CHECK_INT(unchanged_add(u, key, strlen(key), row, strlen(row),
					r.seq, &e), 0);
	return r.seq;
}

static void test_small(void)
{
	struct stage_opts so = { 0, NULL, 1, NULL };
	struct fake f = { 1, "", "", 0, 0, 0 };
	struct unchanged *u = NULL;
	struct stage *rows;
	struct bs_err e;
	unsigned long long s[8];

	rows = stage_new(&so, &e);
	REQUIRE(rows != NULL);
	CHECK_INT(unchanged_new(&hooks, &f, NULL, &so, &u, &e), 0);
	REQUIRE(u != NULL);
	s[0] = add(rows, u, "d", "=d", 0);       /* as last synced */
	s[1] = add(rows, u, "b", "=b", 0);       /* then changed: not asked */
	s[2] = add(rows, u, "ab", "new", 0);     /* changed */
	s[3] = add(rows, u, "c", "=c", 0);       /* then filtered: not asked */
	s[4] = add(rows, u, "c", "", 1);
	s[5] = add(rows, u, "b", "b2", 0);
	s[6] = add(rows, u, "a", "=a", 0);
	s[7] = add(rows, u, "e", "x", 0);        /* then back as synced */
	add(rows, u, "e", "=e", 0);
	CHECK_INT(stage_finish(rows, &e), 0);
	CHECK_INT(f.checks, 0);                  /* nothing asked while read */
	CHECK_INT(unchanged_resolve(u, rows, &e), 0);
	CHECK_STR(f.asked, "a=,ab~,b~,d=,e=,");
	CHECK_INT(f.out_of_order, 0);
	CHECK_INT(f.closed, 1);                  /* given back when resolved */
	CHECK_INT(unchanged_has(u, s[0]), 1);
	CHECK_INT(unchanged_has(u, s[1]), 0);
	CHECK_INT(unchanged_has(u, s[2]), 0);
	CHECK_INT(unchanged_has(u, s[3]), 0);
	CHECK_INT(unchanged_has(u, s[5]), 0);
	CHECK_INT(unchanged_has(u, s[6]), 1);
	CHECK_INT(unchanged_has(u, s[7]), 0);
	CHECK_INT(unchanged_has(u, s[7] + 1), 1);
	CHECK_INT(unchanged_has(u, 1000), 0);
	unchanged_free(u);
	CHECK_INT(f.closed, 1);
	stage_free(rows);

	/* nothing to check: no set, and none of its rows is unchanged */
	f.open = 0;
	CHECK_INT(unchanged_new(&hooks, &f, NULL, &so, &u, &e), 0);
	CHECK(u == NULL);
	CHECK_INT(unchanged_new(NULL, &f, NULL, &so, &u, &e), 0);
	CHECK(u == NULL);
	CHECK_INT(unchanged_has(NULL, 0), 0);
	CHECK_INT(unchanged_resolve(NULL, NULL, &e), 0);
	unchanged_free(NULL);
}

/* More keys than the key sort holds in memory: spilled runs, merged in
 * key order; every third key as last synced. */
static void test_spilled(void)
{
	struct stage_opts so = { 0, NULL, 1, NULL };
	struct fake f = { 1, "", "", 0, 0, 0 };
	struct unchanged *u = NULL;
	struct stage *rows;
	struct bs_err e;
	const unsigned n = 300000;
	unsigned i, k, wrong = 0;
	char key[16], row[24];

	rows = stage_new(&so, &e);
	REQUIRE(rows != NULL);
	CHECK_INT(unchanged_new(&hooks, &f, NULL, &so, &u, &e), 0);
	REQUIRE(u != NULL);
	for (i = 0; i < n; i++) {
		k = (unsigned)(((unsigned long long)i * 7919) % n);  /* shuffled */
		snprintf(key, sizeof(key), "k%u", k);
		snprintf(row, sizeof(row), k % 3 ? "v%u" : "=k%u", k);
		add(rows, u, key, row, 0);
	}
	CHECK_INT(stage_finish(rows, &e), 0);
	CHECK_INT(unchanged_resolve(u, rows, &e), 0);
	CHECK(f.checks == n);
	CHECK_INT(f.out_of_order, 0);
	for (i = 0; i < n; i++) {
		k = (unsigned)(((unsigned long long)i * 7919) % n);
		wrong += unchanged_has(u, i) != (k % 3 == 0);
	}
	CHECK_INT(wrong, 0);
	unchanged_free(u);
	stage_free(rows);
}

int main(void)
{
	RUN(test_small);
	RUN(test_spilled);
	return tap_done();
}
