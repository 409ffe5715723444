/*
 * tap.h - the unit-test harness: each tests/unit/test_NAME.c is one program
 * that prints TAP lines ("ok 3 - name", "not ok 4 - name") which
 * tests/run-tests.sh counts.
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); CHECK_STR(a, b); }
 *     int main(void) { RUN(test_something); return tap_done(); }
 *
 * A CHECK that fails prints "# file:line: ..." and marks the current test as
 * failed; the test goes on so one run shows every broken expectation.
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

struct tap_state {
	int n;           /* tests run */
	int failed;      /* tests failed */
	int cur_failed;  /* checks failed in the current test */
};

static struct tap_state tap;

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__,    \
			       __LINE__, #cond);                         \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

#define CHECK_INT(got, want)                                             \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (g_ != w_) {                                          \
			printf("#   %s:%d: %s is %lld, want %lld\n",         \
			       __FILE__, __LINE__, #got, g_, w_);        \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

#define CHECK_STR(got, want)                                             \
	do {                                                             \
		const char *g_ = (got), *w_ = (want);                    \
		if (!g_ || !w_ || strcmp(g_, w_) != 0) {                 \
			printf("#   %s:%d: %s is \"%s\", want \"%s\"\n",     \
			       __FILE__, __LINE__, #got,                 \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");  \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

/* Checks that haystack contains needle. */
#define CHECK_CONTAINS(haystack, needle)                                 \
	do {                                                             \
		const char *h_ = (haystack), *n_ = (needle);             \
		if (!h_ || !strstr(h_, n_)) {                            \
			printf("#   %s:%d: \"%s\" does not contain \"%s\"\n",\
			       __FILE__, __LINE__, h_ ? h_ : "(null)", n_);  \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

static void tap_run(const char *name, void (*fn)(void))
{
	tap.cur_failed = 0;
	fn();
	tap.n++;
	if (tap.cur_failed)
		tap.failed++;
	printf("%sok %d - %s\n", tap.cur_failed ? "not " : "", tap.n, name);
	fflush(stdout);
}

#define RUN(fn) tap_run(#fn, fn)

static int tap_done(void)
{
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}

#endif
