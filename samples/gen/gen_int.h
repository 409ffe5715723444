/*
 * gen_int.h - what the parts of billsync-gen share: the model (plans,
 * subscriptions, customers, invoices, lines, credits), its rates, and
 * struct gen, the one context every part draws from and writes to.  Not
 * for use outside samples/gen/ (main.c sees gen.h only).
 *
 * The parts, in the order a customer is made: gen.c (set-up and the loop
 * over customers), plans.c, customers.c, subs.c, billing.c (a customer's
 * invoices in time order), invoice.c (one invoice and its lines), dlir.c
 * (a metered line's daily revenue rows), ledger.c (prepaid credits).
 */
#ifndef GEN_INT_H
#define GEN_INT_H

#include <stdint.h>

#include "dates.h"
#include "gen.h"
#include "ids.h"
#include "money.h"
#include "out.h"
#include "refdata.h"
#include "rng.h"
#include "text.h"

/* ---- limits and rates of the model -------------------------------------- */

#define GEN_MAX_PRICES 8              /* prices of one plan */
#define GEN_MAX_SUBS 16               /* subscriptions of one customer */
#define GEN_MAX_ONEOFF 48             /* one-off invoices of one customer */
#define GEN_MAX_LINES 8               /* lines of one invoice */

/* Rates, in parts per million. */
#define RATE_VOID 7000u               /* voided invoices */
#define RATE_TRIAL 30000u             /* subscriptions whose first invoice is $0 */
#define RATE_REVERT_EVERY 600u        /* one reverted daily row per N rows */
#define RATE_EXPONENT 4u              /* storage quantities written as Ne-7 */
#define RATE_PARTIAL 10000u           /* threshold invoices before a period's */
#define RATE_ONEOFF_PER_PERIOD 50000u
#define RATE_MEMO_QUIRK 40000u
#define RATE_LATE_ISSUE 20000u        /* one-offs issued months after creation */

/* daily rows above which a customer gets another subscription */
#define BUDGET_PER_SUB 2000ULL
#define DLIR_PER_CUSTOMER 1500ULL     /* size M: 3M daily rows, 2k customers */

/* ---- the datasets, in the order gen.c opens them --------------------------- */

enum dataset { DS_CUSTOMERS, DS_PLANS, DS_SUBS, DS_INVOICES, DS_LINES, DS_DLIR,
	DS_LEDGER, DS_COUNT };

/* ---- the model ------------------------------------------------------------ */

struct price {
	char id[GEN_ID_MAX];
	const char *item_id;
	const char *name;
	int item;
	int usage;            /* metered: daily revenue rows */
	int64_t unit6;        /* per unit (usage) or per period (fixed), scale 6 */
	int64_t qty;          /* fixed quantity */
};

struct plan {
	char id[GEN_ID_MAX];
	char ext[48];
	char name[96];
	int cur, tier, version, trial_days, discount_bp;
	int nprices, nusage;
	struct price prices[GEN_MAX_PRICES];
	int64_t created, updated;
};

enum substatus { SUB_ACTIVE, SUB_ENDED, SUB_UPCOMING };

struct sub {
	char id[GEN_ID_MAX];
	const struct plan *plan;
	enum substatus status;
	int anchor;
	int nusage;           /* metered prices billed (a tiny budget bills fewer) */
	int trial;
	int64_t start, end;   /* days; end = the last invoiced anchor */
	int64_t cursor;       /* start day of the next period to invoice */
	int64_t created;
	uint64_t cells_left;  /* metered line-days not yet written */
	uint64_t revs_left;   /* of which still to be reverted and replaced */
	int64_t qbase7[GEN_MAX_PRICES];
	int periods;
	const char *memo;
};

enum invstatus { INV_ISSUED, INV_PAID, INV_SYNCED, INV_VOID, INV_DRAFT };
enum invsource { SRC_SUBSCRIPTION, SRC_PARTIAL, SRC_ONE_OFF };

struct line {
	char id[GEN_ID_MAX];
	const struct price *price;
	int64_t start, end;   /* seconds */
	int64_t qty7, subtotal6, adjusted6, credits6, partial6, amount6, tax6;
};

