/* fuzz_schema.c - the [schema] declarations of a mapping and the Salesforce
 * field each mapped field needs (etl/map/sftype.c): `Field__c.type =
 * Kind(arguments)`, `.label`, `.description`, the object's label and
 * plural_label, and the types the converters give.
 *
 * The input is a whole mapping file when it starts with "[" (so the
 * inference from converters is fuzzed too), else the lines of a [schema]
 * section added to a fixed mapping whose fields give every inferred type.
 * A mapping that loads is checked (sftype_check, as `billsync check`) and
 * its object built (sftype_object, as `billsync schema`): the object is
 * always well formed, and when the check finds no mistake it is one that
 * `billsync schema` can write as Metadata API files Salesforce accepts
 * (lengths, precision and scale within Salesforce's limits). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "map/mapping.h"
#include "map/sftype.h"

static const char mapping_head[] =
	"[object]\n"
	"name        = OrbThing__c\n"
	"source      = things\n"
	"external_id = OrbId__c\n"
	"currency    = currency\n"
	"\n"
	"[lookups]\n"
	"OrbParent__r = OrbParent__c\n"
	"\n"
	"[fields]\n"
	"OrbId__c    = id\n"
	"Name        = name | truncate(80)\n"
	"Title__c    = title | truncate(120)\n"
	"Memo__c     = memo | truncate(4000)\n"
	"Amount__c   = amount | decimal(4)\n"
	"Count__c    = n | integer\n"
	"When__c     = created_at | datetime\n"
	"Day__c      = day | date(tz=UTC)\n"
	"Total__c    = total | money(currency)\n"
	"Paid__c     = paid | boolean\n"
	"Status__c   = status | map(paid=Paid, void=Void) | default(Open)\n"
	"Data__c     = data | json\n"
	"Kind__c     = kind\n"
	"Email__c    = email | lower\n"
	"Account__c  = account | sfid\n"
	"OrbParent__r.OrbId__c = parent_id\n"
	"\n"
	"[schema]\n";

/* What any object must be. */
static void check_object(const struct sft_object *o)
{
	size_t i, j;

	assert(o->name && strlen(o->label) < sizeof(o->label) &&
	       strlen(o->plural) < sizeof(o->plural));
	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];

		assert(f->field && f->target && f->line > 0);
		assert((unsigned)f->kind <= SFT_LOOKUP);
		assert(sftype_kind_name(f->kind) != NULL);
		assert(strlen(f->label) < sizeof(f->label));
		assert(f->nvalues <= SFT_MAX_VALUES + 1);
		for (j = 0; j < f->nvalues; j++)
			assert(f->values[j] != NULL);
	}
}

/* What `billsync schema` writes of an object `billsync check` passed. */
static void check_writable(const struct sft_object *o)
{
	size_t i, j;

	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];

		switch (f->kind) {
		case SFT_TEXT:
			assert(f->length >= 1 && f->length <= SFT_TEXT_MAX);
			break;
		case SFT_LONGTEXT:
			assert(f->length > SFT_TEXT_MAX &&
			       f->length <= SFT_LONGTEXT_MAX);
			break;
		case SFT_NUMBER:
		case SFT_CURRENCY:
		case SFT_PERCENT:
			assert(f->precision >= 1 &&
			       f->precision <= SFT_PRECISION_MAX);
			assert(f->scale >= 0 && f->scale <= f->precision);
			break;
		case SFT_PICKLIST:
			assert(f->nvalues <= SFT_MAX_VALUES);
			for (j = 0; j < f->nvalues; j++)
				assert(f->values[j][0] &&
				       strlen(f->values[j]) <= SFT_TEXT_MAX);
			break;
		default:
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_text(data, size), *text;
	struct bs_errlist errs;
	struct sft_object *o;
	struct mapping *m;
	struct bs_err err;
	size_t before, n;

	if (!in)
		return 0;
	if (in[0] == '[') {
		text = in;
	} else {
		text = malloc(sizeof(mapping_head) + strlen(in));
		if (!text) {
			free(in);
			return 0;
		}
		memcpy(text, mapping_head, sizeof(mapping_head) - 1);
		memcpy(text + sizeof(mapping_head) - 1, in, strlen(in) + 1);
	}
	bs_errlist_init(&errs);
	m = mapping_check_text("f.map", text, &errs);
	if (m && !mapping_errors(m)) {
		before = errs.n + errs.dropped;
		n = sftype_check(m, &errs);
		assert(n == errs.n + errs.dropped - before);
		bs_err_clear(&err);
		o = sftype_object(m, NULL, &err);
		if (o) {
			check_object(o);
			if (!n)
				check_writable(o);
		}
		sftype_free(o);
	}
	mapping_free(m);
	bs_errlist_release(&errs);
	if (text != in)
		free(text);
	free(in);
	return 0;
}
