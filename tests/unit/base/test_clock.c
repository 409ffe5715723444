/* test_clock.c - the wall-clock time as billsync records it. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "tap.h"

/* "2026-12-05T02:15:03.120Z", in UTC, the second of time(NULL). */
static void test_iso_now(void)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	char buf[CLOCK_ISO_SIZE], want[32];
	time_t before = time(NULL), after;
	struct tm tm;
	size_t i;
	int ok = 1;

	CHECK(clock_iso_now(buf) == buf);
	after = time(NULL);
	CHECK_INT(strlen(buf), strlen(shape));
	for (i = 0; i < strlen(shape) && i < strlen(buf); i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)buf[i]) :
		    buf[i] != shape[i])
			ok = 0;
	CHECK(ok);
	gmtime_r(&before, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	if (strncmp(buf, want, 19)) {   /* the second turned meanwhile */
		gmtime_r(&after, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	}
	CHECK(strncmp(buf, want, 19) == 0);
}

int main(void)
{
	RUN(test_iso_now);
	return tap_done();
}
