/* billing.c - one customer's invoices in time order: each subscription's
 * periods, partial (threshold) and one-off invoices, and the bad invoices
 * of --bad-rows. */
#include <stdint.h>

#include "gen_int.h"

static void emit(struct gen *g, struct customer *c, struct invoice *inv)
{
	write_invoice(g, c, inv);
	write_lines(g, c, inv);
}

static void subscription_invoice(struct gen *g, struct customer *c, struct sub *s)
{
	struct rng *r = &g->rng;
	struct invoice *inv = &g->inv;
	int64_t ps = s->cursor, pe = next_anchor(ps, s->anchor), cycle;
	int k, metered = 0, trial = s->trial && s->periods == 0;
	struct line *api = NULL;

	if (pe > s->end)
		pe = s->end;
	cycle = pe - anchor_in_month(pe, s->anchor, -1);
	start_invoice(g, c, inv, s, SRC_SUBSCRIPTION, pe * DAY,
		      ps * DAY + rng_range(r, 60, 3600));
	for (k = 0; k < s->plan->nprices; k++) {
		const struct price *p = &s->plan->prices[k];
		struct line *ln;

		if (p->usage && metered++ >= s->nusage)
			continue;
		ln = add_line(g, inv, p, ps * DAY, pe * DAY);
		if (p->usage) {
			metered_line(g, c, inv, s, ln, k, ps, pe);
			if (p->item == IT_API)
				api = ln;
			continue;
		}
		ln->qty7 = p->qty * E7;
		ln->subtotal6 = trial ? 0 : to_unit(p->unit6 * p->qty * (pe - ps) / cycle,
						    c->scale);
		ln->adjusted6 = ln->subtotal6;
		if (s->plan->discount_bp && p->item == IT_PLATFORM)
			ln->adjusted6 = to_unit(ln->subtotal6 *
						(10000 - s->plan->discount_bp) / 10000,
						c->scale);
	}
	s->cursor = pe;
	s->periods++;
	if (api && !inv->voided && api->subtotal6 > 200 * E6 && rng_ppm(r, RATE_PARTIAL)) {
		struct invoice *part = &g->partial;
		int64_t mid = ps + (pe - ps) / 2;
		struct line *pl;

		start_invoice(g, c, part, s, SRC_PARTIAL, mid * DAY, mid * DAY + 60);
		part->voided = 0;
		part->memo = "Usage threshold reached";
		pl = add_line(g, part, api->price, ps * DAY, mid * DAY);
		pl->qty7 = api->qty7 / 2 / E7 * E7;
		pl->subtotal6 = pl->adjusted6 = to_unit(api->subtotal6 / 2, c->scale);
		api->partial6 = pl->subtotal6;
		settle_invoice(g, c, part);
		emit(g, c, part);
	}
	if (c->prepaid && !inv->voided && !trial)
		apply_credits(g, c, inv);
	settle_invoice(g, c, inv);
	emit(g, c, inv);
}

static void one_off_invoice(struct gen *g, struct customer *c, int64_t day)
{
	struct rng *r = &g->rng;
	struct invoice *inv = &g->inv;
	int i, n = 1 + (int)rng_below(r, 2);

	start_invoice(g, c, inv, NULL, SRC_ONE_OFF, day * DAY + rng_range(r, 0, DAY - 1),
		      day * DAY);
	for (i = 0; i < n; i++) {
		const struct price *p = &g->services[rng_below(r, N_SERVICES)];
		struct line *ln = add_line(g, inv, p, inv->date, inv->date);

		ln->qty7 = E7;
		ln->subtotal6 = ln->adjusted6 =
			to_unit(local_price(rng_range(r, 2, 400) * 25 * E6, c->cur), c->scale);
	}
	settle_invoice(g, c, inv);
	emit(g, c, inv);
}

