/* test_manifest.c - the typed export manifest: the encoder writes what the
 * decoder reads back, and the decoder names what is wrong. */
#include <stdlib.h>
#include <string.h>

#include "export/manifest.h"
#include "../tap.h"

static char *dump(const struct manifest *m)
{
	json_t *j = manifest_to_json(m);
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

/* A manifest with every kind of field set. */
static struct manifest *sample(void)
{
	struct manifest *m = manifest_new();
	struct manifest_object *o;
	struct manifest_file *f;
	struct manifest_source *s;
	struct manifest_duplicate *d;

	if (!m)
		return NULL;
	m->billsync_version = "0.0-test";
	m->created_at = manifest_strdup(m, "2026-01-02T03:04:05.006Z");
	m->max_file_bytes = 100000000;
	o = manifest_add_object(m);
	o->object = manifest_strdup(m, "OrbCustomer__c");
	o->mapping = manifest_strdup(m, "mappings/customer.map");
	o->dataset = manifest_strdup(m, "customers");
	o->operation = manifest_strdup(m, "upsert");
	o->external_id = manifest_strdup(m, "OrbId__c");
	o->counts.read = 5;
	o->counts.written = 4;
	o->counts.rejected = 1;
	manifest_add_count(m, &o->counts.rejected_by, &o->counts.nrejected_by,
			   "bad date", 1);
	f = manifest_add_file(o);
	f->path = manifest_strdup(m, "OrbCustomer__c/OrbCustomer__c-0001.csv.gz");
	f->origin = manifest_strdup(m, "OrbCustomer__c/OrbCustomer__c-0001.origin.csv.gz");
	f->rows = 4;
	f->raw_bytes = 100;
	f->compressed_bytes = 60;
	f->sha256 = manifest_strdup(m, "ab12");
	f->split_group = 1;
	s = manifest_add_source(f);
	s->file = manifest_strdup(m, "customers.csv");
	s->first_line = 2;
	s->last_line = 6;
	s->rows = 4;
	o->rejects = manifest_strdup(m, "OrbCustomer__c/rejects.csv");
	o = manifest_add_object(m);
	o->object = manifest_strdup(m, "OrbInvoice__c");
	o->mapping = manifest_strdup(m, "mappings/invoice.map");
	o->dataset = manifest_strdup(m, "invoices");
	o->operation = manifest_strdup(m, "update");
	o->level = 1;
	manifest_add_depends_on(m, o, "OrbCustomer__c");
	o->counts.has_below_watermark = 1;
	o->counts.below_watermark = 7;
	manifest_add_count(m, &o->counts.filtered_by, &o->counts.nfiltered_by,
			   "skip_if", 2);
	manifest_add_count(m, &o->counts.filtered_by, &o->counts.nfiltered_by,
			   "skip_if", 3);   /* replaces, as a JSON key would */
	o->has_watermark = 1;
	o->watermark.column = manifest_strdup(m, "updated_at");
	o->watermark.lookback = manifest_strdup(m, "3d");
	o->watermark.max = manifest_strdup(m, "2026-01-01T00:00:00Z");
	d = manifest_add_duplicate(m);
	d->object = manifest_strdup(m, "OrbCustomer__c");
	d->key = manifest_strdup(m, "c1");
	d->dropped = manifest_strdup(m, "customers.csv:3");
	return m;
}

static void test_round_trip(void)
{
	struct manifest *m = sample(), *back;
	struct bs_err e;
	char *a, *b;
	json_t *j;

	REQUIRE(m != NULL);
	a = dump(m);
	CHECK(a != NULL);
	CHECK_INT(m->objects[1].counts.nfiltered_by, 1);
	CHECK_CONTAINS(a, "\"external_id\": null");
	CHECK_CONTAINS(a, "\"floor\": null");
	CHECK_CONTAINS(a, "\"split_group\": true");
	j = manifest_to_json(m);
	back = manifest_from_json(j, "manifest.json", &e);
	json_decref(j);
	CHECK(back != NULL);
	b = back ? dump(back) : NULL;
	CHECK(b != NULL);
	if (a && b)
		CHECK_STR(b, a);
	if (back) {
		const struct manifest_object *inv =
			manifest_find(back, "OrbInvoice__c");
		struct manifest_totals t;

		CHECK(inv == &back->objects[1]);
		CHECK(manifest_find(back, "Nope__c") == NULL);
		manifest_totals(back, &t);
		CHECK_INT(t.read, 5);
		CHECK_INT(t.below_watermark, 7);
		CHECK_INT(t.watermarks, 1);
		CHECK_INT(t.files, 1);
	}
	free(a);
	free(b);
	manifest_free(back);
	manifest_free(m);
	manifest_free(NULL);
}

/* The decoder's error for a manifest text, "" when it reads. */
static void decode_err(const char *text, char *msg, size_t size)
{
	json_t *j = json_loads(text, 0, NULL);
	struct manifest *m;
	struct bs_err e;

	bs_err_clear(&e);
	m = j ? manifest_from_json(j, "d/manifest.json", &e) : NULL;
	snprintf(msg, size, "%s", m ? "" : j ? e.msg : "not JSON");
	if (!m && j)
		CHECK_STR(e.file, "d/manifest.json");
	manifest_free(m);
	json_decref(j);
}

static void test_decoder_errors(void)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "{\"format\": \"other/1\", \"objects\": []}",
		  "format is 'other/1', expected 'billsync-export/1'" },
		{ "{\"format\": \"billsync-export/1\"}", "no list of objects" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{}]}",
		  "object 1 has no name" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"merge\", \"files\": []}]}",
		  "object 'A': operation 'merge' is not one of insert, update, "
		  "upsert, delete, hardDelete" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"upsert\", \"files\": []}]}",
		  "object 'A' upserts but names no external_id" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\"}]}",
		  "object 'A' has no list of files" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": [{}]}]}",
		  "object 'A': a file without a path" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": []}, {\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": []}]}",
		  "object 'A' is listed twice" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": [], \"depends_on\": "
		  "[\"B\"]}, {\"object\": \"B\", \"operation\": \"insert\", "
		  "\"files\": []}]}",
		  "object 'A' depends on 'B', which is not listed before it" },
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": [], \"depends_on\": "
		  "7}]}", "object 'A': depends_on is not a list" },
		/* a parent outside the export is no error */
		{ "{\"format\": \"billsync-export/1\", \"objects\": [{\"object\": "
		  "\"A\", \"operation\": \"insert\", \"files\": [], \"depends_on\": "
		  "[\"Elsewhere\"]}]}", "" },
	};
	char msg[BS_ERR_MSG_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		decode_err(cases[i].text, msg, sizeof(msg));
		CHECK_STR(msg, cases[i].want);
	}
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_decoder_errors);
	return tap_done();
}
