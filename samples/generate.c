/* generate.c - billsync-gen: writes a large billing export (the seven datasets
 * of samples/), deterministic for a seed and a size, referentially consistent,
 * with its rows grouped by parent the way an export is. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/calendar.h"

/* ---- limits and fixed points of the model ------------------------------ */

#define GEN_OUT_BUF (1u << 20)        /* bytes buffered per output file */
#define GEN_PATH_MAX 4096
#define GEN_TEXT_MAX 8192             /* one composed field (JSON, names) */
#define GEN_ID_MAX 24                 /* "dlir_" + 16 + NUL, with room */
#define GEN_MAX_PRICES 8              /* prices of one plan */
#define GEN_MAX_SUBS 16               /* subscriptions of one customer */
#define GEN_MAX_ONEOFF 48             /* one-off invoices of one customer */
#define GEN_MAX_LINES 8               /* lines of one invoice */
#define GEN_MIN_DLIR 100ULL
#define GEN_MAX_DLIR 1000000000ULL       /* keeps N x weights within 64 bits */
#define GEN_DEFAULT_DLIR 3000000ULL
#define GEN_GZIP_LEVEL "-1"           /* fast: gzip runs beside us on the other core */

#define DAY 86400LL
#define E6 1000000LL
#define E7 10000000LL
#define PPM 1000000u

/* Rates, in parts per million. */
#define RATE_VOID 7000u               /* voided invoices */
#define RATE_TRIAL 30000u             /* subscriptions whose first invoice is $0 */
#define RATE_REVERT_EVERY 600u        /* one reverted daily row per N rows */
#define RATE_EXPONENT 4u              /* storage quantities written as Ne-7 */
#define RATE_PARTIAL 10000u           /* threshold invoices before a period's */
#define RATE_ONEOFF_PER_PERIOD 50000u
#define RATE_MEMO_QUIRK 40000u
#define RATE_LATE_ISSUE 20000u        /* one-offs issued months after creation */

/* Weights of customer sizes: w = W_MIN + r^3 / W_DIV for r below W_R. */
#define W_R 100u
#define W_MIN 10u
#define W_DIV 100u
/* daily rows above which a customer gets another subscription */
#define BUDGET_PER_SUB 2000ULL
#define DLIR_PER_CUSTOMER 1500ULL     /* size M: 3M daily rows, 2k customers */

enum { EXIT_IO = 1, EXIT_USAGE = 2 };

/* ---- the datasets -------------------------------------------------------- */

enum dataset { DS_CUSTOMERS, DS_PLANS, DS_SUBS, DS_INVOICES, DS_LINES, DS_DLIR,
	DS_LEDGER, DS_COUNT };

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

/* ---- reference data ------------------------------------------------------ */

struct currency {
	const char *code;
	int scale;
	int64_t factor;       /* prices relative to USD, in hundredths */
};

static const struct currency currencies[] = {
	{ "USD", 2, 100 }, { "EUR", 2, 92 }, { "JPY", 0, 15000 }, { "BHD", 3, 38 }
};
static const unsigned currency_weight[] = { 70, 17, 9, 4 };   /* share of customers, % */
#define N_CURRENCIES 4
enum { CUR_USD, CUR_EUR, CUR_JPY, CUR_BHD };

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

