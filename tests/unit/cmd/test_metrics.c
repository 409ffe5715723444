/* test_metrics.c - the Prometheus textfile: its lines, the escaping of
 * label values, the completed-run time carried over, and the write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/metrics.h"
#include "tap.h"

static char *slurp(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void test_file(void)
{
	char dir[] = "/tmp/billsync-metrics.XXXXXX", path[300], tmp[310];
	struct metrics_object objs[] = {
		{ "OrbInvoice__c", 10, 7, 1, 2, 0, 3 },
		{ "Odd\"Name\\", 0, 0, 0, 0, 0, 0 },
	};
	struct metrics_run m = { "run", 12, 1, 1700000000.5, 1700000060.75,
				 55, 3, 3, 2, objs, 2, 100000, 99000, 15000,
				 14990 };
	struct bs_err err;
	const char *s;
	struct stat st;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/billsync.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK_INT(metrics_write(path, &m, &err), 0);
	s = slurp(path);
	CHECK_CONTAINS(s, "# TYPE billsync_last_run_exit_code gauge\n"
		       "billsync_last_run_exit_code{command=\"run\"} 1\n");
	CHECK_CONTAINS(s, "billsync_last_run_start_timestamp_seconds"
		       "{command=\"run\"} 1700000000.5\n");
	CHECK_CONTAINS(s, "billsync_last_run_duration_seconds{command=\"run\"} 60.25\n");
	CHECK_CONTAINS(s, "billsync_last_run_records"
		       "{command=\"run\",object=\"OrbInvoice__c\",status=\"created\"} 7\n");
	CHECK_CONTAINS(s, "billsync_last_run_records"
		       "{command=\"run\",object=\"OrbInvoice__c\",status=\"rejected\"} 3\n");
	CHECK_CONTAINS(s, "object=\"Odd\\\"Name\\\\\"");
	CHECK_CONTAINS(s, "billsync_last_run_api_calls{command=\"run\"} 55\n");
	CHECK_CONTAINS(s, "billsync_last_run_jobs{command=\"run\"} 3\n");
	CHECK_CONTAINS(s, "billsync_salesforce_daily_allocation_remaining"
		       "{allocation=\"DailyApiRequests\"} 99000\n");
	CHECK_CONTAINS(s, "billsync_last_completed_run_timestamp_seconds 1700000060.75\n");
	CHECK(stat(tmp, &st) != 0);      /* renamed, nothing left behind */

	/* a failed run keeps the time of the last completed one */
	m.code = 5;
	m.end = 1700009999;
	m.api_max = m.batches_max = 0;
	CHECK_INT(metrics_write(path, &m, &err), 0);
	s = slurp(path);
	CHECK_CONTAINS(s, "billsync_last_run_exit_code{command=\"run\"} 5\n");
	CHECK_CONTAINS(s, "billsync_last_completed_run_timestamp_seconds 1700000060.75\n");
	CHECK(!strstr(s, "allocation"));
	unlink(path);

	/* a folder that does not exist: an error naming the file */
	snprintf(path, sizeof(path), "%s/no/such.prom", dir);
	CHECK_INT(metrics_write(path, &m, &err), -1);
	CHECK_CONTAINS(err.msg, "cannot write");
	rmdir(dir);
}

int main(void)
{
	RUN(test_file);
	return tap_done();
}
