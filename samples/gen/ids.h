/*
 * ids.h - billsync-gen's record ids: a kind's prefix and 16 base62
 * characters, distinct within a kind and deterministic for a seed.
 *
 * struct ids is a value: its owner embeds it, seeds it with ids_init() and
 * passes it by pointer; n[] counts the ids made of each kind.
 */
#ifndef GEN_IDS_H
#define GEN_IDS_H

#include <stdint.h>

#include "rng.h"

#define GEN_ID_MAX 24                 /* "dlir_" + 16 + NUL, with room */

enum idkind { ID_CUSTOMER, ID_PLAN, ID_PRICE, ID_ITEM, ID_PRODUCT, ID_SUB, ID_INTERVAL,
	ID_INVOICE, ID_LINE, ID_DLIR, ID_LEDGER, ID_BLOCK, ID_PROVIDER, ID_KINDS };

struct ids {
	uint64_t key[ID_KINDS];
	uint64_t n[ID_KINDS];
};

/* Draws one key per kind from r; the counts start at 0. */
void ids_init(struct ids *ids, struct rng *r);
/* The next id of a kind, into dst (GEN_ID_MAX bytes). */
void ids_next(struct ids *ids, enum idkind kind, char *dst);

#endif
