/* test_runexit.c - the exit code a command makes of how the sync driver
 * ended (cmd/runexit.h): README's "Exit codes" for every outcome, and
 * every error kind of a run that stopped. */
#include <stdio.h>

#include "tap.h"
#include "base/cli.h"
#include "cmd/runexit.h"

/* A run that finished: its outcome alone says the code, whatever err. */
static void test_done(void)
{
	CHECK_INT(run_exit_code(SYNC_DONE, BS_E_NONE), BS_EXIT_OK);
	CHECK_INT(run_exit_code(SYNC_DONE, BS_E_CONFIG), 0);
	CHECK_INT(run_exit_code(SYNC_DONE_RECORDS, BS_E_NONE), 1);
	CHECK_INT(run_exit_code(SYNC_DONE_DELETES, BS_E_NONE), 9);
	CHECK_INT(run_exit_code(SYNC_REFUSED, BS_E_NONE), 3);
	CHECK_INT(run_exit_code(SYNC_REFUSED, BS_E_CONFIG), 3);
}

/* A run that stopped: the error's kind says the code. */
static void test_stopped(void)
{
	static const struct { enum bs_errkind kind; int code; } k[] = {
		{ BS_E_USAGE, 2 }, { BS_E_CONFIG, 3 }, { BS_E_INPUT, 4 },
		{ BS_E_IO, 4 }, { BS_E_ROW, 1 }, { BS_E_REMOTE, 5 },
		{ BS_E_NETWORK, 5 }, { BS_E_NOMEM, 6 }, { BS_E_INTERNAL, 6 },
		{ BS_E_LOCKED, 7 }, { BS_E_LIMIT, 8 },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		CHECK_INT(run_exit_code(SYNC_STOPPED, k[i].kind), k[i].code);
}

int main(void)
{
	RUN(test_done);
	RUN(test_stopped);
	return tap_done();
}
