/*
 * text.h - billsync-gen's composed fields: JSON values (addresses,
 * metadata, price intervals) and names, built in a fixed buffer before
 * they are written as one CSV field.
 *
 * struct text is a value with no allocation: its owner embeds it; it is
 * always NUL-terminated, and text past GEN_TEXT_MAX - 1 bytes is cut
 * (the generator's fields are bounded well below that).
 */
#ifndef GEN_TEXT_H
#define GEN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

#define GEN_TEXT_MAX 8192             /* one composed field (JSON, names) */

struct text {
	char b[GEN_TEXT_MAX];
	size_t n;
};

void tx_reset(struct text *t);
void tx_str(struct text *t, const char *s);
/* A JSON string, or null when s is NULL. */
void tx_json(struct text *t, const char *s);
/* A member's key with its colon, after a comma unless first. */
void tx_key(struct text *t, int first, const char *key);
/* A timestamp as a JSON string (...Z), or null when ts is 0. */
void tx_ts(struct text *t, int64_t ts);
/* Money held at scale 6 as a JSON string with the currency's scale. */
void tx_dec_string(struct text *t, int64_t v6, int scale);
/* Writes the text as one CSV field. */
void put_tx(struct out *o, const struct text *t);

#endif
