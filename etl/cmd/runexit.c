/* runexit.c - the exit code of a sync outcome (see runexit.h). */
#include "runexit.h"

#include "base/cli.h"

int run_exit_code(enum sync_outcome outcome, enum bs_errkind kind)
{
	switch (outcome) {
	case SYNC_DONE: return BS_EXIT_OK;
	case SYNC_DONE_RECORDS: return BS_EXIT_RECORDS;
	case SYNC_DONE_DELETES: return BS_EXIT_DELETES;
	case SYNC_REFUSED: return BS_EXIT_CONFIG;
	case SYNC_STOPPED: return cli_exit_for(kind);
	}
	return BS_EXIT_INTERNAL;
}
