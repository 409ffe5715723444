/* plans.c - billsync-gen's plans and their prices, and plans.csv. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static void add_price(struct gen *g, struct plan *p, int item, int64_t unit, int64_t qty)
{
	struct price *pr = &p->prices[p->nprices++];

	ids_next(&g->ids, ID_PRICE, pr->id);
	pr->item = item;
	pr->item_id = g->items[item];
	pr->name = item_names[item];
	pr->usage = item >= IT_API && item <= IT_EVENTS;
	pr->unit6 = unit;
	pr->qty = qty;
	if (pr->usage)
		p->nusage++;
}

void make_plan(struct gen *g, struct plan *p, int idx)
{
	struct rng *r = &g->rng;
	int cur = idx < N_CURRENCIES ? idx : (int)rng_weighted(r, currency_weight, N_CURRENCIES);
	int scale = currencies[cur].scale;
	int64_t fee;

	memset(p, 0, sizeof *p);
	ids_next(&g->ids, ID_PLAN, p->id);
	p->cur = cur;
	p->tier = idx < N_CURRENCIES ? 2 : (int)rng_below(r, 4);
	p->version = (int)rng_range(r, 1, 9);
	snprintf(p->ext, sizeof p->ext, "%s-%s-v%d", tier_names[p->tier],
		 currencies[cur].code, p->version);
	for (char *c = p->ext; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (cur == CUR_JPY)
		snprintf(p->name, sizeof p->name, "%s (JPY) プラン v%d",
			 tier_names[p->tier], p->version);
	else if (idx % 5 == 1)
		snprintf(p->name, sizeof p->name, "%s, annual \"commit\" (%s)", tier_names[p->tier],
			 currencies[cur].code);
	else
		snprintf(p->name, sizeof p->name, "%s (%s) v%d", tier_names[p->tier],
			 currencies[cur].code, p->version);
	p->trial_days = p->tier == 0 ? 14 : 0;
	p->discount_bp = rng_ppm(r, 250000) ? 1000 : 0;
	fee = to_unit(local_price(tier_fee_usd[p->tier] * E6, cur), scale);
	add_price(g, p, IT_PLATFORM, fee, 1);
	if (p->tier > 0 && rng_ppm(r, 500000))
		add_price(g, p, IT_SEATS, to_unit(local_price(item_usd6[IT_SEATS], cur), scale),
			  rng_range(r, 5, 50));
	if (p->tier > 1 && rng_ppm(r, 600000))
		add_price(g, p, IT_SUPPORT, 0, 1);
	add_price(g, p, IT_API,
		  local_price(item_usd6[IT_API] * rng_range(r, 75, 125) / 100, cur), 0);
	if (rng_ppm(r, 550000))
		add_price(g, p, IT_STORAGE, local_price(item_usd6[IT_STORAGE], cur), 0);
	if (rng_ppm(r, 300000))
		add_price(g, p, IT_COMPUTE, local_price(item_usd6[IT_COMPUTE], cur), 0);
	if (rng_ppm(r, 150000))
		add_price(g, p, IT_EVENTS, local_price(item_usd6[IT_EVENTS], cur), 0);
	p->created = (g->export_day - 1200 + idx * 17) * DAY + 9 * 3600;
	p->updated = p->created + rng_range(r, 0, 600) * DAY;
}

void write_plan(struct gen *g, const struct plan *p)
{
	struct out *o = g->out[DS_PLANS];
	struct text *t = &g->tx;
	int i, first;

	put_str(o, p->id);
	put_sep(o);
	put_str(o, p->ext);
	put_sep(o);
	put_cstr(o, p->name);
	put_sep(o);
	put_cstr(o, p->tier >= 2 ? "For teams with steady usage.\nUsage billed in arrears, "
		 "platform fee in advance." : "Self-serve: platform fee plus metered usage.");
	put_sep(o);
	put_str(o, p->version > 7 ? "archived" : "active");
	put_sep(o);
	put_str(o, currencies[p->cur].code);
	put_str(o, ",30,");
	put_u64(o, (uint64_t)p->version);
	put_sep(o);
	put_cstr(o, plan_memos[p->cur == CUR_JPY ? 3 : p->cur == CUR_EUR ? 2 : p->tier & 1]);
	put_sep(o);
	if (p->discount_bp) {                      /* discount */
		tx_reset(t);
		tx_str(t, "{\"discount_type\":\"percentage\",\"percentage_discount\":0.1,"
		       "\"applies_to_price_ids\":[");
		tx_json(t, p->prices[0].id);
		tx_str(t, "]}");
		put_tx(o, t);
	}
	put_sep(o);
	if (p->tier == 0) {                        /* minimum */
		tx_reset(t);
		tx_str(t, "{\"minimum_amount\":");
		tx_dec_string(t, to_unit(local_price(20 * E6, p->cur), currencies[p->cur].scale),
			      currencies[p->cur].scale);
		tx_str(t, ",\"applies_to_price_ids\":[");
		for (i = 0, first = 1; i < p->nprices; i++) {
			if (!p->prices[i].usage)
				continue;
			if (!first)
				tx_str(t, ",");
			tx_json(t, p->prices[i].id);
			first = 0;
		}
		tx_str(t, "]}");
		put_tx(o, t);
	}
	put_sep(o);
	if (p->cur == CUR_JPY) {                   /* maximum */
		tx_reset(t);
		tx_str(t, "{\"maximum_amount\":\"500000\",\"applies_to_price_ids\":[]}");
		put_tx(o, t);
	}
	put_sep(o);
	tx_reset(t);                               /* product */
	tx_str(t, "{\"id\":");
	tx_json(t, g->product);
	tx_str(t, ",\"name\":\"Billsync Cloud\"}");
	put_tx(o, t);
	put_sep(o);
	tx_reset(t);                               /* trial_config */
	tx_str(t, p->trial_days ? "{\"trial_period\":14,\"trial_period_unit\":\"days\"}"
	       : "{\"trial_period\":null,\"trial_period_unit\":\"days\"}");
	put_tx(o, t);
	put_sep(o);
	tx_reset(t);                               /* metadata */
	tx_str(t, "{\"tier\":");
	tx_json(t, tier_names[p->tier]);
	tx_str(t, "}");
	put_tx(o, t);
	put_sep(o);
	put_ts(o, p->created, TS_Z);
	put_sep(o);
	put_ts(o, p->updated, TS_UTC);
	put_sep(o);
	end_row(o);
}