static const struct country countries[] = {
	{ "US", CUR_USD, "America/New_York", 0, "us_ein",
	  { "1 Main St", "500 Market St", "77 Massachusetts Ave" },
	  { "Springfield", "San Francisco", "Cambridge" }, { ", Inc.", " LLC", " Corp." } },
	{ "US", CUR_USD, "America/Los_Angeles", 0, "us_ein",
	  { "1600 Amphitheatre Pkwy", "10880 Malibu Point", "4120 Freidrich Ln" },
	  { "Mountain View", "Malibu", "Austin" }, { " Inc.", ", LLC", " Co." } },
	{ "FR", CUR_EUR, "Europe/Paris", 2000, "eu_vat",
	  { "29 Boulevard Haussmann", "8 Rue de la Paix", "12 Quai d'Orsay" },
	  { "Paris", "Lyon", "Marseille" }, { " SAS", " S.A.", " SARL" } },
	{ "DE", CUR_EUR, "Europe/Berlin", 1900, "eu_vat",
	  { "Königsallee 1", "Friedrichstraße 43", "Bahnhofstraße 12" },
	  { "Düsseldorf", "Berlin", "München" }, { " GmbH", " AG", " KG" } },
	{ "NL", CUR_EUR, "Europe/Amsterdam", 2100, "eu_vat",
	  { "Herengracht 182", "Coolsingel 40", "Stationsplein 1" },
	  { "Amsterdam", "Rotterdam", "Utrecht" }, { " B.V.", " N.V.", " B.V." } },
	{ "JP", CUR_JPY, "Asia/Tokyo", 1000, "jp_cn",
	  { "千代田区丸の内1-1-1", "港区六本木6-10-1", "中央区銀座4-6-16" },
	  { "東京都", "大阪府", "京都府" }, { "", "", "" } },
	{ "BH", CUR_BHD, "Asia/Bahrain", 1000, "bh_vat",
	  { "Building 1565, Road 1722", "Bab Al Bahrain Ave", "Seef District, Block 428" },
	  { "Manama", "Muharraq", "Riffa" }, { " W.L.L.", " B.S.C.", " W.L.L." } },
};
#define N_COUNTRIES 7

static const char *const roots_ascii[] = {
	"Acme", "Globex", "Initech", "Hooli", "Vandelay", "Wayne", "Tyrell", "Cyberdyne",
	"Soylent", "Aperture", "Nakatomi", "Pied Piper", "Massive Dynamic", "Northwind",
	"Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works", "Blue Yonder",
	"Proseware", "Wide World", "Wingtip", "Coho Vineyard", "Fourth Coffee",
	"Alpine Ski House", "Humongous", "Relecloud", "Trey Research", "Woodgrove", "Lucerne",
	"Southridge Video", "Dunder Mifflin", "Bluth", "Sterling Cooper", "Prestige Worldwide"
};
static const char *const roots_eu[] = {
	"Société Générale", "Müller & Söhne", "Ångström Optik", "Øresund Logistik",
	"Café Lumière", "Zürcher Handels", "Bäckerei Schmidt", "Électricité du Nord",
	"Łódź Software", "Brasserie du Port", "Dvořák Audio", "Straßenbau Weber",
	"Groupe Rémy", "Van der Berg", "Fjällbacka Design", "Crème de la Crème"
};
static const char *const roots_jp[] = {
	"株式会社サンプル", "株式会社ヤマダ", "サクラ工業株式会社", "株式会社フジ",
	"ミドリ商事株式会社", "株式会社アオイ", "東京テック株式会社", "Umbrella KK"
};
static const char *const roots_bh[] = {
	"Gulf Trading Co.", "Manama Logistics", "Pearl Holdings", "Dilmun Tech", "Al Noor"
};
static const char *const second_words[] = {
	"", "", "", " Labs", " Systems", " Analytics", " Logistics", " Robotics", " Health",
	" Media", " Capital", " Foods", " Energy", " Software", " Cloud", " Networks"
};
static const char *const long_tail =
	" - Consolidated Holdings of the Greater Metropolitan Region,"
	" Accounts Payable Division";

static const char *const memo_quirks[] = {
	"PO 7781, \"net 30\"",
	"Please remit to:\nAccounts Receivable, PO Box 1234, Springfield",
	"Paiement à 30 jours, TVA incluse",
	"お支払いは月末までにお願いします。",
	"Bezahlung innerhalb von 14 Tagen, ohne Abzug",
	"Ref: \"Q3 true-up\"; questions to ar@billing.example"
};
static const char *const plan_memos[] = {
	"Thank you for your business.", "Net 30. Questions: billing@billing.example",
	"Merci pour votre confiance.", "ご利用ありがとうございます。"
};

/* Seeded Accounts of tests/salesforce/schema.json; nothing else is linked. */
static const char *const accounts[] = {
	"001Hs00002abcdeIAA", "001Hs00002FgHiJIAV", "001Hs00002kLmNoIAK",
	"001Hs00002pQrStIAK", "001Hs00002uVwXyIAK"
};
#define N_ACCOUNTS 5
#define MISSING_ACCOUNT "001Hs00002zZzZzIAK"

static const char *const providers[] = {
	"stripe_invoice", "stripe_charge", "quickbooks", "netsuite", "bill.com"
};
static const unsigned provider_weight[] = { 45, 20, 10, 8, 5, 12 };  /* last: none */