/* A bad row of --bad-rows: an invoice billsync must reject, with no lines. */
static void bad_invoice(struct gen *g, struct customer *c, const char *date_text,
			const char *currency, const char *memo)
{
	struct invoice *inv = &g->inv;
	int64_t day = c->created / DAY + 1;

	start_invoice(g, c, inv, NULL, SRC_ONE_OFF, day * DAY, day * DAY);
	inv->voided = 0;
	inv->date_text = date_text;
	inv->currency = currency;
	inv->memo = memo;
	inv->subtotal6 = inv->total6 = 100 * E6;
	inv->status = INV_ISSUED;
	write_invoice(g, c, inv);
}

/* Whether customer c has invoices after the period of best ending on best_day. */
static int more_after(const struct customer *c, const struct sub *best, int64_t best_day,
		      int next_oneoff)
{
	int i;

	if (next_oneoff < c->noneoff)
		return 1;
	for (i = 0; i < c->nsubs; i++) {
		const struct sub *s = &c->subs[i];

		if (s->status != SUB_UPCOMING && (s == best ? best_day : s->cursor) < s->end)
			return 1;
	}
	return 0;
}

void customer_invoices(struct gen *g, struct customer *c, int bad)
{
	struct rng *r = &g->rng;
	struct invoice dup;
	int i, periods = 0, next_oneoff = 0, have_dup = 0;
	int64_t lo = c->created / DAY + 1, hi = g->export_day - 1;

	for (i = 0; i < c->nsubs; i++)
		if (c->subs[i].status != SUB_UPCOMING)
			periods += (int)((c->subs[i].end - c->subs[i].start) / 30 + 1);
	c->noneoff = (int)(periods * (int64_t)RATE_ONEOFF_PER_PERIOD / PPM) +
		rng_ppm(r, (unsigned)(periods * (int64_t)RATE_ONEOFF_PER_PERIOD % PPM));
	if (c->noneoff > GEN_MAX_ONEOFF)
		c->noneoff = GEN_MAX_ONEOFF;
	if (c->deleted_at && hi > c->deleted_at / DAY - 1)
		hi = c->deleted_at / DAY - 1;
	if (hi <= lo)
		c->noneoff = 0;
	for (i = 0; i < c->noneoff; i++) {          /* sorted random days */
		int64_t d = rng_range(r, lo, hi);
		int j = i;

		while (j > 0 && c->oneoff_day[j - 1] > d) {
			c->oneoff_day[j] = c->oneoff_day[j - 1];
			j--;
		}
		c->oneoff_day[j] = d;
	}
	for (;;) {
		struct sub *best = NULL;
		int64_t best_day = INT64_MAX;

		for (i = 0; i < c->nsubs; i++) {
			struct sub *s = &c->subs[i];
			int64_t pe;

			if (s->status == SUB_UPCOMING || s->cursor >= s->end)
				continue;
			pe = next_anchor(s->cursor, s->anchor);
			pe = pe < s->end ? pe : s->end;
			if (pe < best_day) {
				best_day = pe;
				best = s;
			}
		}
		if (next_oneoff < c->noneoff && c->oneoff_day[next_oneoff] < best_day) {
			one_off_invoice(g, c, c->oneoff_day[next_oneoff++]);
			continue;
		}
		if (!best)
			break;
		g->force_issued = bad && !more_after(c, best, best_day, next_oneoff);
		subscription_invoice(g, c, best);
		if (g->force_issued && g->inv.status == INV_ISSUED) {
			dup = g->inv;
			have_dup = 1;
		}
		g->force_issued = 0;
	}
	if (bad) {
		bad_invoice(g, c, "2024-02-30T00:00:00Z", NULL, "Bad row: impossible invoice_date");
		bad_invoice(g, c, NULL, "ZZZ", "Bad row: unknown currency");
		if (have_dup) {          /* the same invoice again, paid since */
			dup.status = INV_PAID;
			dup.paid = dup.updated = dup.issued + 3 * DAY;
			write_invoice(g, c, &dup);
		}
	}
}
