/* progress.c - the load's progress line (see progress.h). */
#include "progress.h"

#include <string.h>

/* "OrbInvoice__c/OrbInvoice__c-0001.csv.gz" -> "OrbInvoice__c-0001" */
static void file_name(struct sbuf *sb, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	sbuf_add(sb, base, n ? n : strlen(base));
}

void load_progress_line(struct sbuf *sb, const struct loader_progress *p,
			struct rate *r, unsigned long long now_ms)
{
	char el[32], per[32], eta[32];
	size_t i;
	int s;

	rate_update(r, p->rows_processed, now_ms);
	sbuf_addf(sb, "files %zu/%zu  rows %llu/%llu  created %llu  "
		  "updated %llu  failed %llu  unprocessed %llu  api calls %llu  "
		  "jobs:", p->files_done, p->files_total, p->rows_processed,
		  p->rows_total, p->created, p->updated, p->failed,
		  p->unprocessed, p->api_calls);
	for (s = 0; s <= SF_JOB_ABORTED; s++)
		if (p->jobs_in_state[s])
			sbuf_addf(sb, " %u %s", p->jobs_in_state[s],
				  s ? sf_job_state_name((enum sf_job_state)s) :
				      "starting");
	if (!p->jobs_running)
		sbuf_adds(sb, " none");
	rate_format_duration(el, sizeof(el), (long long)(rate_elapsed_ms(r) /
							  1000));
	rate_format_count(per, sizeof(per), rate_per_s(r));
	rate_format_duration(eta, sizeof(eta), rate_eta_s(r, p->rows_total));
	sbuf_addf(sb, "  |  %s elapsed  %s rows/s  ETA %s", el, per, eta);
	for (i = 0; i < p->nrunning; i++) {
		const struct loader_job_progress *j = &p->running[i];

		sbuf_adds(sb, i ? ", " : "  |  ");
		file_name(sb, j->path);
		sbuf_addf(sb, " %s %llu/%llu", j->state ?
			  sf_job_state_name(j->state) : "starting",
			  j->processed, j->rows);
	}
}