enum item { IT_PLATFORM, IT_SEATS, IT_SUPPORT, IT_API, IT_STORAGE, IT_COMPUTE,
	IT_EVENTS, IT_SERVICES, IT_COUNT };

static const char *const item_names[IT_COUNT] = {
	"Platform fee", "Seats", "Premium support (included)", "API calls",
	"Storage (GB-hours)", "Compute (minutes)", "Events ingested", "Professional services"
};
/* USD list price per unit or per period, scale 6 */
static const int64_t item_usd6[IT_COUNT] = {
	49000000, 20000000, 0, 2000, 140, 45000, 300, 0
};

static const char *const tier_names[] = { "Starter", "Growth", "Scale", "Enterprise" };
static const int64_t tier_fee_usd[] = { 49, 199, 499, 1999 };

static const char *const service_names[] = {
	"Implementation services", "Training workshop, 2 days", "Custom integration work",
	"Hardware pass-through", "Data migration (\"white glove\")"
};
#define N_SERVICES 5

/* ---- pseudo-random numbers: xoshiro256** seeded by splitmix64 ----------- */

struct rng {
	uint64_t s[4];
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(seed);
	}
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

static int rng_ppm(struct rng *r, unsigned ppm)
{
	return rng_below(r, PPM) < ppm;
}