struct invoice {
	char id[GEN_ID_MAX];
	char number[32];
	const struct sub *sub;
	enum invstatus status;
	enum invsource source;
	int64_t date, due, issued, paid, voided, created, updated;   /* seconds */
	const char *memo;
	const char *currency;  /* overrides the customer's: the ZZZ bad row */
	const char *date_text; /* overrides date: the 2024-02-30 bad row */
	int nlines;
	struct line lines[GEN_MAX_LINES];
	int64_t subtotal6, total6;
};

struct credits {
	uint64_t seq;
	int64_t balance6;
	char block[GEN_ID_MAX];
	int64_t expiry;
	int64_t basis6;
	int64_t clock;        /* last entry's time: entries never go back */
};

struct customer {
	char id[GEN_ID_MAX];
	char ext[48];
	char name[GEN_TEXT_MAX / 4];
	char email[96];
	const struct country *country;
	int cur, scale;
	int account;          /* index into accounts, -1 for none */
	const char *account_override;
	int provider;         /* index into providers, -1 for none */
	int auto_collect, prepaid, deleted, has_ext;
	int64_t balance6;
	int64_t created, updated, deleted_at;
	int nsubs;
	struct sub subs[GEN_MAX_SUBS];
	int noneoff;
	int64_t oneoff_day[GEN_MAX_ONEOFF];
	struct credits cr;
	int64_t q_scale;      /* size of its usage, per mille of the average */
};

struct gen {
	struct rng rng;
	uint64_t dlir_target, dlir_written;
	int bad_rows;
	struct out *out[DS_COUNT];   /* owned */
	struct ids ids;
	char inv_prefix[8];
	uint64_t inv_seq;
	int nplans;
	struct plan *plans;          /* owned, nplans of them */
	char items[IT_COUNT][GEN_ID_MAX];
	struct price services[N_SERVICES];
	char product[GEN_ID_MAX];
	uint32_t ncust;
	uint32_t *weight;            /* owned, ncust: customer sizes */
	uint64_t wsum;
	uint32_t bad_inv_every, bad_cust_every;
	int64_t export_day;   /* the export's "today": last period end */
	int force_issued;     /* --bad-rows: keep this invoice issued, repeat it paid */
	struct customer cust;
	struct invoice inv, partial;
	struct text tx;
};

/* ---- the parts ------------------------------------------------------------ */

/* plans.c: plan idx (the first N_CURRENCIES: one Scale plan per currency). */
void make_plan(struct gen *g, struct plan *p, int idx);
void write_plan(struct gen *g, const struct plan *p);

/* customers.c: customer c with budget daily revenue rows, and its row. */
void make_customer(struct gen *g, struct customer *c, uint64_t budget);
void write_customer(struct gen *g, const struct customer *c);
/* A bad customer of --bad-rows (no children): which 0 has an invalid
 * email, 1 an unknown Account. */
void bad_customer(struct gen *g, int which);

/* subs.c */
void plan_subs(struct gen *g, struct customer *c, uint64_t budget);
void write_sub(struct gen *g, const struct customer *c, const struct sub *s);

/* billing.c: all of customer c's invoices, lines, daily rows and ledger
 * entries; bad adds the bad invoices of --bad-rows. */
void customer_invoices(struct gen *g, struct customer *c, int bad);

/* invoice.c */
void start_invoice(struct gen *g, struct customer *c, struct invoice *inv,
		   const struct sub *s, enum invsource src, int64_t date, int64_t created);
struct line *add_line(struct gen *g, struct invoice *inv, const struct price *p,
		      int64_t start, int64_t end);
void settle_invoice(struct gen *g, struct customer *c, struct invoice *inv);
void write_invoice(struct gen *g, const struct customer *c, const struct invoice *inv);
void write_lines(struct gen *g, const struct customer *c, const struct invoice *inv);

/* dlir.c */
void metered_line(struct gen *g, struct customer *c, struct invoice *inv,
		  struct sub *s, struct line *ln, int k, int64_t ps, int64_t pe);

/* ledger.c */
void apply_credits(struct gen *g, struct customer *c, struct invoice *inv);

#endif
