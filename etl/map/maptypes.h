/*
 * maptypes.h - the mapping types that the [delete] section (mapdelete.h)
 * shares with the mapping itself (mapping.h): the operation and a filter.
 * Below both, so neither includes the other.
 */
#ifndef MAPTYPES_H
#define MAPTYPES_H

struct cond;

enum map_op { MAP_UPSERT, MAP_INSERT, MAP_UPDATE, MAP_DELETE };

/* The operation's Bulk API name: "upsert", "insert", ... (maptypes.c). */
const char *mapping_op_name(enum map_op op);

struct map_filter {
	const char *name;
	unsigned long line;
	int skip;                  /* 1: `skip if`, 0: `keep if` */
	struct cond *cond;
};

#endif
