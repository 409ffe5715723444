/*
 * runexit.h - the exit code of a run, an upload or a plan: the one place
 * that makes README's "Exit codes" of how the sync driver says it ended
 * (state/sync.h: enum sync_outcome) and the kind of its error.  It is the
 * driver's sync_env.exit_code (runview_env), so that the state records
 * with each run the code the process exits with.
 */
#ifndef RUNEXIT_H
#define RUNEXIT_H

#include "formats/bs_err.h"
#include "state/sync.h"

/* 0, 1 or 9 for the SYNC_DONE outcomes, 3 for SYNC_REFUSED, and
 * cli_exit_for(kind) for SYNC_STOPPED (8: an allocation checkpoint). */
int run_exit_code(enum sync_outcome outcome, enum bs_errkind kind);

#endif
