/* ledger.c - billsync-gen's prepaid credits: credit_ledger_entries.csv. */
#include <string.h>

#include "gen_int.h"

enum entry { LE_INCREMENT, LE_DECREMENT, LE_EXPIRATION_CHANGE, LE_BLOCK_EXPIRY, LE_VOID,
	LE_VOID_INITIATED, LE_AMENDMENT };
static const char *const entry_name[] = {
	"increment", "decrement", "expiration_change", "credit_block_expiry", "void",
	"void_initiated", "amendment"
};

struct entry_extra {
	int64_t new_expiry, void_amount6;
	const char *void_reason, *invoice_id, *price_id, *description;
};

static void ledger(struct gen *g, struct customer *c, enum entry type, int64_t amount6,
		   int64_t when, const struct entry_extra *x)
{
	struct out *o = g->out[DS_LEDGER];
	struct credits *cr = &c->cr;
	char id[GEN_ID_MAX];

	if (when <= cr->clock)
		when = cr->clock + 1;
	cr->clock = when;
	ids_next(&g->ids, ID_LEDGER, id);
	put_str(o, id);
	put_sep(o);
	put_str(o, c->id);
	put_sep(o);
	put_u64(o, ++cr->seq);
	put_sep(o);
	put_str(o, entry_name[type]);
	put_str(o, ",committed,");
	put_dec(o, amount6, 6, 0);
	put_sep(o);
	put_dec(o, cr->balance6, 6, 0);
	put_sep(o);
	cr->balance6 += amount6;
	put_dec(o, cr->balance6, 6, 0);
	put_str(o, ",credits,");
	put_str(o, cr->block);
	put_sep(o);
	put_ts(o, cr->expiry, TS_Z);
	put_sep(o);
	put_money(o, cr->basis6, c->scale);
	put_sep(o);
	put_ts(o, x ? x->new_expiry : 0, TS_Z);
	put_sep(o);
	if (x && x->void_amount6)
		put_dec(o, x->void_amount6, 6, 0);
	put_sep(o);
	if (x && x->void_reason)
		put_str(o, x->void_reason);
	put_sep(o);
	if (x && x->invoice_id)
		put_str(o, x->invoice_id);
	put_sep(o);
	if (x && x->price_id)
		put_str(o, x->price_id);
	put_sep(o);
	if (x && x->description)
		put_cstr(o, x->description);
	put_sep(o);
	put_ts(o, when, (id[4] & 1) ? TS_UTC : TS_Z);
	end_row(o);
}

/* Draws the metered lines of a subscription invoice from prepaid credits,
 * topping the block up when it is empty; the ledger's edge cases come here. */
void apply_credits(struct gen *g, struct customer *c, struct invoice *inv)
{
	struct rng *r = &g->rng;
	struct credits *cr = &c->cr;
	int64_t t = inv->issued - 2 * 3600;
	struct entry_extra x;
	int i;

	if (cr->block[0] && cr->balance6 > 0 && cr->expiry < t) {
		memset(&x, 0, sizeof x);
		x.description = "Credits expired";
		ledger(g, c, LE_BLOCK_EXPIRY, -cr->balance6, cr->expiry, &x);
	}
	for (i = 0; i < inv->nlines; i++) {
		struct line *ln = &inv->lines[i];
		int64_t due = ln->adjusted6 - ln->partial6, used;

		if (!ln->price->usage || due <= 0)
			continue;
		if (cr->balance6 <= 0) {
			int64_t size = to_unit(due * rng_range(r, 2, 6), c->scale);

			if (!rng_ppm(r, 900000) || size <= 0)
				continue;
			ids_next(&g->ids, ID_BLOCK, cr->block);
			cr->expiry = t - t % DAY + 365 * DAY;
			cr->basis6 = size > 10000 * E6 ? 900000 : E6;
			cr->basis6 = to_unit(cr->basis6, c->scale);
			memset(&x, 0, sizeof x);
			x.description = "Prepaid credits purchase";
			ledger(g, c, LE_INCREMENT, size, t - 1800, &x);
			if (rng_ppm(r, 40000)) {
				memset(&x, 0, sizeof x);
				cr->expiry += 180 * DAY;
				x.new_expiry = cr->expiry;
				x.description = "Expiry extended by account manager";
				ledger(g, c, LE_EXPIRATION_CHANGE, 0, t - 900, &x);
			}
		}
		used = due < cr->balance6 ? due : cr->balance6;
		ln->credits6 = used;
		memset(&x, 0, sizeof x);
		x.invoice_id = inv->id;
		x.price_id = ln->price->id;
		x.description = ln->price->name;
		ledger(g, c, LE_DECREMENT, -used, t + i, &x);
	}
	if (cr->balance6 > 0 && rng_ppm(r, 5000)) {
		int64_t amt = cr->balance6;

		memset(&x, 0, sizeof x);
		x.new_expiry = t + 3600;
		x.void_amount6 = amt;
		x.void_reason = "refund";
		x.description = "Refund requested";
		ledger(g, c, LE_VOID_INITIATED, -amt, t + 3600, &x);
		x.new_expiry = 0;
		x.description = "Refund completed";
		ledger(g, c, LE_VOID, 0, t + 7200, &x);
	} else if (cr->balance6 > E6 && rng_ppm(r, 10000)) {
		int64_t amt = -to_unit(cr->balance6 / 10, c->scale);

		memset(&x, 0, sizeof x);
		x.description = "Correction: duplicate usage event";
		ledger(g, c, LE_AMENDMENT, amt, t + 3600, &x);
	}
}
