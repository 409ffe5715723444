/* report.c - export summaries for people and for machines. */
#include "report.h"

#include "base/msg.h"
#include "base/rate.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/msg.h"
#include "export/export.h"
#include "table.h"

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

static void file_totals(const struct manifest_object *obj,
			unsigned long long *raw, unsigned long long *gz)
{
	size_t i;

	*raw = *gz = 0;
	for (i = 0; i < obj->nfiles; i++) {
		*raw += obj->files[i].raw_bytes;
		*gz += obj->files[i].compressed_bytes;
	}
}

void report_export_tick(void *vctx, const struct export_tick *t)
{
	struct bs_ctx *ctx = vctx;
	double per_s = t->elapsed_ms ? (double)t->done * 1000 /
				       (double)t->elapsed_ms : 0;
	char el[32], rs[32], left[32];

	rate_format_duration(el, sizeof(el), (long long)(t->elapsed_ms / 1000));
	rate_format_count(rs, sizeof(rs), per_s);
	if (t->writing) {
		rate_format_duration(left, sizeof(left),
				     rate_eta_steady(t->elapsed_ms, t->done,
						     t->total));
		msg_progress(ctx->msg, "%s: writing %llu/%llu rows  %s elapsed  "
			     "%s rows/s  ETA %s", t->object, t->done, t->total,
			     el, rs, left);
	} else if (t->bytes_total) {
		/* the rows to read are not known before the end: the bytes
		   of the files are */
		rate_format_duration(left, sizeof(left),
				     rate_eta_steady(t->elapsed_ms,
						     t->bytes_done,
						     t->bytes_total));
		msg_progress(ctx->msg, "%s: reading %llu rows  %s elapsed  "
			     "%s rows/s  %llu%%  ETA %s", t->object, t->done,
			     el, rs, t->bytes_done * 100 / t->bytes_total, left);
	} else {
		msg_progress(ctx->msg, "%s: reading %llu rows  %s elapsed  "
			     "%s rows/s", t->object, t->done, el, rs);
	}
}

void report_object_progress(void *vctx, const struct manifest_object *obj)
{
	const struct manifest_counts *c = &obj->counts;
	struct bs_ctx *ctx = vctx;
	unsigned long long raw, gz;
	char rb[32], gb[32];
	size_t files = obj->nfiles;

	if (!files) {
		char below[48] = "";

		if (c->below_watermark)
			snprintf(below, sizeof(below), ", %llu below watermark",
				 c->below_watermark);
		msg_note(ctx->msg, "%s: nothing to send (%llu read, "
			"%llu unchanged%s)%s", obj->object, c->read,
			c->unchanged, below,
			c->rejected ? ", some rejected" : "");
		return;
	}
	file_totals(obj, &raw, &gz);
	report_bytes(raw, rb, sizeof(rb));
	report_bytes(gz, gb, sizeof(gb));
	msg_note(ctx->msg, "%s: %llu rows in %zu file%s (%s, %s "
		"gzipped)%s", obj->object, c->written, files,
		files == 1 ? "" : "s", rb, gb,
		c->rejected ? ", some rejected" : "");
}

/* "  OrbInvoice__c: 2 filtered by drafts", "... 1 rejected (reason)" */
static void print_breakdown(FILE *f, const struct manifest_object *obj,
			    const struct manifest_count *by, size_t n,
			    const char *pre, const char *post)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "  %s: %llu %s%s%s\n", obj->object, by[i].n, pre,
			by[i].name, post);
}

int report_export(struct bs_ctx *ctx, const struct manifest *manifest,
		   const char *out_dir, const char *archive)
{
	static const char *const head[] = { "object", "read", "written",
		"filtered", "rejected", "duplicates", "unchanged", "files",
		"raw", "gzip" };
	struct manifest_totals t;
	struct table *tb;
	size_t i, c;

	if (ctx->json) {
		json_t *j = manifest_to_json(manifest);

		if (!j)
			return -1;
		json_dumpf(j, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		json_decref(j);
		return 0;
	}
	tb = table_new(10, head);
	if (!tb)
		return -1;
	for (c = 1; c < 10; c++)
		table_align_right(tb, c);
	for (i = 0; i < manifest->nobjects; i++) {
		const struct manifest_object *obj = &manifest->objects[i];
		const struct manifest_counts *k = &obj->counts;
		const unsigned long long counts[6] = { k->read, k->written,
			k->filtered, k->rejected, k->duplicates, k->unchanged };
		char n[7][24], rb[32], gb[32];
		const char *cells[10];
		unsigned long long raw, gz;

		cells[0] = obj->object;
		for (c = 0; c < 6; c++) {
			snprintf(n[c], sizeof(n[c]), "%llu", counts[c]);
			cells[c + 1] = n[c];
		}
		snprintf(n[6], sizeof(n[6]), "%zu", obj->nfiles);
		cells[7] = n[6];
		file_totals(obj, &raw, &gz);
		report_bytes(raw, rb, sizeof(rb));
		report_bytes(gz, gb, sizeof(gb));
		cells[8] = rb;
		cells[9] = gb;
		if (table_add(tb, cells, NULL) < 0) {
			table_free(tb);
			return -1;
		}
	}
	table_print(tb, ctx->out, 0);
	table_free(tb);
	for (i = 0; i < manifest->nobjects; i++) {
		const struct manifest_object *obj = &manifest->objects[i];

		print_breakdown(ctx->out, obj, obj->counts.filtered_by,
				obj->counts.nfiltered_by, "filtered by ", "");
		print_breakdown(ctx->out, obj, obj->counts.rejected_by,
				obj->counts.nrejected_by, "rejected (", ")");
		if (obj->rejects)
			fprintf(ctx->out, "  rejected rows: %s/%s\n", out_dir,
				obj->rejects);
	}
	manifest_totals(manifest, &t);
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
	if (t.rolled_up)
		fprintf(ctx->out, " + %llu rolled up", t.rolled_up);
	fprintf(ctx->out, "; %llu files in %s%s%s\n", t.files, out_dir,
		archive ? ", bundled in " : "", archive ? archive : "");
	return 0;
}

int report_exit_code(const struct manifest *manifest)
{
	struct manifest_totals t;

	manifest_totals(manifest, &t);
	return t.rejected ? BS_EXIT_RECORDS : BS_EXIT_OK;
}
