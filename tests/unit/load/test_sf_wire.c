/* test_sf_wire.c - unit tests of what billsync reads from and writes to the
 * wire: sf__Error values, error bodies, Sforce-Limit-Info, job ids, URLs,
 * form encoding, and the poll plan's API-call budget. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sf/http.h"
#include "load/pollplan.h"
#include "sf/sf_api.h"
#include "sf/sf_bulk.h"

static void check_row_error(const char *s, const char *code, const char *msg,
			    const char *fields)
{
	char buf[512];
	struct sf_row_error e;

	sf_row_error_parse(s, buf, sizeof(buf), &e);
	CHECK_STR(e.code, code);
	CHECK_STR(e.message, msg);
	CHECK_STR(e.fields, fields);
}

static void test_row_errors(void)
{
	/* the forms of reference section 4.2 */
	check_row_error("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
			"REQUIRED_FIELD_MISSING",
			"Required fields are missing: [Name]", "Name");
	check_row_error("INVALID_FIELD:Failed to deserialize field at col 3. Due to, "
			"'2003-04-98' is not a valid value for the type xsd:date:CloseDate --",
			"INVALID_FIELD",
			"Failed to deserialize field at col 3. Due to, '2003-04-98' is "
			"not a valid value for the type xsd:date", "CloseDate");
	check_row_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--",
			"UNABLE_TO_LOCK_ROW",
			"unable to obtain exclusive access to this record", "");
	check_row_error("INVALID_FIELD:Foreign key external ID: 0000031236 not found for "
			"field Producer_BP_Id__c in entity Contact:--", "INVALID_FIELD",
			"Foreign key external ID: 0000031236 not found for field "
			"Producer_BP_Id__c in entity Contact", "");
	check_row_error("DUPLICATE_VALUE:duplicate value found: Key__c duplicates value on "
			"record with id: a01:--", "DUPLICATE_VALUE",
			"duplicate value found: Key__c duplicates value on record with id: a01",
			"");
	check_row_error("X:two fields:A__c,B__c --", "X", "two fields", "A__c,B__c");
	/* a message whose tail is not a field list keeps its text */
	check_row_error("X:see: the docs here --", "X", "see: the docs here", "");
	check_row_error("PLAIN", "PLAIN", "", "");
	check_row_error("", "", "", "");
	check_row_error("CODE:no trailer", "CODE", "no trailer", "");
}

static void test_error_bodies(void)
{
	static const char *const bodies[] = {
		"[ {\n  \"errorCode\" : \"INVALIDJOB\",\n"
		"  \"message\" : \"InvalidJob : Unable to find object: X\"\n} ]",
		"[{\"message\":\"TotalRequests Limit exceeded.\","
		"\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]",
		"{\"error\":\"invalid_grant\",\"error_description\":"
		"\"authentication failure\"}",
		"<html>oops</html>"
	};
	char code[64], msg[256];
	unsigned long long used, max;

#define PARSE(i) sf_api_parse_error(bodies[i], strlen(bodies[i]), code, \
				    sizeof(code), msg, sizeof(msg))

	CHECK_INT(PARSE(0), 0);
	CHECK_STR(code, "INVALIDJOB");
	CHECK_STR(msg, "InvalidJob : Unable to find object: X");
	CHECK_INT(PARSE(1), 0);
	CHECK_STR(code, "REQUEST_LIMIT_EXCEEDED");
	CHECK_INT(PARSE(2), 0);
	CHECK_STR(code, "invalid_grant");
	CHECK_STR(msg, "authentication failure");
	CHECK_INT(PARSE(3), -1);
	CHECK_STR(code, "");
#undef PARSE

	CHECK_INT(sf_api_parse_usage("api-usage=10018/100000", &used, &max), 0);
	CHECK_INT(used, 10018);
	CHECK_INT(max, 100000);
	CHECK_INT(sf_api_parse_usage("api-usage=3/750; per-app-api-usage=17/250(appName=x)",
				     &used, &max), 0);
	CHECK_INT(used, 3);
	CHECK_INT(sf_api_parse_usage("", &used, &max), -1);
	CHECK_INT(sf_api_parse_usage("api-usage=12", &used, &max), -1);
}

static void test_ids_and_states(void)
{
	CHECK_INT(sf_id_check("750ak000009BWKLAA4"), 0);
	CHECK_INT(sf_id_check("750ak000009BWKL"), 0);
	CHECK_INT(sf_id_check(""), -1);
	CHECK_INT(sf_id_check("750/../limits"), -1);
	CHECK_INT(sf_id_check("750ak000009BWKLAA4750ak000009BWKLAA4"), -1);
	CHECK_INT(sf_id_check(NULL), -1);
	CHECK_STR(sf_job_state_name(SF_JOB_UPLOAD_COMPLETE), "UploadComplete");
	CHECK_STR(sf_job_state_name(SF_JOB_COMPLETE), "JobComplete");
	CHECK(sf_job_state_final(SF_JOB_FAILED));
	CHECK(sf_job_state_final(SF_JOB_ABORTED));
	CHECK(!sf_job_state_final(SF_JOB_IN_PROGRESS));
}

