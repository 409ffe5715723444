/* gen.c - billsync-gen's set-up, its files, and the loop over customers
 * (gen.h); the parts it calls are listed in gen_int.h. */
#include <errno.h>
#include <stdlib.h>

#include "base/calendar.h"
#include "gen_int.h"

/* Weights of customer sizes: w = W_MIN + r^3 / W_DIV for r below W_R. */
#define W_R 100u
#define W_MIN 10u
#define W_DIV 100u

_Static_assert(GEN_DATASETS == DS_COUNT, "gen.h counts the datasets of gen_int.h");

static const char *const ds_name[DS_COUNT] = {
	"customers", "plans", "subscriptions", "invoices", "invoice_line_item_billing",
	"daily_line_item_revenue", "credit_ledger_entries"
};

static const char *const ds_header[DS_COUNT] = {
	"id,external_customer_id,name,email,currency,balance,billing_address,"
	"billing_country,tax_id_type,tax_id_value,payment_provider,payment_provider_id,"
	"auto_collection,timezone,portal_url,metadata,salesforce_account_id,created_at,"
	"updated_at,deleted_at",
	"id,external_plan_id,name,description,status,invoicing_currency,net_terms,version,"
	"default_invoice_memo,discount,minimum,maximum,product,trial_config,metadata,"
	"created_at,updated_at,deleted_at",
	"id,customer_id,external_customer_id,plan_id,status,start_date,end_date,"
	"current_billing_period_start_date,current_billing_period_end_date,net_terms,"
	"auto_collection,default_invoice_memo,metadata,price_intervals,created_at,"
	"updated_at,deleted_at",
	"id,invoice_number,customer_id,salesforce_account_id,subscription_id,status,"
	"invoice_source,currency,subtotal,total,amount_due,invoice_date,due_date,issued_at,"
	"paid_at,voided_at,created_at,updated_at,memo,hosted_invoice_url",
	"id,invoice_id,customer_id,subscription_id,price_id,item_id,name,start_date,"
	"end_date,quantity,subtotal,adjusted_subtotal,credits_applied,"
	"partially_invoiced_amount,amount,tax_amount,currency,issued_at,voided_at,updated_at",
	"id,invoice_id,line_item_id,customer_id,subscription_id,price_id,item_id,"
	"timeframe_start,timeframe_end,quantity,amount,currency,timestamp,"
	"lock_adjusted_timestamp,reverted_at,updated_at",
	"id,customer_id,ledger_sequence_number,entry_type,entry_status,amount,"
	"starting_balance,ending_balance,currency,credit_block_id,credit_block_expiry_date,"
	"credit_block_per_unit_cost_basis,new_block_expiry_date,void_amount,void_reason,"
	"invoice_id,price_id,description,created_at"
};

struct gen *gen_new(uint64_t dlir_rows, uint64_t seed, int bad_rows)
{
	struct gen *g = calloc(1, sizeof *g);
	int k;

	if (!g)
		return NULL;
	g->dlir_target = dlir_rows;
	g->bad_rows = bad_rows;
	rng_seed(&g->rng, seed);
	ids_init(&g->ids, &g->rng);
	for (k = 0; k < 6; k++)
		g->inv_prefix[k] = (char)('A' + rng_below(&g->rng, 26));
	g->export_day = cal_days_from_civil(2025, 7, 1);
	g->ncust = (uint32_t)(dlir_rows / DLIR_PER_CUSTOMER);
	if (g->ncust < 8)
		g->ncust = 8;
	g->nplans = 4 + (int)(g->ncust / 250);
	if (g->nplans > 64)
		g->nplans = 64;
	g->bad_inv_every = g->ncust < 30 ? g->ncust : 30;        /* about 1 in 1000 invoices */
	g->bad_cust_every = g->ncust < 500 ? g->ncust : 500;
	g->plans = calloc((size_t)g->nplans, sizeof *g->plans);
	g->weight = calloc(g->ncust, sizeof *g->weight);
	if (!g->plans || !g->weight) {
		gen_free(g);
		return NULL;
	}
	for (k = 0; k < DS_COUNT; k++) {
		g->out[k] = out_new();
		if (!g->out[k]) {
			gen_free(g);
			return NULL;
		}
	}
	return g;
}

void gen_free(struct gen *g)
{
	int k;

	if (!g)
		return;
	for (k = 0; k < DS_COUNT; k++)
		out_free(g->out[k]);
	free(g->plans);
	free(g->weight);
	free(g);
}

int gen_open(struct gen *g, const char *dir, int gzip, const char **failed)
{
	int k;

	for (k = 0; k < DS_COUNT; k++) {
		if (out_open(g->out[k], dir, ds_name[k], gzip) < 0) {
			*failed = out_path(g->out[k]);
			return -1;
		}
		put_str(g->out[k], ds_header[k]);
		put_ch(g->out[k], '\n');
	}
	return 0;
}

int gen_close(struct gen *g, const char **failed)
{
	int k, err = 0;

	for (k = 0; k < DS_COUNT; k++) {
		if (out_close(g->out[k]) < 0 && !err) {
			err = errno;
			*failed = out_path(g->out[k]);
		}
	}
	errno = err;
	return err ? -1 : 0;
}

const char *gen_dataset(int k)
{
	return ds_name[k];
}

uint64_t gen_rows(const struct gen *g, int k)
{
	return out_rows(g->out[k]);
}

static void make_customer_weights(struct gen *g)
{
	uint32_t i;

	g->wsum = 0;
	for (i = 0; i < g->ncust; i++) {
		uint64_t x = rng_below(&g->rng, W_R);

		g->weight[i] = (uint32_t)(W_MIN + x * x * x / W_DIV);
		g->wsum += g->weight[i];
	}
}

uint64_t gen_run(struct gen *g)
{
	uint64_t cum = 0, given = 0;
	uint32_t i;
	int k;

	for (k = 0; k < IT_COUNT; k++)
		ids_next(&g->ids, ID_ITEM, g->items[k]);
	ids_next(&g->ids, ID_PRODUCT, g->product);
	for (k = 0; k < N_SERVICES; k++) {
		struct price *p = &g->services[k];

		ids_next(&g->ids, ID_PRICE, p->id);
		p->item = IT_SERVICES;
		p->item_id = g->items[IT_SERVICES];
		p->name = service_names[k];
	}
	for (k = 0; k < g->nplans; k++) {
		make_plan(g, &g->plans[k], k);
		write_plan(g, &g->plans[k]);
	}
	make_customer_weights(g);
	for (i = 0; i < g->ncust; i++) {
		struct customer *c = &g->cust;
		uint64_t budget;
		int bad = g->bad_rows && i % g->bad_inv_every == g->bad_inv_every / 2;

		cum += g->weight[i];
		budget = g->dlir_target * cum / g->wsum - given;
		given += budget;
		make_customer(g, c, budget);
		write_customer(g, c);
		for (k = 0; k < c->nsubs; k++)
			write_sub(g, c, &c->subs[k]);
		customer_invoices(g, c, bad);
		if (g->bad_rows && i % g->bad_cust_every == g->bad_cust_every / 2) {
			bad_customer(g, 0);
			bad_customer(g, 1);
		}
	}
	return g->dlir_written;
}
