/*
 * sftype.h - the Salesforce field each mapped field needs, read from the
 * mapping: its converters decide the type, a [schema] line can say more.
 *
 *     Total__c   = total | money(currency)      -> Currency(18, 3)
 *     Name       = invoice_number | truncate(80) (the object's name field)
 *     Status__c  = status | map(paid=Paid, ...) -> restricted Picklist
 *     OrbCustomer__r.OrbId__c = customer_id     -> Lookup(OrbCustomer__c)
 *
 *     [schema]
 *     label               = Invoice
 *     plural_label        = Invoices
 *     Email__c.type       = Email
 *     Memo__c.type        = LongTextArea(32000)
 *     Memo__c.label       = Invoice memo
 *     Memo__c.description = What the customer sees under the lines
 *
 * docs/mappings.md lists the rules and the declarations.  `billsync schema`
 * writes the objects from this; `billsync check` checks the declarations
 * (sftype_check) and `check --org` compares the org's fields with it.
 */
#ifndef SFTYPE_H
#define SFTYPE_H

#include <stddef.h>

#include "formats/bs_err.h"

struct mapping;
struct mapset;

enum sft_kind {
	SFT_TEXT, SFT_TEXTAREA, SFT_LONGTEXT, SFT_EMAIL, SFT_URL, SFT_PHONE,
	SFT_NUMBER, SFT_CURRENCY, SFT_PERCENT, SFT_DATE, SFT_DATETIME,
	SFT_CHECKBOX, SFT_PICKLIST, SFT_LOOKUP
};

/* Salesforce's limits and billsync's choices (docs/mappings.md). */
#define SFT_TEXT_MAX 255          /* Text; longer is a Long Text Area */
#define SFT_LONGTEXT_MAX 131072
#define SFT_LONGTEXT_JSON 131072  /* json: the largest Long Text Area */
#define SFT_PRECISION_MAX 18
#define SFT_NUMBER_SCALE 6        /* decimal without a scale */
#define SFT_MONEY_SCALE 3         /* money: the most digits a circulating
				     currency has (BHD, JOD, KWD, OMR, TND, ...) */
#define SFT_LABEL_MAX 40
#define SFT_MAX_VALUES 1000       /* picklist values */

struct sft_field {
	const char *field;        /* API name of the field: "OrbCustomer__c"
				     for `OrbCustomer__r.OrbId__c` */
	const char *target;       /* as mapped (the mapping's string) */
	unsigned long line;       /* the mapping's line */
	enum sft_kind kind;
	size_t length;            /* Text, Long Text Area, Email, Url */
	int length_known;         /* length from truncate, json or [schema]
				     (else 255, a guess) */
	int precision, scale;     /* Number, Currency, Percent */
	const char *reference_to; /* Lookup: the parent object */
	const char *relationship; /* Lookup: "OrbCustomer__r" */
	int external_id;          /* the upsert key: External ID, Unique,
				     case-sensitive */
	int name_field;           /* Name: the object's own name field */
	int declared;             /* the type came from [schema] */
	const char **values;      /* Picklist: what the mapping can produce,
				     sorted (pointers into the mapping) */
	size_t nvalues;
	int values_known;         /* 0: an unmapped picklist (declared) */
	const char *column;       /* the source column it comes from as it
				     is (no converter, no function), or NULL */
	const char *from;         /* the source column converters read, or
				     NULL (a constant or function) */
	const char *currency;     /* money: the currency column */
	char label[SFT_LABEL_MAX * 4 + 1];
	const char *description;  /* declared, or NULL */
	char field_buf[128], reference_buf[128];   /* storage */
};

struct sft_object {
	const char *name;         /* "OrbInvoice__c" */
	char label[SFT_LABEL_MAX * 4 + 1], plural[SFT_LABEL_MAX * 4 + 1];
	const char *description;  /* [object] description, or NULL */
	const char *currency;     /* see sftype_currency_column */
	struct sft_field *fields; /* in mapping order */
	size_t nfields;
};

/* The object and fields of a mapping that loaded; NULL with err when
 * memory runs out.  Declarations that do not parse are left out here
 * (sftype_check reports them). */
struct sft_object *sftype_object(const struct mapping *m,
				 const struct mapset *set, struct bs_err *err);
void sftype_free(struct sft_object *o);

/* The [schema] lines of m: every mistake goes to errs with the mapping's
 * file and line; returns how many. */
size_t sftype_check(const struct mapping *m, struct bs_errlist *errs);

/* The source column with each row's currency code: [object] currency,
 * else the column every money() converter of the mapping names; NULL when
 * there is none or the money converters name several (sftype_check says
 * so). */
const char *sftype_currency_column(const struct mapping *m);

/* "Currency", "Text", ... (Metadata API type names). */
const char *sftype_kind_name(enum sft_kind k);

/* A readable label from an API name: "AmountDue__c" -> "Amount Due",
 * "OrbInvoiceLineItemBilling__c" -> "Orb Invoice Line Item Billing". */
void sftype_label(const char *api_name, char *buf, size_t size);

#endif