/* createdDate as job infos and the job list carry it */
static void test_created_dates(void)
{
	CHECK(sf_time_ms("1970-01-01T00:00:00.000+0000") == 0);
	CHECK(sf_time_ms("2024-09-09T19:25:27.000+0000") == 1725909927000LL);
	CHECK(sf_time_ms("2024-09-09T19:25:27.123+0000") == 1725909927123LL);
	CHECK(sf_time_ms("2024-09-09T19:25:27.1Z") == 1725909927100LL);
	CHECK(sf_time_ms("2024-09-09T19:25:27Z") == 1725909927000LL);
	CHECK(sf_time_ms("2024-09-09T21:25:27.000+02:00") == 1725909927000LL);
	CHECK(sf_time_ms("2024-09-09T18:25:27.000-0100") == 1725909927000LL);
	CHECK(sf_time_ms("2024-02-29T00:00:00.000+0000") == 1709164800000LL);
	CHECK(sf_time_ms(NULL) == 0);
	CHECK(sf_time_ms("") == 0);
	CHECK(sf_time_ms("2024-09-09") == 0);
	CHECK(sf_time_ms("2024-13-09T19:25:27.000+0000") == 0);
	CHECK(sf_time_ms("2024-09-09T19:25:27.000+0000x") == 0);
}

static void test_urls(void)
{
	struct bs_err e;
	struct sbuf sb;

	CHECK_INT(http_url_check("https://acme.my.salesforce.com", &e), 0);
	CHECK_INT(http_url_check("http://127.0.0.1:8080", &e), 0);
	CHECK_INT(http_url_check("http://localhost:1/x", &e), 0);
	CHECK_INT(http_url_check("http://[::1]:9/", &e), 0);
	CHECK_INT(http_url_check("http://acme.my.salesforce.com", &e), -1);
	CHECK_INT(e.kind, BS_E_CONFIG);
	CHECK_CONTAINS(e.msg, "only https");
	CHECK_INT(http_url_check("http://127.0.0.1.evil.example/", &e), -1);
	CHECK_INT(http_url_check("ftp://acme.example/", &e), -1);
	CHECK_INT(http_url_check("not a url", &e), -1);

	sbuf_init(&sb, 0);
	CHECK_INT(http_urlencode(&sb, "a b&c=d/é~-._"), 0);
	CHECK_STR(sb.buf, "a%20b%26c%3Dd%2F%C3%A9~-._");
	sbuf_release(&sb);
}

/* A job of rows records processed at rate records/s after queue_ms in the
 * queue: how many polls the plan makes before it sees the job end. */
static unsigned polls_for(unsigned long long rows, unsigned long long rate,
			  unsigned long long queue_ms, unsigned long long min_ms,
			  unsigned long long max_ms, unsigned long long *done_at)
{
	unsigned long long now = 0, wait, end = queue_ms + rows * 1000 / rate;
	struct pollplan p;
	unsigned n = 0;

	pollplan_init(&p, min_ms, max_ms, rows, now);
	wait = min_ms;
	for (;;) {
		unsigned long long processed;

		now += wait;
		n++;
		processed = now <= queue_ms ? 0 :
			    now >= end ? rows : (now - queue_ms) * rate / 1000;
		if (processed >= rows)
			break;
		wait = pollplan_next(&p, now, now > queue_ms, processed, -1);
		CHECK(wait >= min_ms && wait <= max_ms);
	}
	*done_at = now;
	return n;
}

static void test_poll_budget(void)
{
	unsigned long long done_at;
	unsigned polls, calls;

	/* the benchmark: 5,000 records/s, ~100 MB files of 500,000 records */
	polls = polls_for(500000, 5000, 2000, 1000, 30000, &done_at);
	printf("# 500,000 records at 5,000/s: %u polls, seen done after %.1f s\n",
	       polls, (double)done_at / 1000);
	CHECK(polls <= 8);
	CHECK(done_at <= 100000 + 2000 + 30000);
	/* per million records: two such jobs, each create + upload + close +
	 * 3 result sets, plus /limits and one token */
	calls = 2 * (6 + polls) + 1;
	printf("# API calls per million records: %u\n", calls);
	CHECK(calls <= 50);

	/* a small job is seen done soon after it ends */
	polls = polls_for(100, 5000, 20, 50, 30000, &done_at);
	CHECK(polls <= 3);
	CHECK(done_at <= 200);

	/* a job stuck in the queue backs off to the cap, not beyond */
	{
		struct pollplan p;
		unsigned long long w = 0;
		int i;

		pollplan_init(&p, 1000, 30000, 1000, 0);
		for (i = 0; i < 10; i++)
			w = pollplan_next(&p, (unsigned long long)i * 1000, 0, 0, -1);
		CHECK_INT(w, 30000);
		/* Retry-After wins over the plan */
		CHECK_INT(pollplan_next(&p, 20000, 0, 0, 45), 45000);
	}
}

int main(void)
{
	RUN(test_row_errors);
	RUN(test_error_bodies);
	RUN(test_ids_and_states);
	RUN(test_created_dates);
	RUN(test_urls);
	RUN(test_poll_budget);
	return tap_done();
}
