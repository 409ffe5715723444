/* subs.c - billsync-gen's subscriptions: how a customer's daily revenue
 * budget is spread over them, and subscriptions.csv. */
#include <string.h>

#include "gen_int.h"

static const char *const substatus_name[] = { "active", "ended", "upcoming" };

static const struct plan *pick_plan(struct gen *g, int cur)
{
	int i, n = 0, k;

	for (i = 0; i < g->nplans; i++)
		n += g->plans[i].cur == cur;
	k = (int)rng_below(&g->rng, (uint64_t)n);
	for (i = 0; i < g->nplans; i++)
		if (g->plans[i].cur == cur && k-- == 0)
			return &g->plans[i];
	return &g->plans[cur];
}

/* Plans customer c's subscriptions so that their metered line-days plus
 * replacement rows add up to budget exactly. */
void plan_subs(struct gen *g, struct customer *c, uint64_t budget)
{
	struct rng *r = &g->rng;
	int nsubs = (int)(1 + budget / BUDGET_PER_SUB), i, k;
	uint64_t share;

	if (nsubs > GEN_MAX_SUBS - 1)
		nsubs = GEN_MAX_SUBS - 1;
	if (budget == 0)
		nsubs = 0;
	c->nsubs = 0;
	for (i = 0; i < nsubs; i++) {
		struct sub *s = &c->subs[c->nsubs++];
		uint64_t rows, days, u, revs;

		share = budget / (uint64_t)nsubs + ((uint64_t)i < budget % (uint64_t)nsubs);
		memset(s, 0, sizeof *s);
		ids_next(&g->ids, ID_SUB, s->id);
		s->plan = pick_plan(g, c->cur);
		s->anchor = (int)rng_range(r, 1, 28);
		s->status = c->deleted || rng_ppm(r, 150000) ? SUB_ENDED : SUB_ACTIVE;
		s->end = last_anchor(g->export_day, s->anchor);
		if (s->status == SUB_ENDED)
			s->end = anchor_in_month(s->end, s->anchor, -(int)rng_range(r, 1, 18));
		u = (uint64_t)s->plan->nusage;
		revs = share / RATE_REVERT_EVERY + (rng_below(r, RATE_REVERT_EVERY) <
						    share % RATE_REVERT_EVERY);
		if (share < u) {            /* a tiny budget: fewer metered prices, one day */
			u = share;
			revs = 0;
		}
		rows = share - revs;
		days = rows / u;
		revs += rows % u;
		s->nusage = (int)u;
		s->start = s->end - (int64_t)days;
		s->cursor = s->start;
		s->cells_left = days * u;
		s->revs_left = revs;
		s->trial = days >= 14 && rng_ppm(r, RATE_TRIAL);
		s->memo = rng_ppm(r, RATE_MEMO_QUIRK) ? PICK(r, memo_quirks) : NULL;
		for (k = 0; k < s->plan->nprices; k++)
			s->qbase7[k] = rng_range(r, 200, 20000) * c->q_scale / 1000 * E7;
	}
	if (!c->deleted && c->nsubs < GEN_MAX_SUBS && rng_ppm(r, 40000)) {
		struct sub *s = &c->subs[c->nsubs++];

		memset(s, 0, sizeof *s);
		ids_next(&g->ids, ID_SUB, s->id);
		s->plan = pick_plan(g, c->cur);
		s->anchor = (int)rng_range(r, 1, 28);
		s->status = SUB_UPCOMING;
		s->start = g->export_day + rng_range(r, 10, 120);
		s->end = 0;
		s->cursor = s->start;
	}
}

void write_sub(struct gen *g, const struct customer *c, const struct sub *s)
{
	struct out *o = g->out[DS_SUBS];
	struct text *t = &g->tx;
	int i;

	put_str(o, s->id);
	put_sep(o);
	put_str(o, c->id);
	put_sep(o);
	if (c->has_ext)
		put_str(o, c->ext);
	put_sep(o);
	put_str(o, s->plan->id);
	put_sep(o);
	put_str(o, substatus_name[s->status]);
	put_sep(o);
	put_ts(o, s->start * DAY, TS_Z);
	put_sep(o);
	if (s->status == SUB_ENDED)
		put_ts(o, s->end * DAY, TS_Z);
	put_sep(o);
	if (s->status == SUB_ACTIVE) {
		put_ts(o, s->end * DAY, TS_Z);
		put_sep(o);
		put_ts(o, next_anchor(s->end, s->anchor) * DAY, TS_Z);
	} else {
		put_sep(o);
	}
	put_str(o, ",30,");
	put_str(o, c->auto_collect ? "true" : "false");
	put_sep(o);
	put_cstr(o, s->memo);
	put_sep(o);
	put_cstr(o, s->memo ? "{\"source\":\"sales\"}" : "{}");
	put_sep(o);
	tx_reset(t);
	tx_str(t, "[");
	for (i = 0; i < s->plan->nprices; i++) {
		const struct price *p = &s->plan->prices[i];
		char pi[GEN_ID_MAX];

		ids_next(&g->ids, ID_INTERVAL, pi);
		tx_str(t, i ? ",{\"id\":" : "{\"id\":");
		tx_json(t, pi);
		tx_str(t, ",\"price\":{\"id\":");
		tx_json(t, p->id);
		tx_str(t, ",\"name\":");
		tx_json(t, p->name);
		tx_str(t, "},\"start_date\":");
		tx_ts(t, s->start * DAY);
		tx_str(t, ",\"end_date\":");
		tx_ts(t, s->status == SUB_ENDED ? s->end * DAY : 0);
		tx_str(t, ",\"fixed_fee_quantity_transitions\":[]}");
	}
	tx_str(t, "]");
	put_tx(o, t);
	put_sep(o);
	put_ts(o, s->created, (s->created & 1) ? TS_UTC : TS_Z);
	put_sep(o);
	put_ts(o, s->status == SUB_UPCOMING ? s->created : s->end * DAY + 120, TS_UTC);
	put_sep(o);
	end_row(o);
}
