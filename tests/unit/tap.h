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
 * REQUIRE(cond) is the check for set-up a test cannot go on without: when it
 * fails it records a failed check and returns from the (void) function, so a
 * set-up failure is never a silent early return.  A test function that ran
 * no check at all fails ("no checks ran"): a test must be able to fail.
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

struct tap_state {
	int n;           /* tests run */
	int failed;      /* tests failed */
	int cur_failed;  /* checks failed in the current test */
	int cur_checks;  /* checks run in the current test */
};

static struct tap_state tap;

#define CHECK(cond)                                                      \
	do {                                                             \
		tap.cur_checks++;                                        \
		if (!(cond)) {                                           \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__,    \
			       __LINE__, #cond);                         \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

/* Like CHECK, but returns from the calling (void) function when cond is
 * false: for set-up the rest of the test depends on. */
#define REQUIRE(cond)                                                    \
	do {                                                             \
		tap.cur_checks++;                                        \
		if (!(cond)) {                                           \
			printf("#   %s:%d: REQUIRE(%s) failed\n", __FILE__,  \
			       __LINE__, #cond);                         \
			tap.cur_failed++;                                \
			return;                                          \
		}                                                        \
	} while (0)

#define CHECK_INT(got, want)                                             \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		tap.cur_checks++;                                        \
		if (g_ != w_) {                                          \
			printf("#   %s:%d: %s is %lld, want %lld\n",         \
			       __FILE__, __LINE__, #got, g_, w_);        \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

#define CHECK_STR(got, want)                                             \
	do {                                                             \
		const char *g_ = (got), *w_ = (want);                    \
		tap.cur_checks++;                                        \
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
		tap.cur_checks++;                                        \
		if (!h_ || !strstr(h_, n_)) {                            \
			printf("#   %s:%d: \"%s\" does not contain \"%s\"\n",\
			       __FILE__, __LINE__, h_ ? h_ : "(null)", n_);  \
			tap.cur_failed++;                                \
		}                                                        \
	} while (0)

static void tap_run(const char *name, void (*fn)(void))
{
	tap.cur_failed = 0;
	tap.cur_checks = 0;
	fn();
	tap.n++;
	if (tap.cur_checks == 0) {
		printf("#   %s: no checks ran\n", name);
		tap.cur_failed++;
	}
	if (tap.cur_failed)
		tap.failed++;
	printf("%sok %d - %s%s\n", tap.cur_failed ? "not " : "", tap.n, name,
	       tap.cur_checks ? "" : " (no checks ran)");
	fflush(stdout);
}

#define RUN(fn) tap_run(#fn, fn)

static int tap_done(void)
{
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}

#endif
