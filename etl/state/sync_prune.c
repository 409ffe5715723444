/* sync_prune.c - housekeeping: the bulk files and the record history of
 * old runs are removed once a newer run finished (see sync_int.h). */
#define _XOPEN_SOURCE 700   /* nftw */
#include "sync_int.h"
#include "history.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void sync_remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void sync_prune_runs(struct state *st, long long current)
{
	char path[4096];
	struct bs_err e;
	long long id;

	history_prune(st, current, HISTORY_KEEP_RUNS, &e);
	for (id = current - SYNC_KEEP_RUN_DIRS; id > 0 &&
	     id > current - SYNC_KEEP_RUN_DIRS - 50; id--) {
		snprintf(path, sizeof(path), "%s/runs/%lld", state_dir(st), id);
		sync_remove_tree(path);
	}
}
