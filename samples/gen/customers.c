/* customers.c - billsync-gen's customers and customers.csv. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static void make_name(struct gen *g, struct customer *c)
{
	struct rng *r = &g->rng;
	struct text *t = &g->tx;
	const char *root;

	tx_reset(t);
	switch (c->cur) {
	case CUR_EUR:
		root = PICK(r, roots_eu);
		break;
	case CUR_JPY:
		root = PICK(r, roots_jp);
		break;
	case CUR_BHD:
		root = PICK(r, roots_bh);
		break;
	default:
		root = PICK(r, roots_ascii);
	}
	if (rng_ppm(r, 20000) && c->cur != CUR_JPY) {    /* quotes */
		tx_str(t, root);
		tx_str(t, " \"Payments\" Dept.");
	} else {
		tx_str(t, root);
		if (c->cur != CUR_JPY)
			tx_str(t, PICK(r, second_words));
	}
	tx_str(t, c->country->suffix[rng_below(r, 3)]);
	if (rng_ppm(r, 5000))
		tx_str(t, ",\nAccounts Payable");
	else if (rng_ppm(r, 10000))
		tx_str(t, long_tail);
	snprintf(c->name, sizeof c->name, "%s", t->b);
}

void make_customer(struct gen *g, struct customer *c, uint64_t budget)
{
	struct rng *r = &g->rng;
	unsigned ci;
	int64_t first = g->export_day, last = 0;
	int i;

	memset(c, 0, sizeof *c);
	ids_next(&g->ids, ID_CUSTOMER, c->id);
	c->cur = (int)rng_weighted(r, currency_weight, N_CURRENCIES);
	c->scale = currencies[c->cur].scale;
	do
		ci = (unsigned)rng_below(r, N_COUNTRIES);
	while (countries[ci].cur != c->cur);
	c->country = &countries[ci];
	c->has_ext = !rng_ppm(r, 100000);
	snprintf(c->ext, sizeof c->ext, "acct-%06llu", (unsigned long long)g->ids.n[ID_CUSTOMER]);
	make_name(g, c);
	snprintf(c->email, sizeof c->email, "ap-%llu@%s.example",
		 (unsigned long long)g->ids.n[ID_CUSTOMER],
		 c->cur == CUR_USD ? "billing" : c->country->code[0] == 'J' ? "keiri" : "compta");
	c->account = rng_ppm(r, 450000) ? (int)rng_below(r, N_ACCOUNTS) : -1;
	c->provider = (int)rng_weighted(r, provider_weight, 6);
	if (c->provider == 5)
		c->provider = -1;
	c->auto_collect = c->provider == 0 || c->provider == 1;
	c->prepaid = rng_ppm(r, 800000);
	c->deleted = rng_ppm(r, 10000);
	c->balance6 = rng_ppm(r, 100000) ? -to_unit(rng_range(r, 1, 5000) * E6 / 10 *
						    currencies[c->cur].factor / 100, c->scale) : 0;
	c->q_scale = (int64_t)(budget * 1000 / DLIR_PER_CUSTOMER) + 50;
	plan_subs(g, c, budget);
	for (i = 0; i < c->nsubs; i++) {
		if (c->subs[i].status == SUB_UPCOMING)
			continue;
		if (c->subs[i].start < first)
			first = c->subs[i].start;
		if (c->subs[i].end > last)
			last = c->subs[i].end;
	}
	c->created = (first - rng_range(r, 1, 90)) * DAY + rng_range(r, 0, DAY - 1);
	c->updated = rng_ppm(r, 300000)
		? c->created + rng_range(r, 30, g->export_day - c->created / DAY + 29) * DAY / 2
		: c->created;
	if (c->deleted && last)
		c->deleted_at = (last + rng_range(r, 1, 20)) * DAY + rng_range(r, 0, DAY - 1);
	for (i = 0; i < c->nsubs; i++) {
		struct sub *s = &c->subs[i];
		int64_t made = (s->start - rng_range(r, 0, 10)) * DAY + rng_range(r, 0, DAY - 1);

		s->created = made > c->created ? made : c->created + 60;
	}
}

/* The billing_address column: JSON drawn from the customer's country. */
static void address_json(struct text *t, const struct customer *c)
{
	const struct country *k = c->country;
	unsigned street = (unsigned)(c->id[3] % 3), city = (unsigned)(c->id[5] % 3);
	char num[32];

	tx_reset(t);
	tx_str(t, "{");
	tx_key(t, 1, "line1");
	tx_json(t, k->street[street]);
	tx_key(t, 0, "line2");
	tx_json(t, c->id[7] < 'a' ? NULL : "Suite 400");
	tx_key(t, 0, "city");
	tx_json(t, k->city[city]);
	tx_key(t, 0, "state");
	tx_json(t, k->code[0] == 'U' ? (city == 0 ? "IL" : city == 1 ? "CA" : "MA") : NULL);
	tx_key(t, 0, "postal_code");
	snprintf(num, sizeof num, "%05u", (unsigned)(mix64((uint64_t)c->created) % 90000) + 10000);
	tx_json(t, num);
	tx_key(t, 0, "country");
	tx_json(t, k->code);
	tx_str(t, "}");
}

