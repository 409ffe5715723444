/* test_rate.c - elapsed time, rate and ETA of the progress displays. */
#include <string.h>

#include "base/rate.h"
#include "tap.h"

static void test_rate_and_eta(void)
{
	struct rate r;

	rate_init(&r, 1000);
	CHECK_INT(rate_eta_s(&r, 100), -1);         /* nothing done yet */
	rate_update(&r, 10, 1200);                  /* before the first sample */
	CHECK_INT((long long)(rate_per_s(&r) + 0.5), 50);   /* the average: 10 in 0.2 s */
	rate_update(&r, 100, 2000);                 /* 100 in 1 s */
	CHECK_INT((long long)(rate_per_s(&r) + 0.5), 100);
	CHECK_INT(rate_eta_s(&r, 1100), 10);
	CHECK_INT(rate_elapsed_ms(&r), 1000);
	rate_update(&r, 100, 3000);                 /* stalled a second */
	CHECK_INT((long long)(rate_per_s(&r) + 0.5), 70);   /* eased, not zeroed */
	CHECK_INT(rate_eta_s(&r, 100), 0);
	CHECK_INT(rate_eta_s(&r, 0), -1);           /* no total */
	rate_update(&r, 50, 2500);                  /* never backwards */
	CHECK_INT(rate_elapsed_ms(&r), 2000);
}

/* A steady pace: what is left takes as long per unit as what is done. */
static void test_eta_steady(void)
{
	CHECK_INT(rate_eta_steady(4000, 25, 100), 12);   /* 25% in 4s */
	CHECK_INT(rate_eta_steady(1000, 3, 4), 0);       /* 0.33s rounds down */
	CHECK_INT(rate_eta_steady(1000, 100, 100), 0);   /* done */
	CHECK_INT(rate_eta_steady(1000, 0, 100), -1);    /* nothing done yet */
	CHECK_INT(rate_eta_steady(1000, 5, 0), -1);      /* no total */
}

static void test_format(void)
{
	char b[32];

	rate_format_duration(b, sizeof(b), 42);
	CHECK_STR(b, "42s");
	rate_format_duration(b, sizeof(b), 185);
	CHECK_STR(b, "3m05s");
	rate_format_duration(b, sizeof(b), 7620);
	CHECK_STR(b, "2h07m");
	rate_format_duration(b, sizeof(b), -1);
	CHECK_STR(b, "?");
	rate_format_count(b, sizeof(b), 950);
	CHECK_STR(b, "950");
	rate_format_count(b, sizeof(b), 12345);
	CHECK_STR(b, "12.3k");
	rate_format_count(b, sizeof(b), 4560000);
	CHECK_STR(b, "4.56M");
}

int main(void)
{
	RUN(test_rate_and_eta);
	RUN(test_eta_steady);
	RUN(test_format);
	return tap_done();
}
