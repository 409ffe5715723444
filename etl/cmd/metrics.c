/* metrics.c - the Prometheus textfile, written atomically (see metrics.h). */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/sbuf.h"

#define COMPLETED "billsync_last_completed_run_timestamp_seconds"

/* Appends a label value, escaped as the exposition format wants. */
static void label(struct sbuf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_addc(b, '\\'), sbuf_addc(b, *v);
		else if (*v == '\n')
			sbuf_adds(b, "\\n");
		else
			sbuf_addc(b, *v);
	}
}

static void head(struct sbuf *b, const char *name, const char *help)
{
	sbuf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{command="..."} value */
static void sample(struct sbuf *b, const struct metrics_run *m,
		   const char *name, const char *help, double v)
{
	head(b, name, help);
	sbuf_addf(b, "%s{command=\"", name);
	label(b, m->command);
	sbuf_addf(b, "\"} %.15g\n", v);
}

/* The value of the completed-run line of the file written before, or 0. */
static double completed_before(const char *path)
{
	char line[512];
	double v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, COMPLETED " ", sizeof(COMPLETED)))
			v = strtod(line + sizeof(COMPLETED), NULL);
	fclose(f);
	return v;
}

static void objects(struct sbuf *b, const struct metrics_run *m)
{
	static const char *const st[] = { "sent", "created", "updated",
					  "failed", "unprocessed", "rejected" };
	size_t i, k;

	head(b, "billsync_last_run_records",
	     "Records of the last run by object and status (rejected: source "
	     "rows the export refused).");
	for (i = 0; i < m->nobjects; i++) {
		const struct metrics_object *o = &m->objects[i];
		unsigned long long v[] = { o->sent, o->created, o->updated,
					   o->failed, o->unprocessed,
					   o->rejected };

		for (k = 0; k < sizeof(st) / sizeof(*st); k++) {
			sbuf_adds(b, "billsync_last_run_records{command=\"");
			label(b, m->command);
			sbuf_adds(b, "\",object=\"");
			label(b, o->object);
			sbuf_addf(b, "\",status=\"%s\"} %llu\n", st[k], v[k]);
		}
	}
}

static void allocations(struct sbuf *b, const struct metrics_run *m)
{
	if (!m->api_max && !m->batches_max)
		return;
	head(b, "billsync_salesforce_daily_allocation_remaining",
	     "What is left of the org's daily allocations, as last seen.");
	if (m->api_max)
		sbuf_addf(b, "billsync_salesforce_daily_allocation_remaining"
			  "{allocation=\"DailyApiRequests\"} %llu\n",
			  m->api_remaining);
	if (m->batches_max)
		sbuf_addf(b, "billsync_salesforce_daily_allocation_remaining"
			  "{allocation=\"DailyBulkApiBatches\"} %llu\n",
			  m->batches_remaining);
	head(b, "billsync_salesforce_daily_allocation_max",
	     "The org's daily allocations.");
	if (m->api_max)
		sbuf_addf(b, "billsync_salesforce_daily_allocation_max"
			  "{allocation=\"DailyApiRequests\"} %llu\n", m->api_max);
	if (m->batches_max)
		sbuf_addf(b, "billsync_salesforce_daily_allocation_max"
			  "{allocation=\"DailyBulkApiBatches\"} %llu\n",
			  m->batches_max);
}

static void render(struct sbuf *b, const struct metrics_run *m,
		   double completed)
{
	sample(b, m, "billsync_last_run_start_timestamp_seconds",
	       "When the last run started (Unix time).", m->start);
	sample(b, m, "billsync_last_run_end_timestamp_seconds",
	       "When the last run ended (Unix time).", m->end);
	sample(b, m, "billsync_last_run_duration_seconds",
	       "How long the last run took.", m->end - m->start);
	sample(b, m, "billsync_last_run_exit_code",
	       "The exit code of the last run (0 ok, 1 records rejected or "
	       "failed, 8 paused; billsync(1)).", m->code);
	sample(b, m, "billsync_last_run_id", "The last run's id in the sync "
	       "state (0: none was started).", (double)m->run);
	objects(b, m);
	sample(b, m, "billsync_last_run_rejected_rows",
	       "Source rows the last run's export rejected.",
	       (double)m->rejected);
	sample(b, m, "billsync_last_run_failed_records",
	       "Records Salesforce refused or did not process in the last run.",
	       (double)m->failed);
	sample(b, m, "billsync_last_run_api_calls",
	       "Salesforce API calls the last run made.", (double)m->api_calls);
	sample(b, m, "billsync_last_run_jobs",
	       "Bulk API jobs the last run created.", (double)m->jobs);
	allocations(b, m);
	head(b, COMPLETED, "When the last run that completed (exit code 0 or "
	     "1) ended (Unix time).");
	sbuf_addf(b, COMPLETED " %.15g\n", completed);
}

int metrics_write(const char *path, const struct metrics_run *m,
		  struct bs_err *err)
{
	struct sbuf b, tmp;
	double completed = completed_before(path);
	FILE *f = NULL;
	int rc = -1;

	if (m->code == 0 || m->code == 1)
		completed = m->end;
	sbuf_init(&b, 0);
	sbuf_init(&tmp, 0);
	render(&b, m, completed);       /* its appends: checked once here */
	if (sbuf_addf(&tmp, "%s.tmp", path) < 0 || sbuf_failed(&b)) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	f = fopen(tmp.buf, "w");
	if (!f || fwrite(b.buf, 1, b.len, f) != b.len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		bs_err_set(err, BS_E_IO, "[metrics] cannot write '%s': %s",
			   tmp.buf, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		bs_err_set(err, BS_E_IO, "[metrics] cannot write '%s': %s",
			   tmp.buf, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp.buf, path) != 0) {
		bs_err_set(err, BS_E_IO, "[metrics] cannot rename '%s' to "
			   "'%s': %s", tmp.buf, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc < 0)
		unlink(tmp.buf);
	sbuf_release(&b);
	sbuf_release(&tmp);
	return rc;
}
