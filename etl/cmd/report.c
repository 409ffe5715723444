/* report.c - export summaries for people and for machines. */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "export/export.h"
#include "table.h"

static unsigned long long count(const json_t *obj, const char *key)
{
	return (unsigned long long)json_integer_value(
		json_object_get(json_object_get(obj, "counts"), key));
}

void report_bytes(unsigned long long n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	unsigned long long whole = n, frac = 0;
	size_t u = 0;

	while (whole >= 1000 && u < 4) {
		frac = whole % 1000;
		whole /= 1000;
		u++;
	}
	if (u == 0 || whole >= 100)
		snprintf(buf, size, "%llu %s", whole, units[u]);
	else
		snprintf(buf, size, "%llu.%llu %s", whole, frac / 100, units[u]);
}

static void file_totals(const json_t *obj, unsigned long long *raw,
			unsigned long long *gz)
{
	const json_t *f;
	size_t i;

	*raw = *gz = 0;
	json_array_foreach(json_object_get(obj, "files"), i, f) {
		*raw += (unsigned long long)json_integer_value(
			json_object_get(f, "raw_bytes"));
		*gz += (unsigned long long)json_integer_value(
			json_object_get(f, "compressed_bytes"));
	}
}

void report_object_progress(void *vctx, const json_t *obj)
{
	struct bs_ctx *ctx = vctx;
	unsigned long long raw, gz;
	char rb[32], gb[32];
	size_t files = json_array_size(json_object_get(obj, "files"));

	if (!files) {
		char below[48] = "";

		if (count(obj, "below_watermark"))
			snprintf(below, sizeof(below), ", %llu below watermark",
				 count(obj, "below_watermark"));
		fprintf(ctx->log, "billsync: %s: nothing to send (%llu read, "
			"%llu unchanged%s)%s\n",
			json_string_value(json_object_get(obj, "object")),
			count(obj, "read"), count(obj, "unchanged"), below,
			count(obj, "rejected") ? ", some rejected" : "");
		return;
	}
	file_totals(obj, &raw, &gz);
	report_bytes(raw, rb, sizeof(rb));
	report_bytes(gz, gb, sizeof(gb));
	fprintf(ctx->log, "billsync: %s: %llu rows in %zu file%s (%s, %s "
		"gzipped)%s\n", json_string_value(json_object_get(obj, "object")),
		count(obj, "written"), files, files == 1 ? "" : "s", rb, gb,
		count(obj, "rejected") ? ", some rejected" : "");
}

/* "  OrbInvoice__c: 2 filtered by drafts", "... 1 rejected (reason)" */
static void print_breakdown(FILE *f, const json_t *obj, const char *key,
			    const char *pre, const char *post)
{
	const json_t *by = json_object_get(json_object_get(obj, "counts"), key);
	const char *name;
	const json_t *v;

	json_object_foreach((json_t *)by, name, v) {
		fprintf(f, "  %s: %lld ",
			json_string_value(json_object_get(obj, "object")),
			(long long)json_integer_value(v));
		fprintf(f, "%s%s%s\n", pre, name, post);
	}
}

void report_export(struct bs_ctx *ctx, const json_t *manifest,
		   const char *out_dir, const char *archive)
{
	static const char *const head[] = { "object", "read", "written",
		"filtered", "rejected", "duplicates", "unchanged", "files",
		"raw", "gzip" };
	const json_t *objects = json_object_get(manifest, "objects"), *obj;
	struct export_totals t;
	struct table *tb;
	size_t i, c;

	if (ctx->json) {
		json_dumpf(manifest, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		return;
	}
	tb = table_new(10, head);
	if (!tb)
		return;
	for (c = 1; c < 10; c++)
		table_align_right(tb, c);
	json_array_foreach(objects, i, obj) {
		char n[7][24], rb[32], gb[32];
		const char *cells[10];
		unsigned long long raw, gz;
		static const char *const keys[] = { "read", "written", "filtered",
			"rejected", "duplicates", "unchanged" };

		cells[0] = json_string_value(json_object_get(obj, "object"));
		for (c = 0; c < 6; c++) {
			snprintf(n[c], sizeof(n[c]), "%llu", count(obj, keys[c]));
			cells[c + 1] = n[c];
		}
		snprintf(n[6], sizeof(n[6]), "%zu",
			 json_array_size(json_object_get(obj, "files")));
		cells[7] = n[6];
		file_totals(obj, &raw, &gz);
		report_bytes(raw, rb, sizeof(rb));
		report_bytes(gz, gb, sizeof(gb));
		cells[8] = rb;
		cells[9] = gb;
		table_add(tb, cells, NULL);
	}
	table_print(tb, ctx->out, 0);
	table_free(tb);
	json_array_foreach(objects, i, obj) {
		print_breakdown(ctx->out, obj, "filtered_by", "filtered by ", "");
		print_breakdown(ctx->out, obj, "rejected_by", "rejected (", ")");
		if (json_object_get(obj, "rejects"))
			fprintf(ctx->out, "  rejected rows: %s/%s\n", out_dir,
				json_string_value(json_object_get(obj, "rejects")));
	}
	export_totals(manifest, &t);
	if (t.duplicates)
		fprintf(ctx->out, "  %llu duplicate row%s dropped: the later row "
			"of a key was kept (the first %d listed in "
			"%s/manifest.json)\n", t.duplicates,
			t.duplicates == 1 ? "" : "s", EXPORT_MAX_DUPLICATES_LISTED,
			out_dir);
	fprintf(ctx->out, "%llu read = %llu written + %llu filtered + %llu "
		"rejected + %llu duplicates + %llu unchanged", t.read,
		t.written, t.filtered, t.rejected, t.duplicates, t.unchanged);
	if (t.watermarks)
		fprintf(ctx->out, " + %llu below watermark", t.below_watermark);
	fprintf(ctx->out, "; %llu files in %s%s%s\n", t.files, out_dir,
		archive ? ", bundled in " : "", archive ? archive : "");
}

int report_exit_code(const json_t *manifest)
{
	struct export_totals t;

	export_totals(manifest, &t);
	return t.rejected ? BS_EXIT_RECORDS : BS_EXIT_OK;
}
