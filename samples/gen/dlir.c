/* dlir.c - billsync-gen's metered lines: their daily usage and
 * daily_line_item_revenue.csv, with reverted rows and their replacements. */
#include <string.h>

#include "gen_int.h"

/* One daily revenue row; prefix holds its invoice .. item ids, each with its
 * comma.  A row recognised after its invoice's period was locked (a
 * replacement, a void) is moved to the first day of the next open month. */
static void write_dlir(struct gen *g, const struct customer *c, const struct invoice *inv,
		       const char *prefix, size_t plen, int64_t day, int64_t q7,
		       int64_t amount6, int64_t recognized, int64_t reverted)
{
	struct out *o = g->out[DS_DLIR];
	char id[GEN_ID_MAX];
	char b[32];
	int64_t locked = recognized;

	if (recognized > inv->issued + 5 * DAY)
		locked = anchor_in_month(recognized / DAY, 1, 1) * DAY;
	ids_next(&g->ids, ID_DLIR, id);
	put_str(o, id);
	put_sep(o);
	put_mem(o, prefix, plen);           /* invoice .. item ids, each with its comma */
	put_ts(o, day * DAY, TS_Z);
	put_sep(o);
	put_ts(o, (day + 1) * DAY, TS_Z);
	put_sep(o);
	if (q7 > 0 && q7 < 10) {           /* a JSON-style number with an exponent */
		b[0] = (char)('0' + q7);
		memcpy(b + 1, "e-7", 3);
		put_mem(o, b, 4);
	} else {
		put_dec(o, q7, 7, 0);
	}
	put_sep(o);
	put_dec(o, amount6, 6, c->scale);
	put_sep(o);
	put_str(o, inv->currency ? inv->currency : currencies[c->cur].code);
	put_sep(o);
	put_ts(o, recognized, (id[7] & 3) ? TS_Z : TS_UTC);
	put_sep(o);
	put_ts(o, locked, TS_Z);
	put_sep(o);
	put_ts(o, reverted, TS_Z);
	put_sep(o);
	put_ts(o, reverted ? reverted : recognized, TS_UTC);
	end_row(o);
	g->dlir_written++;
}

static int64_t daily_qty7(struct gen *g, const struct sub *s, int k, int64_t day)
{
	struct rng *r = &g->rng;
	int item = s->plan->prices[k].item;
	int64_t base = s->qbase7[k], q;
	int weekend = (day + 3) % 7 >= 5;   /* 1970-01-01 was a Thursday */

	q = base / 100 * rng_range(r, 60, 140);
	if (weekend && item != IT_STORAGE)
		q = q * 2 / 5;
	switch (item) {
	case IT_STORAGE:             /* GB-hours: seven decimals */
		q += (int64_t)rng_below(r, (uint64_t)E7);
		if (rng_ppm(r, RATE_EXPONENT))
			q = rng_range(r, 1, 9);
		return q;
	case IT_COMPUTE:             /* minutes, two decimals */
		return q / 100000 * 100000;
	default:                     /* counts */
		return q / E7 * E7;
	}
}

/* One metered line over [ps, pe): writes its daily rows, fills its totals. */
void metered_line(struct gen *g, struct customer *c, struct invoice *inv,
			 struct sub *s, struct line *ln, int k, int64_t ps, int64_t pe)
{
	struct rng *r = &g->rng;
	const struct price *p = &s->plan->prices[k];
	char prefix[8 * GEN_ID_MAX];
	size_t plen = 0;
	const char *parts[6];
	int64_t day, sum6 = 0, unit = inv->source == SRC_SUBSCRIPTION && s->trial &&
		s->periods == 0 ? 0 : p->unit6;
	int i;

	parts[0] = inv->id;
	parts[1] = ln->id;
	parts[2] = c->id;
	parts[3] = s->id;
	parts[4] = p->id;
	parts[5] = p->item_id;
	for (i = 0; i < 6; i++) {
		size_t n = strlen(parts[i]);

		memcpy(prefix + plen, parts[i], n);
		plen += n;
		prefix[plen++] = ',';
	}
	ln->qty7 = 0;
	for (day = ps; day < pe; day++) {
		int64_t q7 = daily_qty7(g, s, k, day);
		int64_t rec = (day + 1) * DAY + rng_range(r, 60, 3599);
		int64_t reverted = inv->voided;

		if (rng_below(r, s->cells_left) < s->revs_left) {
			int64_t fix = (pe + rng_range(r, 1, 20)) * DAY + rng_range(r, 0, DAY - 1);

			write_dlir(g, c, inv, prefix, plen, day, q7, amount_of(q7, unit), rec,
				   reverted && reverted < fix ? reverted : fix);
			q7 = q7 / 100 * rng_range(r, 50, 95);
			if (p->item != IT_STORAGE)
				q7 = q7 / E7 * E7;
			rec = fix;
			if (reverted && reverted < fix)
				reverted = fix;
			s->revs_left--;
		}
		s->cells_left--;
		write_dlir(g, c, inv, prefix, plen, day, q7, amount_of(q7, unit), rec, reverted);
		ln->qty7 += q7;
		sum6 += amount_of(q7, unit);
	}
	ln->subtotal6 = to_unit(sum6, c->scale);
	ln->adjusted6 = ln->subtotal6;
}
