/* fuzz_describe.c - the decoding of the org's describe answers in
 * etl/load/orgcheck.c (`billsync check --org`): any bytes as the answer to
 * GET .../sobjects/OBJECT/describe for every object the checks ask about,
 * checked (orgcheck_maps, orgcheck_int.h) against a fixed set of two
 * mappings that use what the checks read: an upsert key, a lookup through
 * a relationship to the other mapping's External ID, text lengths,
 * restricted picklists, currencies, numbers, dates and booleans; once for
 * a single-currency and once for a multi-currency org.  Every result is
 * well formed: the count of mistakes is that of the mistakes listed, each
 * listed finding says where and what, and a failure says why.
 *
 * The mapping set is read once and kept for the process (test-only global
 * state, as fuzz.h's temporary folder). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "fuzz.h"
#include "load/orgcheck_int.h"
#include "map/mapset.h"

static const char parent_map[] =
	"[object]\n"
	"name        = OrbCustomer__c\n"
	"source      = customers\n"
	"operation   = upsert\n"
	"external_id = OrbId__c\n"
	"[fields]\n"
	"OrbId__c          = id\n"
	"Name              = name | truncate(80)\n"
	"Email__c          = email | trim\n"
	"Currency__c       = currency | upper\n"
	"Balance__c        = balance | money(currency)\n"
	"AutoCollection__c = auto_collection | boolean\n"
	"CreatedAt__c      = created_at | datetime\n";

static const char child_map[] =
	"[object]\n"
	"name        = OrbInvoice__c\n"
	"source      = invoices\n"
	"operation   = insert\n"
	"[fields]\n"
	"Name                    = invoice_number | truncate(80)\n"
	"OrbCustomer__r.OrbId__c = customer_id\n"
	"Status__c               = status | map(issued=issued, paid=paid)\n"
	"Total__c                = total | money(currency)\n"
	"Quantity__c             = quantity | decimal(6)\n"
	"Sequence__c             = sequence | integer(min=0)\n"
	"InvoiceDate__c          = invoice_date | date(tz=UTC)\n"
	"Memo__c                 = memo\n";

struct answer {
	const uint8_t *data;
	size_t size;
	unsigned asked;
};

static int fetch(void *ctx, const char *object, const char **text,
		 size_t *len, struct bs_err *err)
{
	struct answer *a = ctx;

	(void)err;
	assert(object && *object);
	a->asked++;
	*text = (const char *)a->data;
	*len = a->size;
	return 1;
}

static struct mapset *maps_once(void)
{
	static struct mapset *maps;
	static char paths[2][512];
	const char *p[2] = { paths[0], paths[1] }, *path;
	struct bs_errlist errs;
	size_t i;

	if (maps)
		return maps;
	path = fuzz_file("customer.map", (const uint8_t *)parent_map,
			 sizeof(parent_map) - 1);
	assert(path);
	snprintf(paths[0], sizeof(paths[0]), "%s", path);
	path = fuzz_file("invoice.map", (const uint8_t *)child_map,
			 sizeof(child_map) - 1);
	assert(path);
	snprintf(paths[1], sizeof(paths[1]), "%s", path);
	bs_errlist_init(&errs);
	maps = mapset_load_files(p, 2, &errs);
	for (i = 0; i < errs.n; i++) {
		char msg[2048];

		bs_err_format(&errs.v[i], msg, sizeof(msg));
		fprintf(stderr, "fuzz_describe: %s\n", msg);
	}
	assert(maps && errs.n == 0);
	bs_errlist_release(&errs);
	return maps;
}

static void check(const struct config *cfg, const struct mapset *maps,
		  int multi, const uint8_t *data, size_t size)
{
	struct answer a = { data, size, 0 };
	struct bs_errlist errs;
	struct bs_err err;
	long r;
	size_t i, mistakes = 0;

	bs_errlist_init(&errs);
	bs_err_clear(&err);
	r = orgcheck_maps(cfg, maps, 0, multi, fetch, &a, &errs, &err);
	/* each object (two mappings, one lookup parent) is asked once */
	assert(a.asked >= 1 && a.asked <= 2);
	if (r < 0) {
		assert(err.kind != BS_E_NONE && err.msg[0]);
		assert(memchr(err.msg, '\0', sizeof(err.msg)));
	}
	assert(errs.dropped == 0);
	for (i = 0; i < errs.n; i++) {
		const struct bs_err *e = &errs.v[i];

		assert(memchr(e->msg, '\0', sizeof(e->msg)) && e->msg[0]);
		assert(memchr(e->field, '\0', sizeof(e->field)));
		assert(e->file[0]);
		if (e->kind == BS_E_NONE)
			assert(!strncmp(e->msg, "warning: ", 9));
		else {
			assert(e->kind == BS_E_CONFIG);
			mistakes++;
		}
	}
	if (r >= 0)
		assert((size_t)r == mistakes);
	bs_errlist_release(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapset *maps = maps_once();
	struct config *cfg = config_new_defaults();

	if (!cfg)
		return 0;
	check(cfg, maps, 0, data, size);
	check(cfg, maps, 1, data, size);
	config_free(cfg);
	return 0;
}
