/* text.c - composed JSON values and names (text.h). */
#include <string.h>

#include "money.h"
#include "text.h"

static void tx_mem(struct text *t, const char *s, size_t n)
{
	if (n > sizeof t->b - 1 - t->n)
		n = sizeof t->b - 1 - t->n;   /* bounded by design; never reached */
	memcpy(t->b + t->n, s, n);
	t->n += n;
	t->b[t->n] = '\0';
}

void tx_str(struct text *t, const char *s)
{
	tx_mem(t, s, strlen(s));
}

void tx_reset(struct text *t)
{
	t->n = 0;
	t->b[0] = '\0';
}

void tx_json(struct text *t, const char *s)
{
	if (!s) {
		tx_str(t, "null");
		return;
	}
	tx_str(t, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			tx_mem(t, "\\", 1);
			tx_mem(t, s, 1);
		} else if (*s == '\n') {
			tx_str(t, "\\n");
		} else {
			tx_mem(t, s, 1);
		}
	}
	tx_str(t, "\"");
}

void tx_key(struct text *t, int first, const char *key)
{
	if (!first)
		tx_str(t, ",");
	tx_json(t, key);
	tx_str(t, ":");
}

void tx_ts(struct text *t, int64_t ts)
{
	char b[32];

	if (!ts) {
		tx_str(t, "null");
		return;
	}
	tx_str(t, "\"");
	tx_mem(t, b, fmt_ts(b, ts, TS_Z));
	tx_str(t, "\"");
}

void tx_dec_string(struct text *t, int64_t v6, int scale)
{
	char b[32];

	tx_str(t, "\"");
	tx_mem(t, b, fmt_dec(b, v6, 6, scale));
	tx_str(t, "\"");
}

void put_tx(struct out *o, const struct text *t)
{
	put_text(o, t->b, t->n);
}
