/* invoice.c - one invoice of billsync-gen: its dates, lines, totals and
 * status, and its rows of invoices.csv and invoice_line_item_billing.csv. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static const char *const invstatus_name[] = { "issued", "paid", "synced", "void", "draft" };
static const char *const invsource_name[] = { "subscription", "partial", "one_off" };

void start_invoice(struct gen *g, struct customer *c, struct invoice *inv,
			  const struct sub *s, enum invsource src, int64_t date, int64_t created)
{
	struct rng *r = &g->rng;

	memset(inv, 0, offsetof(struct invoice, lines));
	ids_next(&g->ids, ID_INVOICE, inv->id);
	snprintf(inv->number, sizeof inv->number, "%s-%06llu", g->inv_prefix,
		 (unsigned long long)++g->inv_seq);
	inv->sub = s;
	inv->source = src;
	inv->date = date;
	inv->created = created;
	inv->issued = date + rng_range(r, 3600, 8 * 3600);
	inv->due = date + 30 * DAY;
	if (rng_ppm(r, RATE_VOID))
		inv->voided = inv->issued + rng_range(r, 3600, 5 * DAY);
	if (src == SRC_ONE_OFF && rng_ppm(r, RATE_LATE_ISSUE)) {
		inv->created = date - rng_range(r, 60, 200) * DAY;   /* watermark trap */
		if (inv->created < c->created)
			inv->created = c->created + 60;
	}
	inv->memo = s && s->memo ? s->memo : rng_ppm(r, RATE_MEMO_QUIRK) ? PICK(r, memo_quirks)
		: s && rng_ppm(r, 600000) ? plan_memos[s->plan->tier & 1] : NULL;
}

struct line *add_line(struct gen *g, struct invoice *inv, const struct price *p,
		      int64_t start, int64_t end)
{
	struct line *ln = &inv->lines[inv->nlines++];

	memset(ln, 0, sizeof *ln);
	ids_next(&g->ids, ID_LINE, ln->id);
	ln->price = p;
	ln->start = start;
	ln->end = end;
	return ln;
}

void settle_invoice(struct gen *g, struct customer *c, struct invoice *inv)
{
	struct rng *r = &g->rng;
	int64_t now = g->export_day * DAY;
	int i;

	inv->subtotal6 = inv->total6 = 0;
	for (i = 0; i < inv->nlines; i++) {
		struct line *ln = &inv->lines[i];

		ln->amount6 = ln->adjusted6 - ln->credits6 - ln->partial6;
		ln->tax6 = to_unit(ln->amount6 * c->country->tax_bp / 10000, c->scale);
		inv->subtotal6 += ln->subtotal6;
		inv->total6 += ln->amount6 + ln->tax6;
	}
	inv->updated = inv->issued;
	if (inv->voided) {
		inv->status = INV_VOID;
		inv->updated = inv->voided;
		return;
	}
	if (inv->total6 == 0) {
		inv->status = INV_PAID;
		inv->paid = inv->issued;
	} else if (c->provider == 2 || c->provider == 3) {
		inv->status = now - inv->issued > 7 * DAY ? INV_SYNCED : INV_ISSUED;
	} else {
		inv->paid = inv->issued + (c->auto_collect ? rng_range(r, 60, 3 * DAY)
					   : rng_range(r, 5 * DAY, 40 * DAY));
		inv->status = INV_PAID;
		if (inv->paid >= now || rng_ppm(r, 20000)) {
			inv->status = INV_ISSUED;
			inv->paid = 0;
		}
	}
	if (g->force_issued && inv->source == SRC_SUBSCRIPTION) {
		inv->status = INV_ISSUED;
		inv->paid = 0;
	}
	if (inv->paid)
		inv->updated = inv->paid;
}

void write_invoice(struct gen *g, const struct customer *c, const struct invoice *inv)
{
	struct out *o = g->out[DS_INVOICES];
	enum tstyle st = c->cur == CUR_JPY ? TS_JST : (inv->id[6] & 1) ? TS_UTC : TS_Z;

	put_str(o, inv->id);
	put_sep(o);
	put_str(o, inv->number);
	put_sep(o);
	put_str(o, c->id);
	put_sep(o);
	if (c->account_override)
		put_str(o, c->account_override);
	else if (c->account >= 0)
		put_str(o, accounts[c->account]);
	put_sep(o);
	if (inv->sub)
		put_str(o, inv->sub->id);
	put_sep(o);
	put_str(o, invstatus_name[inv->status]);
	put_sep(o);
	put_str(o, invsource_name[inv->source]);
	put_sep(o);
	put_str(o, inv->currency ? inv->currency : currencies[c->cur].code);
	put_sep(o);
	put_money(o, inv->subtotal6, c->scale);
	put_sep(o);
	put_money(o, inv->total6, c->scale);
	put_sep(o);
	put_money(o, inv->total6, c->scale);
	put_sep(o);
	if (inv->date_text)
		put_str(o, inv->date_text);
	else
		put_ts(o, inv->date, TS_Z);
	put_sep(o);
	put_ts(o, inv->due, TS_Z);
	put_sep(o);
	put_ts(o, inv->issued, st);
	put_sep(o);
	put_ts(o, inv->paid, st);
	put_sep(o);
	put_ts(o, inv->voided, TS_Z);
	put_sep(o);
	put_ts(o, inv->created, st);
	put_sep(o);
	put_ts(o, inv->updated, TS_UTC);
	put_sep(o);
	put_cstr(o, inv->memo);
	put_sep(o);
	put_str(o, "https://portal.billing.example/invoices/");
	put_str(o, inv->id);
	end_row(o);
}

void write_lines(struct gen *g, const struct customer *c, const struct invoice *inv)
{
	struct out *o = g->out[DS_LINES];
	int i;

	for (i = 0; i < inv->nlines; i++) {
		const struct line *ln = &inv->lines[i];

		put_str(o, ln->id);
		put_sep(o);
		put_str(o, inv->id);
		put_sep(o);
		put_str(o, c->id);
		put_sep(o);
		if (inv->sub)
			put_str(o, inv->sub->id);
		put_sep(o);
		put_str(o, ln->price->id);
		put_sep(o);
		put_str(o, ln->price->item_id);
		put_sep(o);
		put_cstr(o, ln->price->name);
		put_sep(o);
		put_ts(o, ln->start, TS_Z);
		put_sep(o);
		put_ts(o, ln->end, TS_Z);
		put_sep(o);
		put_dec(o, ln->qty7, 7, 0);
		put_sep(o);
		put_money(o, ln->subtotal6, c->scale);
		put_sep(o);
		put_money(o, ln->adjusted6, c->scale);
		put_sep(o);
		put_money(o, ln->credits6, c->scale);
		put_sep(o);
		put_money(o, ln->partial6, c->scale);
		put_sep(o);
		put_money(o, ln->amount6, c->scale);
		put_sep(o);
		put_money(o, ln->tax6, c->scale);
		put_sep(o);
		put_str(o, currencies[c->cur].code);
		put_sep(o);
		put_ts(o, inv->issued, TS_Z);
		put_sep(o);
		put_ts(o, inv->voided, TS_Z);
		put_sep(o);
		put_ts(o, inv->voided ? inv->voided : inv->issued, TS_UTC);
		end_row(o);
	}
}