/* The columns tax_id_type,tax_id_value (both empty without a tax id). */
static void put_tax_id(struct out *o, const struct customer *c)
{
	const struct country *k = c->country;
	char num[32];

	if (c->id[9] > '9') {        /* about 5 in 6 have a tax id */
		unsigned long long v = mix64((uint64_t)c->created + 7) % 900000000000000ULL +
			100000000000000ULL;

		put_str(o, k->tax_type);
		put_sep(o);
		if (c->cur == CUR_USD)       /* us_ein 12-3456789 */
			snprintf(num, sizeof num, "%02llu-%07llu", v % 100, v / 100 % 10000000);
		else if (c->cur == CUR_EUR)  /* eu_vat: country and 9 to 11 digits */
			snprintf(num, sizeof num, "%s%llu", k->code, v % 100000000000ULL);
		else                         /* jp_cn 13 digits, bh_vat 15 */
			snprintf(num, sizeof num, "%llu", c->cur == CUR_JPY ? v / 100 : v);
		put_str(o, num);
	} else {
		put_sep(o);
	}
}

/* The columns payment_provider,payment_provider_id (both empty without). */
static void put_provider(struct out *o, const struct customer *c)
{
	char pid[GEN_ID_MAX];

	if (c->provider >= 0) {
		put_str(o, providers[c->provider]);
		put_sep(o);
		memcpy(pid, "cus_", 4);
		memcpy(pid + 4, c->id, 14);
		pid[18] = '\0';
		put_str(o, pid);
	} else {
		put_sep(o);
	}
}

/* The metadata column: one of four JSON objects. */
static void metadata_json(struct text *t, const struct customer *c)
{
	tx_reset(t);
	switch (c->id[11] % 4) {
	case 0:
		tx_str(t, "{}");
		break;
	case 1:
		tx_str(t, "{\"segment\":\"enterprise\",\"crm_owner\":\"jane.doe\"}");
		break;
	case 2:
		tx_str(t, "{\"segment\":\"mid-market\"}");
		break;
	default:
		tx_str(t, "{\"segment\":\"self-serve\",\"signup\":\"web\"}");
	}
}

void write_customer(struct gen *g, const struct customer *c)
{
	struct out *o = g->out[DS_CUSTOMERS];
	struct text *t = &g->tx;
	const struct country *k = c->country;

	put_str(o, c->id);
	put_sep(o);
	if (c->has_ext)
		put_str(o, c->ext);
	put_sep(o);
	put_cstr(o, c->name);
	put_sep(o);
	put_cstr(o, c->email);
	put_sep(o);
	put_str(o, currencies[c->cur].code);
	put_sep(o);
	put_money(o, c->balance6, c->scale);
	put_sep(o);
	address_json(t, c);
	put_tx(o, t);
	put_sep(o);
	put_str(o, k->code);
	put_sep(o);
	put_tax_id(o, c);
	put_sep(o);
	put_provider(o, c);
	put_sep(o);
	put_str(o, c->auto_collect ? "true" : "false");
	put_sep(o);
	put_str(o, k->tz);
	put_sep(o);
	put_str(o, "https://portal.billing.example/customers/");
	put_str(o, c->id);
	put_sep(o);
	metadata_json(t, c);
	put_tx(o, t);
	put_sep(o);
	if (c->account_override)
		put_str(o, c->account_override);
	else if (c->account >= 0)
		put_str(o, accounts[c->account]);
	put_sep(o);
	put_ts(o, c->created, c->cur == CUR_JPY ? TS_JST : TS_Z);
	put_sep(o);
	put_ts(o, c->updated, TS_UTC);
	put_sep(o);
	put_ts(o, c->deleted_at, TS_Z);
	end_row(o);
}

void bad_customer(struct gen *g, int which)
{
	struct customer *c = &g->cust;

	make_customer(g, c, 0);
	c->nsubs = 0;
	c->deleted = 0;
	c->deleted_at = 0;
	if (which == 0) {
		snprintf(c->email, sizeof c->email, "not-an-email");
		snprintf(c->name, sizeof c->name, "Bad row: invalid email");
	} else {
		c->account_override = MISSING_ACCOUNT;
		snprintf(c->name, sizeof c->name, "Bad row: unknown Account");
	}
	write_customer(g, c);
}
