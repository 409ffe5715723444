/*
 * mapdelete.h - a mapping's [delete] section: when a record counts as
 * deleted in the source, how billsync deletes it in Salesforce, and the
 * safety cap (docs/mappings.md, "[delete]"):
 *
 *     [delete]
 *     when        = deleted_at is not empty   # a deletion marker
 *     missing     = delete        # a synced key a full read did not find
 *     how         = delete        # soft (default), delete, hardDelete
 *     max_deletes = 10%           # or a count; default 10%
 *
 * The parser fills a struct map_delete that lives in the mapping's arena;
 * mapping.c calls map_delete_line for each key of the section and
 * map_delete_check once the whole file is read.  Neither prints: a mistake
 * is returned in err (BS_E_CONFIG, with no file or line: the caller adds
 * them).
 */
#ifndef MAPDELETE_H
#define MAPDELETE_H

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "maptypes.h"

struct expr_columns;
struct ini_item;

enum map_del_how {
	MAP_DEL_SOFT,       /* keep the record; the marker fields are loaded */
	MAP_DEL_DELETE,     /* Bulk API delete job by Salesforce Id */
	MAP_DEL_HARD        /* hardDelete: needs the org permission */
};

/* The name a `when` marker row is filtered under (manifest counts,
 * preview): a key of [filter] can never be written like this. */
#define MAP_DELETE_FILTER "[delete] when"

/* The default cap: 10% of the records held as synced, rounded up. */
#define MAP_DELETE_DEFAULT_PERCENT 10

struct map_delete {
	unsigned long line;          /* the [delete] section's first key, 0:
					no section */
	struct map_filter when;      /* when.cond NULL: no marker condition;
					a skip filter named MAP_DELETE_FILTER */
	int missing;                 /* missing = delete */
	unsigned long missing_line;
	enum map_del_how how;
	unsigned long how_line;
	int bad;                     /* a key had a mistake of its own */
	int cap_percent;             /* max_deletes is a percentage */
	unsigned long long cap;      /* the count, or the percentage */
	unsigned long cap_line;      /* 0: the default */
};

/* Parses one key of [delete] into d (strings and the condition from a).
 * 0, or -1 with err. */
int map_delete_line(struct map_delete *d, const struct ini_item *it,
		    struct arena *a, const struct expr_columns *cols,
		    struct bs_err *err);

/* Checks the section as a whole against the mapping's operation; 0, or -1
 * with err and *line the line to blame. */
int map_delete_check(const struct map_delete *d, enum map_op op,
		     unsigned long *line, struct bs_err *err);

/* 1 when the mapping deletes records in Salesforce (how is delete or
 * hardDelete). */
int map_delete_active(const struct map_delete *d);

/* The Bulk API operation of its delete jobs: "delete" or "hardDelete". */
const char *map_delete_operation(const struct map_delete *d);
const char *map_delete_how_name(enum map_del_how how);

/* The cap for an object of which held records are held as synced. */
unsigned long long map_delete_cap(const struct map_delete *d,
				  unsigned long long held);

#endif
