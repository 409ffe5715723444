/*
 * refdata.h - what billsync-gen draws its customers, plans and invoices
 * from: currencies, countries, name pools, memos, the seeded Salesforce
 * Accounts, payment providers, items and tiers.  Constant tables only.
 */
#ifndef GEN_REFDATA_H
#define GEN_REFDATA_H

#include <stdint.h>

struct currency {
	const char *code;
	int scale;
	int64_t factor;       /* prices relative to USD, in hundredths */
};

#define N_CURRENCIES 4
enum { CUR_USD, CUR_EUR, CUR_JPY, CUR_BHD };
extern const struct currency currencies[N_CURRENCIES];
extern const unsigned currency_weight[N_CURRENCIES];   /* share of customers, % */

struct country {
	const char *code;
	int cur;
	const char *tz;
	int tax_bp;           /* VAT on lines, basis points */
	const char *tax_type;
	const char *street[3];
	const char *city[3];
	const char *suffix[3];
};

#define N_COUNTRIES 7
extern const struct country countries[N_COUNTRIES];

/* Customer names: a root by currency, a second word, the country's suffix.
 * Sized, so that PICK (rng.h) can draw from them. */
extern const char *const roots_ascii[36];
extern const char *const roots_eu[16];
extern const char *const roots_jp[8];
extern const char *const roots_bh[5];
extern const char *const second_words[16];
extern const char *const long_tail;

extern const char *const memo_quirks[6];
extern const char *const plan_memos[4];

/* Seeded Accounts of tests/salesforce/schema.json; nothing else is linked. */
#define N_ACCOUNTS 5
extern const char *const accounts[N_ACCOUNTS];
#define MISSING_ACCOUNT "001Hs00002zZzZzIAK"

extern const char *const providers[5];
extern const unsigned provider_weight[6];   /* last: none */

enum item { IT_PLATFORM, IT_SEATS, IT_SUPPORT, IT_API, IT_STORAGE, IT_COMPUTE,
	IT_EVENTS, IT_SERVICES, IT_COUNT };

extern const char *const item_names[IT_COUNT];
/* USD list price per unit or per period, scale 6 */
extern const int64_t item_usd6[IT_COUNT];

extern const char *const tier_names[4];
extern const int64_t tier_fee_usd[4];

#define N_SERVICES 5
extern const char *const service_names[N_SERVICES];

#endif
