/*
 * stage.h - holding an object's mapped rows until all are read, so that
 * rows of one parent come out together and a key seen twice is written once.
 *
 * Rows go in with a group key (the parent's key; may be empty), a record
 * key (the external ID; empty means "no duplicate check") and an opaque
 * payload (the encoded CSV row and where it came from).  They come out
 * ordered by group key, rows of one group in input order; rows without a
 * group key keep the input order.  When several rows share a record key the
 * last one read wins: the earlier ones come out marked superseded, so the
 * caller can report them, and are not to be written.
 *
 * Memory is bounded by the budget given at creation: rows are sorted in
 * memory-sized runs spilled to unlinked temporary files and merged at the
 * end; keys are compared through 128-bit fingerprints kept the same way.
 * Small inputs never touch the disk.
 */
#ifndef STAGE_H
#define STAGE_H

#include <signal.h>
#include <stddef.h>

#include "formats/bs_err.h"

struct stage_opts {
	size_t memory;          /* bytes for rows in memory (at least 8 MiB) */
	const char *temp_dir;   /* where runs spill; NULL: $TMPDIR or /tmp */
	int grouped;            /* sort by group key */
	/* SIGINT/SIGTERM flag, or NULL: stage_finish fails (BS_E_LIMIT)
	 * soon after it is set, however many rows it is sorting */
	const volatile sig_atomic_t *stop;
};

struct stage_rec {
	const char *group;
	size_t group_len;
	const char *key;
	size_t key_len;
	const void *payload;
	size_t payload_len;
	unsigned long long seq;  /* set by stage_add (input order), read back */
	int superseded;          /* out: a later row has the same key */
	const void *head;        /* in: bytes stored before the payload, or
				    NULL; stage_next's payload starts with
				    them (saves the caller a copy) */
	size_t head_len;
};

struct stage;

/* The stage is the caller's to stage_free (NULL harmless); *opts is
 * copied, temp_dir too, but opts->stop is borrowed for the stage's life.
 * NULL with err on failure. */
struct stage *stage_new(const struct stage_opts *opts, struct bs_err *err);
/* Copies the record in (seq is assigned). */
int stage_add(struct stage *s, struct stage_rec *r, struct bs_err *err);
/* Ends input; after this only stage_next. */
int stage_finish(struct stage *s, struct bs_err *err);
/* 1 with *r filled (valid until the next call), 0 at the end, -1 on error. */
int stage_next(struct stage *s, struct stage_rec *r, struct bs_err *err);
/* 1 when the row of this seq is superseded by a later row of its key (as
 * stage_next marks it); after stage_finish. */
int stage_is_superseded(const struct stage *s, unsigned long long seq);
/* Rows added, runs spilled, superseded rows found (after stage_finish). */
unsigned long long stage_rows(const struct stage *s);
size_t stage_spills(const struct stage *s);
unsigned long long stage_superseded(const struct stage *s);
void stage_free(struct stage *s);

#endif