static unsigned rng_weighted(struct rng *r, const unsigned *w, unsigned n)
{
	unsigned total = 0, i;
	uint64_t x;

	for (i = 0; i < n; i++)
		total += w[i];
	x = rng_below(r, total);
	for (i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- calendar ---------------------------------------------------------- */

/* The day of month `anchor` (1..28) in the month `delta` months after day z's. */
static int64_t anchor_in_month(int64_t z, int anchor, int delta)
{
	int64_t y;
	int m, d, mi;

	cal_civil_from_days(z, &y, &m, &d);
	mi = m - 1 + delta;
	y += mi >= 0 ? mi / 12 : (mi - 11) / 12;
	mi = ((mi % 12) + 12) % 12;
	return cal_days_from_civil(y, mi + 1, anchor);
}

/* The first billing anchor strictly after day z. */
static int64_t next_anchor(int64_t z, int anchor)
{
	int64_t a = anchor_in_month(z, anchor, 0);

	return a > z ? a : anchor_in_month(z, anchor, 1);
}

/* The last billing anchor on or before day z. */
static int64_t last_anchor(int64_t z, int anchor)
{
	int64_t a = anchor_in_month(z, anchor, 0);

	return a <= z ? a : anchor_in_month(z, anchor, -1);
}

enum tstyle { TS_Z, TS_UTC, TS_JST };

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Writes t (seconds since the epoch) as ISO 8601; returns the length. */
static size_t fmt_ts(char *b, int64_t t, enum tstyle st)
{
	int64_t days, secs, y;
	int m, d;
	char *p = b;

	if (st == TS_JST)
		t += 9 * 3600;
	days = (t >= 0 ? t : t - (DAY - 1)) / DAY;
	secs = t - days * DAY;
	cal_civil_from_days(days, &y, &m, &d);
	p = put2(p, (int)(y / 100));
	p = put2(p, (int)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, (int)(secs / 3600));
	*p++ = ':';
	p = put2(p, (int)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (int)(secs % 60));
	if (st == TS_Z) {
		*p++ = 'Z';
	} else {
		memcpy(p, st == TS_JST ? "+09:00" : "+00:00", 6);
		p += 6;
	}
	return (size_t)(p - b);
}

/* Writes v / 10^vscale in decimal, trimming trailing zeros down to mindec
 * decimals; returns the length (at most 24). */
static size_t fmt_dec(char *b, int64_t v, int vscale, int mindec)
{
	char dig[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = 0, intlen, frac, i;
	char *p = b;

	do {
		dig[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n <= vscale)
		dig[n++] = '0';
	frac = vscale;
	while (frac > mindec && dig[vscale - frac] == '0')
		frac--;
	if (v < 0)
		*p++ = '-';
	intlen = n - vscale;
	for (i = n - 1; i >= n - intlen; i--)
		*p++ = dig[i];
	if (frac) {
		*p++ = '.';
		for (i = vscale - 1; i >= vscale - frac; i--)
			*p++ = dig[i];
	}
	return (size_t)(p - b);
}

/* ---- output files: buffered, optionally through a gzip child ------------ */

struct out {
	int fd;
	pid_t child;          /* gzip compressing our pipe, or 0 */
	char *buf;
	size_t len;
	uint64_t rows;
	int err;              /* errno of the first failure; sticky */
	char path[GEN_PATH_MAX];
};

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	o->len = 0;
}

static void put_mem(struct out *o, const char *s, size_t n)
{
	if (o->len + n > GEN_OUT_BUF) {
		out_flush(o);
		if (n > GEN_OUT_BUF) {      /* cannot happen: fields are bounded */
			o->err = EOVERFLOW;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_ch(struct out *o, char c)
{
	if (o->len == GEN_OUT_BUF)
		out_flush(o);
	o->buf[o->len++] = c;
}

static void put_str(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

/* A CSV field: quoted (with doubled quotes) when it holds , " CR or LF. */
static void put_text(struct out *o, const char *s, size_t n)
{
	size_t i;

	if (!memchr(s, '"', n) && !memchr(s, ',', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		put_mem(o, s, n);
		return;
	}
	put_ch(o, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			put_ch(o, '"');
		put_ch(o, s[i]);
	}
	put_ch(o, '"');
}

static void put_cstr(struct out *o, const char *s)
{
	if (s)
		put_text(o, s, strlen(s));
}

static void put_u64(struct out *o, uint64_t v)
{
	char b[24], *p = b + sizeof b;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(o, p, (size_t)(b + sizeof b - p));
}

static void put_dec(struct out *o, int64_t v, int vscale, int mindec)
{
	char b[32];

	put_mem(o, b, fmt_dec(b, v, vscale, mindec));
}

/* Money held at scale 6, written with the currency's scale. */
static void put_money(struct out *o, int64_t v6, int scale)
{
	put_dec(o, v6, 6, scale);
}

/* A timestamp, or nothing when t is 0 (null). */
static void put_ts(struct out *o, int64_t t, enum tstyle st)
{
	char b[32];

	if (t)
		put_mem(o, b, fmt_ts(b, t, st));
}

static void put_sep(struct out *o)
{
	put_ch(o, ',');
}

static void end_row(struct out *o)
{
	put_ch(o, '\n');
	o->rows++;
}

static int mkdirs(const char *dir)
{
	char p[GEN_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int out_open(struct out *o, const char *dir, const char *name, int gzip)
{
	int fd, p[2];
	int n = snprintf(o->path, sizeof o->path, "%s/%s.csv%s", dir, name,
			 gzip ? ".gz" : "");

	o->fd = -1;
	o->child = 0;
	o->len = 0;
	o->rows = 0;
	o->err = 0;
	o->buf = NULL;
	if (n < 0 || (size_t)n >= sizeof o->path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	o->fd = fd;
	if (gzip) {
		if (pipe(p) < 0)
			return -1;
		fcntl(p[1], F_SETFD, FD_CLOEXEC);   /* later gzips must not hold it */
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
		o->child = fork();
		if (o->child < 0) {
			close(p[0]);
			close(p[1]);
			return -1;
		}
		if (o->child == 0) {
			if (dup2(p[0], 0) < 0 || dup2(fd, 1) < 0)
				_exit(127);
			execlp("gzip", "gzip", "-c", "-n", GEN_GZIP_LEVEL, (char *)NULL);
			_exit(127);
		}
		close(p[0]);
		close(fd);
		o->fd = p[1];
	}
	o->buf = malloc(GEN_OUT_BUF);
	if (!o->buf) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Flushes and closes; returns 0, or -1 with errno (EIO when gzip failed). */
static int out_close(struct out *o)
{
	int status, err;

	if (o->fd >= 0) {
		out_flush(o);
		if (close(o->fd) < 0 && !o->err)
			o->err = errno;
		o->fd = -1;
	}
	if (o->child > 0) {
		while (waitpid(o->child, &status, 0) < 0 && errno == EINTR)
			;
		if (!o->err && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
			o->err = EIO;
		o->child = 0;
	}
	free(o->buf);
	o->buf = NULL;
	err = o->err;
	errno = err;
	return err ? -1 : 0;
}

/* ---- composed text: JSON values and names ------------------------------- */

struct text {
	char b[GEN_TEXT_MAX];
	size_t n;
};

static void tx_mem(struct text *t, const char *s, size_t n)
{
	if (n > sizeof t->b - 1 - t->n)
		n = sizeof t->b - 1 - t->n;   /* bounded by design; never reached */
	memcpy(t->b + t->n, s, n);
	t->n += n;
	t->b[t->n] = '\0';
}

static void tx_str(struct text *t, const char *s)
{
	tx_mem(t, s, strlen(s));
}

static void tx_reset(struct text *t)
{
	t->n = 0;
	t->b[0] = '\0';
}

/* A JSON string, or null when s is NULL. */
static void tx_json(struct text *t, const char *s)
{
	if (!s) {
		tx_str(t, "null");
		return;
	}
	tx_str(t, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			tx_mem(t, "\\", 1);
			tx_mem(t, s, 1);
		} else if (*s == '\n') {
			tx_str(t, "\\n");
		} else {
			tx_mem(t, s, 1);
		}
	}
	tx_str(t, "\"");
}

static void tx_key(struct text *t, int first, const char *key)
{
	if (!first)
		tx_str(t, ",");
	tx_json(t, key);
	tx_str(t, ":");
}

static void tx_ts(struct text *t, int64_t ts)
{
	char b[32];

	if (!ts) {
		tx_str(t, "null");
		return;
	}
	tx_str(t, "\"");
	tx_mem(t, b, fmt_ts(b, ts, TS_Z));
	tx_str(t, "\"");
}

static void tx_dec_string(struct text *t, int64_t v6, int scale)
{
	char b[32];

	tx_str(t, "\"");
	tx_mem(t, b, fmt_dec(b, v6, 6, scale));
	tx_str(t, "\"");
}

static void put_tx(struct out *o, const struct text *t)
{
	put_text(o, t->b, t->n);
}

/* ---- ids ------------------------------------------------------------------ */

enum idkind { ID_CUSTOMER, ID_PLAN, ID_PRICE, ID_ITEM, ID_PRODUCT, ID_SUB, ID_INTERVAL,
	ID_INVOICE, ID_LINE, ID_DLIR, ID_LEDGER, ID_BLOCK, ID_PROVIDER, ID_KINDS };

static const char *const id_prefix[ID_KINDS] = {
	"", "plan_", "price_", "item_", "prod_", "sub_", "pi_", "inv_", "ili_", "dlir_",
	"le_", "blk_", "cus_"
};

static const char b62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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
static const char *const substatus_name[] = { "active", "ended", "upcoming" };

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
static const char *const invstatus_name[] = { "issued", "paid", "synced", "void", "draft" };
enum invsource { SRC_SUBSCRIPTION, SRC_PARTIAL, SRC_ONE_OFF };
static const char *const invsource_name[] = { "subscription", "partial", "one_off" };

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
	struct out out[DS_COUNT];
	uint64_t idkey[ID_KINDS], idn[ID_KINDS];
	char inv_prefix[8];
	uint64_t inv_seq;
	int nplans;
	struct plan *plans;
	char items[IT_COUNT][GEN_ID_MAX];
	struct price services[N_SERVICES];
	char product[GEN_ID_MAX];
	uint32_t ncust;
	uint32_t *weight;
	uint64_t wsum;
	uint32_t bad_inv_every, bad_cust_every;
	int64_t export_day;   /* the export's "today": last period end */
	int force_issued;     /* --bad-rows: keep this invoice issued, repeat it paid */
	struct customer cust;
	struct invoice inv, partial;
	struct text tx;
};

/* A 16-character base62 id after the kind's prefix: the first 11 characters
 * encode a bijection of the kind's counter, so ids never repeat. */
static void new_id(struct gen *g, enum idkind kind, char *dst)
{
	uint64_t v = mix64(g->idn[kind]++ + g->idkey[kind]);
	uint64_t w = mix64(v ^ g->idkey[kind]);
	size_t pl = strlen(id_prefix[kind]);
	char *p = dst + pl;
	int i;

	memcpy(dst, id_prefix[kind], pl);
	for (i = 10; i >= 0; i--) {
		p[i] = b62[v % 62];
		v /= 62;
	}
	for (i = 11; i < 16; i++) {
		p[i] = b62[w % 62];
		w /= 62;
	}
	p[16] = '\0';
}

static int64_t round_div(int64_t a, int64_t b)   /* half away from zero; b > 0 */
{
	return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static int64_t unit6(int scale)   /* the currency's smallest unit at scale 6 */
{
	static const int64_t u[] = { E6, 100000, 10000, 1000 };

	return u[scale];
}

static int64_t to_unit(int64_t v6, int scale)
{
	return round_div(v6, unit6(scale)) * unit6(scale);
}

static int64_t local_price(int64_t usd6, int cur)
{
	return usd6 * currencies[cur].factor / 100;
}

/* ---- plans -------------------------------------------------------------- */

static void add_price(struct gen *g, struct plan *p, int item, int64_t unit, int64_t qty)
{
	struct price *pr = &p->prices[p->nprices++];

	new_id(g, ID_PRICE, pr->id);
	pr->item = item;
	pr->item_id = g->items[item];
	pr->name = item_names[item];
	pr->usage = item >= IT_API && item <= IT_EVENTS;
	pr->unit6 = unit;
	pr->qty = qty;
	if (pr->usage)
		p->nusage++;
}

static void make_plan(struct gen *g, struct plan *p, int idx)
{
	struct rng *r = &g->rng;
	int cur = idx < N_CURRENCIES ? idx : (int)rng_weighted(r, currency_weight, N_CURRENCIES);
	int scale = currencies[cur].scale;
	int64_t fee;

	memset(p, 0, sizeof *p);
	new_id(g, ID_PLAN, p->id);
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

static void write_plan(struct gen *g, const struct plan *p)
{
	struct out *o = &g->out[DS_PLANS];
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

/* ---- customers and their subscriptions ------------------------------------ */

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

/* Plans customer c's subscriptions so that their metered line-days plus
 * replacement rows add up to budget exactly. */
static void plan_subs(struct gen *g, struct customer *c, uint64_t budget)
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
		new_id(g, ID_SUB, s->id);
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
		new_id(g, ID_SUB, s->id);
		s->plan = pick_plan(g, c->cur);
		s->anchor = (int)rng_range(r, 1, 28);
		s->status = SUB_UPCOMING;
		s->start = g->export_day + rng_range(r, 10, 120);
		s->end = 0;
		s->cursor = s->start;
	}
}

static void make_customer(struct gen *g, struct customer *c, uint64_t budget)
{
	struct rng *r = &g->rng;
	unsigned ci;
	int64_t first = g->export_day, last = 0;
	int i;

	memset(c, 0, sizeof *c);
	new_id(g, ID_CUSTOMER, c->id);
	c->cur = (int)rng_weighted(r, currency_weight, N_CURRENCIES);
	c->scale = currencies[c->cur].scale;
	do
		ci = (unsigned)rng_below(r, N_COUNTRIES);
	while (countries[ci].cur != c->cur);
	c->country = &countries[ci];
	c->has_ext = !rng_ppm(r, 100000);
	snprintf(c->ext, sizeof c->ext, "acct-%06llu", (unsigned long long)g->idn[ID_CUSTOMER]);
	make_name(g, c);
	snprintf(c->email, sizeof c->email, "ap-%llu@%s.example",
		 (unsigned long long)g->idn[ID_CUSTOMER],
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

static void write_customer(struct gen *g, const struct customer *c)
{
	struct out *o = &g->out[DS_CUSTOMERS];
	struct text *t = &g->tx;
	const struct country *k = c->country;
	char pid[GEN_ID_MAX], num[32];
	unsigned street = (unsigned)(c->id[3] % 3), city = (unsigned)(c->id[5] % 3);

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
	put_tx(o, t);
	put_sep(o);
	put_str(o, k->code);
	put_sep(o);
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
	put_sep(o);
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
	put_sep(o);
	put_str(o, c->auto_collect ? "true" : "false");
	put_sep(o);
	put_str(o, k->tz);
	put_sep(o);
	put_str(o, "https://portal.billing.example/customers/");
	put_str(o, c->id);
	put_sep(o);
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

static void write_sub(struct gen *g, const struct customer *c, const struct sub *s)
{
	struct out *o = &g->out[DS_SUBS];
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

		new_id(g, ID_INTERVAL, pi);
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

/* ---- invoices, lines, daily revenue ---------------------------------------- */

/* One daily revenue row; prefix holds its invoice .. item ids, each with its
 * comma.  A row recognised after its invoice's period was locked (a
 * replacement, a void) is moved to the first day of the next open month. */
static void write_dlir(struct gen *g, const struct customer *c, const struct invoice *inv,
		       const char *prefix, size_t plen, int64_t day, int64_t q7,
		       int64_t amount6, int64_t recognized, int64_t reverted)
{
	struct out *o = &g->out[DS_DLIR];
	char id[GEN_ID_MAX];
	char b[32];
	int64_t locked = recognized;

	if (recognized > inv->issued + 5 * DAY)
		locked = anchor_in_month(recognized / DAY, 1, 1) * DAY;
	new_id(g, ID_DLIR, id);
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

/* qty7 x unit6 at scale 6, half up, without overflow. */
static int64_t amount_of(int64_t q7, int64_t unit)
{
	return (q7 / E7) * unit + ((q7 % E7) * unit + E7 / 2) / E7;
}

/* One metered line over [ps, pe): writes its daily rows, fills its totals. */
static void metered_line(struct gen *g, struct customer *c, struct invoice *inv,
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

static void start_invoice(struct gen *g, struct customer *c, struct invoice *inv,
			  const struct sub *s, enum invsource src, int64_t date, int64_t created)
{
	struct rng *r = &g->rng;

	memset(inv, 0, offsetof(struct invoice, lines));
	new_id(g, ID_INVOICE, inv->id);
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

static void settle_invoice(struct gen *g, struct customer *c, struct invoice *inv)
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

static void write_invoice(struct gen *g, const struct customer *c, const struct invoice *inv)
{
	struct out *o = &g->out[DS_INVOICES];
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

static void write_lines(struct gen *g, const struct customer *c, const struct invoice *inv)
{
	struct out *o = &g->out[DS_LINES];
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

/* ---- the credit ledger ------------------------------------------------------ */

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
	struct out *o = &g->out[DS_LEDGER];
	struct credits *cr = &c->cr;
	char id[GEN_ID_MAX];

	if (when <= cr->clock)
		when = cr->clock + 1;
	cr->clock = when;
	new_id(g, ID_LEDGER, id);
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
static void apply_credits(struct gen *g, struct customer *c, struct invoice *inv)
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
			new_id(g, ID_BLOCK, cr->block);
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

/* ---- one customer's invoices, in time order ------------------------------------ */

static struct line *add_line(struct gen *g, struct invoice *inv, const struct price *p,
			     int64_t start, int64_t end)
{
	struct line *ln = &inv->lines[inv->nlines++];

	memset(ln, 0, sizeof *ln);
	new_id(g, ID_LINE, ln->id);
	ln->price = p;
	ln->start = start;
	ln->end = end;
	return ln;
}

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

static void customer_invoices(struct gen *g, struct customer *c, int bad)
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

/* ---- driver ------------------------------------------------------------------- */

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

static void bad_customer(struct gen *g, int which)
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

static void generate(struct gen *g)
{
	uint64_t cum = 0, given = 0;
	uint32_t i;
	int k;

	for (k = 0; k < IT_COUNT; k++)
		new_id(g, ID_ITEM, g->items[k]);
	new_id(g, ID_PRODUCT, g->product);
	for (k = 0; k < N_SERVICES; k++) {
		struct price *p = &g->services[k];

		new_id(g, ID_PRICE, p->id);
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
}

/* ---- command line ---------------------------------------------------------------- */

static const char usage_text[] =
	"usage: billsync-gen --out DIR [--dlir-rows N] [--seed S] [--gzip] [--bad-rows]\n"
	"Write a large, deterministic billing export: the seven datasets of samples/.\n"
	"\n"
	"  --out DIR        directory to write to (created if missing)\n"
	"  --dlir-rows N    daily line-item revenue rows, exactly (default 3M; at least 100);\n"
	"                   k and M suffixes: 300k, 3M, 10M. The other datasets scale with\n"
	"                   it: per 3M rows about 2k customers, 50k invoices, 200k lines,\n"
	"                   100k ledger entries\n"
	"  --seed S         seed of the pseudo-random numbers (default 1); the same seed\n"
	"                   and size give byte-identical files\n"
	"  --gzip           write NAME.csv.gz through the gzip program (level 1)\n"
	"  --bad-rows       add rows billsync or Salesforce must reject: an impossible\n"
	"                   invoice_date, currency ZZZ, a repeated invoice id, an invalid\n"
	"                   email, an unknown Account id\n"
	"  --help           show this help\n";

static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1000000, end++;
	if (*end || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "billsync-gen: %s '%s'\ntry 'billsync-gen --help'\n", msg, arg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "dlir-rows", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "bad-rows", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen *g;
	const char *dir = NULL;
	uint64_t rows = GEN_DEFAULT_DLIR, seed = 1;
	int gzip = 0, bad = 0, opt, k, rc = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			dir = optarg;
			break;
		case 'n':
			if (parse_count(optarg, &rows) < 0 || rows < GEN_MIN_DLIR ||
			    rows > GEN_MAX_DLIR)
				return usage_error("--dlir-rows wants a count "
						   "from 100 to 1000M, not",
						   optarg);
			break;
		case 's':
			if (parse_count(optarg, &seed) < 0)
				return usage_error("--seed wants a whole number, not", optarg);
			break;
		case 'z':
			gzip = 1;
			break;
		case 'b':
			bad = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("unknown option or missing value:", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!dir)
		return usage_error("missing --out DIR; got", "");
	if (mkdirs(dir) < 0) {
		fprintf(stderr, "billsync-gen: cannot create '%s': %s\n", dir, strerror(errno));
		return EXIT_IO;
	}
	signal(SIGPIPE, SIG_IGN);   /* a dead gzip shows up as EPIPE on write */

	g = calloc(1, sizeof *g);
	if (!g) {
		fputs("billsync-gen: out of memory\n", stderr);
		return EXIT_IO;
	}
	g->dlir_target = rows;
	g->bad_rows = bad;
	rng_seed(&g->rng, seed);
	for (k = 0; k < ID_KINDS; k++)
		g->idkey[k] = rng_next(&g->rng);
	for (k = 0; k < 6; k++)
		g->inv_prefix[k] = (char)('A' + rng_below(&g->rng, 26));
	g->export_day = cal_days_from_civil(2025, 7, 1);
	g->ncust = (uint32_t)(rows / DLIR_PER_CUSTOMER);
	if (g->ncust < 8)
		g->ncust = 8;
	g->nplans = 4 + (int)(g->ncust / 250);
	if (g->nplans > 64)
		g->nplans = 64;
	g->bad_inv_every = g->ncust < 30 ? g->ncust : 30;        /* about 1 in 1000 invoices */
	g->bad_cust_every = g->ncust < 500 ? g->ncust : 500;
	g->plans = calloc((size_t)g->nplans, sizeof *g->plans);
	g->weight = calloc(g->ncust, sizeof *g->weight);
	for (k = 0; k < DS_COUNT; k++)
		g->out[k].fd = -1;
	for (k = 0; k < DS_COUNT; k++) {
		if (out_open(&g->out[k], dir, ds_name[k], gzip) < 0) {
			fprintf(stderr, "billsync-gen: cannot write '%s': %s\n", g->out[k].path,
				strerror(errno));
			rc = EXIT_IO;
			break;
		}
		put_str(&g->out[k], ds_header[k]);
		put_ch(&g->out[k], '\n');
	}
	if (!rc && (!g->plans || !g->weight)) {
		fputs("billsync-gen: out of memory\n", stderr);
		rc = EXIT_IO;
	}
	if (!rc) {
		generate(g);
		if (g->dlir_written != rows) {   /* the row budget is exact by design */
			fprintf(stderr, "billsync-gen: internal error: %llu daily rows, not %llu\n",
				(unsigned long long)g->dlir_written, (unsigned long long)rows);
			rc = EXIT_IO;
		}
	}
	for (k = 0; k < DS_COUNT; k++) {
		if (!g->out[k].buf && g->out[k].fd < 0 && !g->out[k].child)
			continue;
		if (out_close(&g->out[k]) < 0 && !rc) {
			fprintf(stderr, "billsync-gen: cannot write '%s': %s\n", g->out[k].path,
				strerror(errno));
			rc = EXIT_IO;
		}
	}
	if (!rc)
		for (k = 0; k < DS_COUNT; k++)
			printf("%-30s %10llu rows\n", ds_name[k],
			       (unsigned long long)g->out[k].rows);
	free(g->plans);
	free(g->weight);
	free(g);
	return rc;
}
