/* ids.c - record ids (ids.h). */
#include <string.h>

#include "ids.h"

static const char *const id_prefix[ID_KINDS] = {
	"", "plan_", "price_", "item_", "prod_", "sub_", "pi_", "inv_", "ili_", "dlir_",
	"le_", "blk_", "cus_"
};

static const char b62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void ids_init(struct ids *ids, struct rng *r)
{
	int k;

	for (k = 0; k < ID_KINDS; k++) {
		ids->key[k] = rng_next(r);
		ids->n[k] = 0;
	}
}

/* A 16-character base62 id after the kind's prefix: the first 11 characters
 * encode a bijection of the kind's counter, so ids never repeat. */
void ids_next(struct ids *ids, enum idkind kind, char *dst)
{
	uint64_t v = mix64(ids->n[kind]++ + ids->key[kind]);
	uint64_t w = mix64(v ^ ids->key[kind]);
	size_t pl = strlen(id_prefix[kind]);
	char *p = dst + pl;
	int i;

	memcpy(dst, id_prefix[kind], pl);
	for (i = 10; i >= 0; i--) {
		p[i] = b62[v % 62];
		v /= 62;
	}
	for (i = 11; i < 16; i++) {
		p[i] = b62[w % 62];
		w /= 62;
	}
	p[16] = '\0';
}
