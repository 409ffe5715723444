/*
 * report.h - what export (and run) print: per-object progress lines on the
 * log, the summary table or JSON on the output, and the exit code a
 * manifest calls for.
 */
#ifndef REPORT_H
#define REPORT_H

#include "base/cli.h"
#include "export/manifest.h"

/* A log line when an object's files are written (ctx is a struct bs_ctx). */
void report_object_progress(void *ctx, const struct manifest_object *object);
/* An export_opts.tick (ctx is the struct bs_ctx): the progress line of the
 * object being read (rows, elapsed time, rows per second, and when the
 * files' sizes are known the percent of their bytes read and an ETA) or
 * written (the same of the rows to write, and an ETA); drawn on a
 * terminal only. */
struct export_tick;
void report_export_tick(void *ctx, const struct export_tick *t);
/* The summary of an export: a table and the reasons, or the manifest as
 * JSON with --json.  -1 when memory ran out (the summary is then
 * incomplete), else 0. */
int report_export(struct bs_ctx *ctx, const struct manifest *manifest,
		   const char *out_dir, const char *archive);
/* BS_EXIT_RECORDS when rows were rejected, else BS_EXIT_OK. */
int report_exit_code(const struct manifest *manifest);
/* "1.2 MB"-style size. */
void report_bytes(unsigned long long n, char *buf, size_t size);

#endif
