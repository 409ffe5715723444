/* unchanged.c - an object's rows as last synced, found in key order (see
 * unchanged.h). */
#include "unchanged.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* every this many keys the check looks at the stop flag */
#define STOP_EVERY ((unsigned long long)1 << 16)

struct unchanged {
	const struct export_unchanged *hooks;
	void *walk;                 /* the hooks' check of the object */
	struct stage *keys;         /* group: the key; payload: digest, seq */
	const volatile sig_atomic_t *stop;
	unsigned char *bits;        /* one per row of the row stage */
	unsigned long long nrows;
};

int unchanged_new(const struct export_unchanged *hooks, void *ctx,
		  const struct mapping *m, const struct stage_opts *so,
		  struct unchanged **out, struct bs_err *err)
{
	struct stage_opts ko = *so;
	struct unchanged *u;
	void *walk = NULL;

	*out = NULL;
	if (!hooks)
		return 0;
	if (hooks->open(ctx, m, &walk, err) < 0)
		return -1;
	if (!walk)
		return 0;
	u = calloc(1, sizeof(*u));
	if (!u) {
		hooks->close(walk);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	u->hooks = hooks;
	u->walk = walk;
	u->stop = so->stop;
	ko.grouped = 1;             /* by key, a key's rows in input order */
	u->keys = stage_new(&ko, err);
	if (!u->keys) {
		unchanged_free(u);
		return -1;
	}
	*out = u;
	return 0;
}

int unchanged_add(struct unchanged *u, const char *key, size_t key_len,
		  const char *row, size_t row_len, unsigned long long seq,
		  struct bs_err *err)
{
	unsigned char payload[16];
	struct stage_rec rec;
	uint64_t digest = u->hooks->digest(row, row_len), s = seq;

	memcpy(payload, &digest, 8);
	memcpy(payload + 8, &s, 8);
	memset(&rec, 0, sizeof(rec));
	rec.group = key;
	rec.group_len = key_len;
	rec.payload = payload;
	rec.payload_len = sizeof(payload);
	return stage_add(u->keys, &rec, err);
}

int unchanged_resolve(struct unchanged *u, const struct stage *rows,
		      struct bs_err *err)
{
	struct stage_rec rec;
	unsigned long long n = 0;
	uint64_t digest, seq;
	int r;

	if (!u)
		return 0;
	u->nrows = stage_rows(rows);
	u->bits = calloc(u->nrows / 8 + 1, 1);
	if (!u->bits)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	while ((r = stage_next(u->keys, &rec, err)) == 1) {
		if (++n % STOP_EVERY == 0 && u->stop && *u->stop)
			return bs_err_set(err, BS_E_LIMIT, "interrupted");
		memcpy(&digest, rec.payload, 8);
		memcpy(&seq, (const unsigned char *)rec.payload + 8, 8);
		if (seq >= u->nrows)
			return bs_err_set(err, BS_E_INTERNAL, "unchanged rows: "
					  "row %llu of %llu", (unsigned long long)
					  seq, u->nrows);
		if (stage_is_superseded(rows, seq))
			continue;
		r = u->hooks->check(u->walk, rec.group, rec.group_len, digest,
				    err);
		if (r < 0)
			return -1;
		if (r)
			u->bits[seq / 8] |= (unsigned char)(1u << (seq % 8));
	}
	if (r < 0)
		return -1;
	stage_free(u->keys);
	u->keys = NULL;
	u->hooks->close(u->walk);
	u->walk = NULL;
	return 0;
}

int unchanged_has(const struct unchanged *u, unsigned long long seq)
{
	return u && u->bits && seq < u->nrows &&
	       (u->bits[seq / 8] >> (seq % 8)) & 1;
}

void unchanged_free(struct unchanged *u)
{
	if (!u)
		return;
	if (u->walk)
		u->hooks->close(u->walk);
	stage_free(u->keys);
	free(u->bits);
	free(u);
}
