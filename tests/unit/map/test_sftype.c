/* test_sftype.c - the Salesforce field each mapped field needs: types
 * from converters, labels, [schema] declarations, the currency column,
 * CurrencyIsoCode added for a multi-currency org. */
#include <string.h>

#include "tap.h"
#include "map/mapping.h"
#include "map/sftype.h"

static const char thing_map[] =
	"[object]\n"
	"name        = OrbThing__c\n"
	"source      = things\n"
	"external_id = OrbId__c\n"
	"[fields]\n"
	"OrbId__c                = id\n"
	"Name                    = name | truncate(80)\n"
	"Title__c                = title | trim | truncate(300)\n"
	"OrbCustomer__r.OrbId__c = customer_id\n"
	"Account__c              = account | sfid\n"
	"Total__c                = total | money(currency)\n"
	"Fee__c                  = fee | money(currency, scale=4)\n"
	"Qty__c                  = qty | decimal(4)\n"
	"Rate__c                 = rate | decimal\n"
	"Terms__c                = terms | integer(min=0)\n"
	"Paid__c                 = paid | boolean\n"
	"Day__c                  = day | date(tz=UTC)\n"
	"At__c                   = at | datetime\n"
	"Meta__c                 = meta | json\n"
	"Status__c               = status | map(b=Beta, a=Alpha, c=Alpha) | default(\"None\")\n"
	"Plain__c                = plain\n"
	"Joined__c               = join(\":\", a, b)\n"
	"Kind__c                 = kind | map(x=, y=Yes)\n"
	"[schema]\n"
	"label          = Thing\n"
	"plural_label   = Things\n"
	"Plain__c.type  = Email\n"
	"Plain__c.label = Contact email\n"
	"Plain__c.description = Who pays\n";

static const struct sft_field *field(const struct sft_object *o,
				     const char *name)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (!strcmp(o->fields[i].field, name))
			return &o->fields[i];
	printf("#   no field %s\n", name);
	return &o->fields[0];
}

static void test_inference(void)
{
	struct bs_errlist errs;
	struct bs_err err;
	struct mapping *m;
	struct sft_object *o;
	const struct sft_field *f;

	bs_errlist_init(&errs);
	m = mapping_load_text("t.map", thing_map, &errs);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(sftype_check(m, &errs), 0);
	o = sftype_object(m, NULL, &err);
	CHECK(o != NULL);
	if (!o)
		goto out;
	CHECK_STR(o->label, "Thing");
	CHECK_STR(o->plural, "Things");
	CHECK_STR(o->currency, "currency");
	f = field(o, "OrbId__c");
	CHECK(f->kind == SFT_TEXT && f->external_id && f->length == 255);
	CHECK(field(o, "Name")->name_field);
	f = field(o, "Title__c");
	CHECK(f->kind == SFT_LONGTEXT && f->length == 300 && f->length_known);
	f = field(o, "OrbCustomer__c");
	CHECK(f->kind == SFT_LOOKUP);
	CHECK_STR(f->reference_to, "OrbCustomer__c");
	f = field(o, "Account__c");
	CHECK(f->kind == SFT_LOOKUP);
	CHECK_STR(f->reference_to, "Account");
	f = field(o, "Total__c");
	CHECK(f->kind == SFT_CURRENCY && f->precision == 18 && f->scale == 3);
	CHECK_STR(f->currency, "currency");
	CHECK_INT(field(o, "Fee__c")->scale, 4);
	f = field(o, "Qty__c");
	CHECK(f->kind == SFT_NUMBER && f->scale == 4);
	CHECK_INT(field(o, "Rate__c")->scale, SFT_NUMBER_SCALE);
	CHECK_INT(field(o, "Terms__c")->scale, 0);
	CHECK(field(o, "Paid__c")->kind == SFT_CHECKBOX);
	CHECK(field(o, "Day__c")->kind == SFT_DATE);
	CHECK(field(o, "At__c")->kind == SFT_DATETIME);
	CHECK(field(o, "Meta__c")->kind == SFT_LONGTEXT);
	f = field(o, "Status__c");
	CHECK(f->kind == SFT_PICKLIST && f->values_known);
	CHECK_INT(f->nvalues, 3);
	if (f->nvalues == 3) {
		CHECK_STR(f->values[0], "Alpha");
		CHECK_STR(f->values[1], "Beta");
		CHECK_STR(f->values[2], "None");
	}
	f = field(o, "Kind__c");   /* an empty value loads as null */
	CHECK(f->kind == SFT_PICKLIST && f->values_known);
	CHECK_INT(f->nvalues, 1);
	if (f->nvalues == 1)
		CHECK_STR(f->values[0], "Yes");
	f = field(o, "Plain__c");
	CHECK(f->kind == SFT_EMAIL && f->declared);
	CHECK_STR(f->label, "Contact email");
	CHECK_STR(f->description, "Who pays");
	CHECK_STR(f->column, "plain");
	f = field(o, "Joined__c");
	CHECK(f->kind == SFT_TEXT && !f->length_known && f->column == NULL);
	sftype_free(o);
out:
	mapping_free(m);
	bs_errlist_release(&errs);
}

static void test_labels(void)
{
	char buf[64];

	sftype_label("AmountDue__c", buf, sizeof(buf));
	CHECK_STR(buf, "Amount Due");
	sftype_label("OrbInvoiceLineItemBilling__c", buf, sizeof(buf));
	CHECK_STR(buf, "Orb Invoice Line Item Billing");
	sftype_label("HostedURLPath__c", buf, sizeof(buf));
	CHECK_STR(buf, "Hosted URL Path");
	sftype_label("Tax_Id2Value__c", buf, sizeof(buf));
	CHECK_STR(buf, "Tax Id2 Value");
}

static void test_currency(void)
{
	static const char two[] =
		"[object]\nname = A__c\nsource = a\noperation = insert\n"
		"[fields]\nX__c = x | money(cur)\nY__c = y | money(other)\n";
	struct bs_errlist errs;
	struct bs_err err;
	struct mapping *m;
	const struct map_field *f;

	bs_errlist_init(&errs);
	m = mapping_load_text("two.map", two, &errs);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(sftype_currency_column(m) == NULL);
	CHECK_INT(sftype_check(m, &errs), 1);
	CHECK_CONTAINS(errs.v[0].msg, "[object] currency = COLUMN");
	CHECK_INT(errs.v[0].line, 7);
	bs_err_clear(&err);
	CHECK_INT(mapping_add_field(m, "CurrencyIsoCode", "col(\"cur\") | upper",
				    &err), 0);
	CHECK_INT(mapping_fields(m, &f), 3);
	CHECK_STR(f[2].target, "CurrencyIsoCode");
	CHECK_INT(mapping_add_field(m, "CurrencyIsoCode", "cur", &err), -1);
	CHECK_CONTAINS(err.msg, "mapped already");
	mapping_free(m);
	bs_errlist_release(&errs);
}

int main(void)
{
	RUN(test_inference);
	RUN(test_labels);
	RUN(test_currency);
	return tap_done();
}
