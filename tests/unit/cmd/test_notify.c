/* test_notify.c - the [notify] command: when it runs, what it is given,
 * and that a failing or hanging command is an error, not a hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cmd/notify.h"
#include "tap.h"

static void test_wanted(void)
{
	struct notify_opts o = { "true", NOTIFY_FAILURE, 1000 };

	CHECK(!notify_wanted(&o, 0, -1));
	CHECK(notify_wanted(&o, 1, 0));
	CHECK(notify_wanted(&o, 5, 5));
	o.on = NOTIFY_ALWAYS;
	CHECK(notify_wanted(&o, 0, 0));
	o.on = NOTIFY_CHANGE;
	CHECK(notify_wanted(&o, 3, 0));       /* a failure */
	CHECK(notify_wanted(&o, 3, 3));       /* every failure */
	CHECK(notify_wanted(&o, 0, 5));       /* the first success after */
	CHECK(!notify_wanted(&o, 0, 0));      /* not the second */
	CHECK(!notify_wanted(&o, 0, -1));     /* nor the first run */
	o.command = NULL;
	CHECK(!notify_wanted(&o, 5, 0));
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void test_input_and_environment(void)
{
	char dir[] = "/tmp/billsync-notify.XXXXXX", cmd[512], path[300];
	struct notify_opts o = { cmd, NOTIFY_ALWAYS, 10000 };
	struct notify_run r = { "run", 42, 1, "records_failed" };
	struct bs_err err;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "{ cat; echo; echo \"$BILLSYNC_EXIT_CODE "
		 "$BILLSYNC_RUN_ID $BILLSYNC_COMMAND $BILLSYNC_STATUS\"; } > %s",
		 path);
	CHECK_INT(notify_send(&o, &r, "{\"exit_code\":1}", 15, &err), 0);
	CHECK_STR(slurp(path), "{\"exit_code\":1}\n1 42 run records_failed\n");
	unlink(path);
	rmdir(dir);
}

static void test_failures(void)
{
	struct notify_opts o = { "exit 3", NOTIFY_ALWAYS, 5000 };
	struct notify_run r = { "upload", 7, 5, "salesforce_error" };
	struct bs_err err;
	unsigned long long t0;

	CHECK_INT(notify_send(&o, &r, "{}", 2, &err), -1);
	CHECK_CONTAINS(err.msg, "exited with status 3");
	o.command = "/no/such/program";
	CHECK_INT(notify_send(&o, &r, "{}", 2, &err), -1);
	CHECK_CONTAINS(err.msg, "status 127");
	/* a command that does not read its input, and hangs: killed with
	 * its children at the time limit, the big report notwithstanding */
	o.command = "sleep 30 & sleep 30";
	o.timeout_ms = 300;
	{
		size_t n = 1 << 20;
		char *big = malloc(n);

		if (!big) {
			CHECK(0);
			return;
		}
		memset(big, 'x', n);
		t0 = clock_now_ms();
		CHECK_INT(notify_send(&o, &r, big, n, &err), -1);
		CHECK(clock_now_ms() - t0 < 5000);
		CHECK_CONTAINS(err.msg, "did not finish within 300 ms");
		free(big);
	}
	/* a command that closes its input early is fine */
	o.command = "exec 0<&-; exit 0";
	o.timeout_ms = 5000;
	CHECK_INT(notify_send(&o, &r, "{}", 2, &err), 0);
}

int main(void)
{
	RUN(test_wanted);
	RUN(test_input_and_environment);
	RUN(test_failures);
	return tap_done();
}
