/*
 * unchanged.h - which of an object's staged rows are as they were last
 * synced, for an incremental run (export_opts.unchanged): counted
 * unchanged, and keep is not asked of them.
 *
 * Asking the change store row by row as they are read would probe its
 * B-tree at random, a page read per row once the state outgrows its page
 * cache (docs/performance.md).  Instead, while the object is read, each
 * mapped row with a key goes in with its record's digest and its seq in
 * the row stage: into a stage of its own, sorted by key (stage.h:
 * memory-sized runs, spilled and merged).  Once every row is read and the
 * row stage finished, the hooks' check is asked for each key's last row,
 * in key order (the store's own: one pass over it), before any row is
 * written; the rows found unchanged are remembered, one bit per staged
 * row, until they come out of the row stage.  Memory: the sort budget
 * given, then the bits (125 kB per million rows).
 */
#ifndef UNCHANGED_H
#define UNCHANGED_H

#include <stdint.h>

#include "formats/bs_err.h"
#include "stage.h"

struct mapping;
struct unchanged;

/* The change store's side of the check. */
struct export_unchanged {
	/* the digest of an encoded CSV record that check compares */
	uint64_t (*digest)(const char *row, size_t len);
	/* starts object m's check (ctx: export_opts.keep_ctx): 0 with *walk,
	   or 0 with *walk NULL when no row of m can be as last synced (keep
	   decides every row), -1 on error */
	int (*open)(void *ctx, const struct mapping *m, void **walk,
		    struct bs_err *err);
	/* the last row of key (no later row supersedes it, filtered rows
	   included) has a record of this digest: 1 when it is as last
	   synced, 0 when not, -1 on error.  Asked once per key, keys in
	   increasing order: bytes, then a shorter key first */
	int (*check)(void *walk, const char *key, size_t key_len,
		     uint64_t digest, struct bs_err *err);
	void (*close)(void *walk);
};

/* Starts m's check with hooks (ctx: their context) into *out: the key
 * sort gets so's memory and temporary folder.  *out is NULL when there is
 * nothing to check (hooks NULL, or their open says no row of m can be
 * unchanged).  0, or -1 with err. */
int unchanged_new(const struct export_unchanged *hooks, void *ctx,
		  const struct mapping *m, const struct stage_opts *so,
		  struct unchanged **out, struct bs_err *err);
/* The row of key whose encoded record is row was staged as seq. */
int unchanged_add(struct unchanged *u, const char *key, size_t key_len,
		  const char *row, size_t row_len, unsigned long long seq,
		  struct bs_err *err);
/* After stage_finish(rows): asks the check of each key's last row (rows
 * superseded in rows are not asked about); the key sort's memory and the
 * hooks' walk are given back. */
int unchanged_resolve(struct unchanged *u, const struct stage *rows,
		      struct bs_err *err);
/* 1 when the row staged as seq was found as last synced (u NULL: 0). */
int unchanged_has(const struct unchanged *u, unsigned long long seq);
void unchanged_free(struct unchanged *u);

#endif
