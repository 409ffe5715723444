/* test_datetime.c - unit tests of etl/datetime and etl/tz: civil-date
 * arithmetic, ISO 8601, patterns, TZif zones and their POSIX rules, DST
 * gaps and overlaps.  The C library's localtime_r serves as an oracle for
 * the offsets (in this test only: the modules never touch TZ). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "map/datetime.h"
#include "map/tz.h"

static struct tz *load(const char *name)
{
	struct bs_err err;
	struct tz *z = tz_load(name, &err);

	if (!z)
		printf("#   cannot load %s: %s\n", name, err.msg);
	return z;
}

static void test_civil(void)
{
	int64_t d, y;
	int m, day, bad = 0;

	CHECK_INT(cal_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(cal_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(cal_days_from_civil(1, 1, 1), -719162);
	CHECK_INT(cal_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(cal_days_from_civil(2024, 3, 1) -
		  cal_days_from_civil(2024, 2, 28), 2);
	CHECK_INT(cal_days_from_civil(2023, 3, 1) -
		  cal_days_from_civil(2023, 2, 28), 1);
	CHECK_INT(cal_days_from_civil(1900, 3, 1) -
		  cal_days_from_civil(1900, 2, 28), 1);
	CHECK_INT(cal_days_from_civil(2000, 3, 1) -
		  cal_days_from_civil(2000, 2, 28), 2);
	/* every day of years 0001-9999 goes there and back */
	for (d = cal_days_from_civil(1, 1, 1);
	     d <= cal_days_from_civil(9999, 12, 31); d++) {
		cal_civil_from_days(d, &y, &m, &day);
		if (cal_days_from_civil(y, m, day) != d ||
		    day > cal_days_in_month(y, m))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(cal_is_leap(2024) && cal_is_leap(2000) && !cal_is_leap(1900) &&
	      !cal_is_leap(2023));
	CHECK_INT(cal_days_in_month(2024, 2), 29);
	CHECK_INT(cal_days_in_month(2023, 2), 28);
	CHECK_INT(cal_days_in_month(2024, 4), 30);
}

static void test_iso(void)
{
	struct dt_fields f;
	struct dt_instant t;
	struct bs_err err;
	char buf[DT_ISO_LEN + 1];
	const char *s = "2024-05-01T06:00:12.5+05:30";

	CHECK_INT(dt_parse_iso(s, strlen(s), &f, &err), 0);
	CHECK(f.year == 2024 && f.month == 5 && f.day == 1);
	CHECK(f.hour == 6 && f.minute == 0 && f.second == 12);
	CHECK_INT(f.nsec, 500000000);
	CHECK(f.has_time && f.has_offset);
	CHECK_INT(f.offset, 19800);
	CHECK_INT(dt_to_instant(&f, NULL, &t, &err), 0);
	dt_format_iso(&t, buf);
	CHECK_STR(buf, "2024-05-01T00:30:12.500Z");

	s = "2024-05-01";
	CHECK_INT(dt_parse_iso(s, strlen(s), &f, &err), 0);
	CHECK(!f.has_time && !f.has_offset);

	s = "2024-02-30";
	CHECK_INT(dt_parse_iso(s, strlen(s), &f, &err), -1);
	CHECK_INT(err.kind, BS_E_ROW);
	CHECK_STR(err.msg, "day 30 is past the end of February 2024");

	/* the epoch and instants before it */
	t.sec = 0;
	t.nsec = 0;
	dt_format_iso(&t, buf);
	CHECK_STR(buf, "1970-01-01T00:00:00.000Z");
	t.sec = -1;
	t.nsec = 999999999;
	dt_format_iso(&t, buf);
	CHECK_STR(buf, "1969-12-31T23:59:59.999Z");
}

static void test_compare(void)
{
	struct dt_fields f;
	struct dt_instant a, b;
	struct bs_err err;
	const char *x = "2024-05-01T02:00:00+02:00", *y = "2024-05-01";

	CHECK_INT(dt_parse_instant(x, strlen(x), NULL, &a, &err), 0);
	CHECK_INT(dt_parse_instant(y, strlen(y), NULL, &b, &err), 0);
	CHECK_INT(dt_instant_cmp(&a, &b), 0);
	CHECK_INT(dt_parse_instant("2024-02-30", 10, NULL, &b, &err), -1);
	CHECK_CONTAINS(err.msg, "day 30");
	dt_parse_iso(y, strlen(y), &f, &err);
	dt_to_instant(&f, NULL, &b, &err);
	b.nsec = 1;
	CHECK_INT(dt_instant_cmp(&a, &b), -1);
	CHECK_INT(dt_instant_cmp(&b, &a), 1);
}

static int32_t off(const struct tz *z, int64_t t)
{
	return tz_offset_at(z, t);
}

static void test_transitions(void)
{
	struct tz *paris = load("Europe/Paris"), *ny = load("America/New_York");
	struct tz *tokyo = load("Asia/Tokyo"), *lh = load("Australia/Lord_Howe");
	struct tz *utc = load("UTC");

	CHECK(paris && ny && tokyo && lh && utc);
	if (!paris || !ny || !tokyo || !lh || !utc)
		goto out;
	CHECK_STR(tz_name(paris), "Europe/Paris");
	CHECK_STR(tz_name(NULL), "UTC");
	CHECK_INT(off(paris, 1705276800), 3600);     /* 2024-01-15 */
	CHECK_INT(off(paris, 1721001600), 7200);     /* 2024-07-15 */
	CHECK_INT(off(paris, 1711846800 - 1), 3600); /* 2024-03-31T01:00Z */
	CHECK_INT(off(paris, 1711846800), 7200);
	CHECK_INT(off(paris, 1729990800 - 1), 7200); /* 2024-10-27T01:00Z */
	CHECK_INT(off(paris, 1729990800), 3600);
	CHECK_INT(off(ny, 1710054000 - 1), -18000);  /* 2024-03-10T07:00Z */
	CHECK_INT(off(ny, 1710054000), -14400);
	CHECK_INT(off(ny, 1730613600 - 1), -14400);  /* 2024-11-03T06:00Z */
	CHECK_INT(off(ny, 1730613600), -18000);
	CHECK_INT(off(tokyo, 1705276800), 32400);
	CHECK_INT(off(tokyo, 1721001600), 32400);
	CHECK_INT(off(lh, 1705276800), 39600);
	CHECK_INT(off(lh, 1721001600), 37800);
	CHECK_INT(off(utc, 1721001600), 0);
	CHECK_INT(off(NULL, 1721001600), 0);
	/* 2040: past the transitions in the file, from the POSIX rule */
	CHECK_INT(off(paris, 2216250000 - 1), 3600); /* 2040-03-25T01:00Z */
	CHECK_INT(off(paris, 2216250000), 7200);
	CHECK_INT(off(ny, 2215062000 - 1), -18000);  /* 2040-03-11T07:00Z */
	CHECK_INT(off(ny, 2215062000), -14400);
	CHECK_INT(off(lh, 2216818800 - 1), 39600);   /* 2040-03-31T15:00Z */
	CHECK_INT(off(lh, 2216818800), 37800);
	CHECK_INT(off(lh, 2233150200 - 1), 37800);   /* 2040-10-06T15:30Z */
	CHECK_INT(off(lh, 2233150200), 39600);
	/* gap and overlap in New York */
	CHECK_INT(tz_local_to_utc(ny, 1710037800), 1710055800);
	CHECK_INT(tz_local_to_utc(ny, 1730597400), 1730611800);
	CHECK_INT(tz_local_to_utc(NULL, 1730597400), 1730597400);
out:
	tz_free(paris);
	tz_free(ny);
	tz_free(tokyo);
	tz_free(lh);
	tz_free(utc);
}

/* The offsets of the zone against the C library's, every 7h13m from
 * 1960 to 2080; local-to-UTC gives back the local time, or moves it
 * forward out of a gap, and picks the earlier of two. */
static void test_oracle(void)
{
	static const char *const zones[] = {
		"Europe/Paris", "America/New_York", "Asia/Tokyo",
		"Australia/Lord_Howe", "Europe/Dublin", "America/Sao_Paulo",
		"Pacific/Apia", "America/St_Johns", "Asia/Kolkata",
		"Africa/Casablanca", "Pacific/Chatham", "Antarctica/Troll",
	};
	const int64_t from = -315619200, to = 3471292800, step = 7 * 3600 + 13 * 60;
	size_t i;
	int bad = 0, badl = 0;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct tz *z = load(zones[i]);
		int64_t t;

		CHECK(z != NULL);
		if (!z)
			continue;
		setenv("TZ", zones[i], 1);
		tzset();
		for (t = from; t < to; t += step) {
			time_t tt = (time_t)t;
			struct tm tm;
			int64_t local, u, cand[2];
			int k;

			localtime_r(&tt, &tm);
			if (tm.tm_gmtoff != off(z, t) && bad++ < 5)
				printf("#   %s at %lld: %d, libc %ld\n", zones[i],
				       (long long)t, off(z, t), tm.tm_gmtoff);
			local = t + tm.tm_gmtoff;
			u = tz_local_to_utc(z, local);
			if (u + off(z, u) < local && badl++ < 5)
				printf("#   %s local %lld: went back\n", zones[i],
				       (long long)local);
			cand[0] = local - off(z, local - 86400);
			cand[1] = local - off(z, local + 86400);
			for (k = 0; k < 2; k++)
				if (cand[k] < u &&
				    cand[k] + off(z, cand[k]) == local &&
				    badl++ < 5)
					printf("#   %s local %lld: not the earlier\n",
					       zones[i], (long long)local);
		}
		tz_free(z);
	}
	unsetenv("TZ");
	CHECK_INT(bad, 0);
	CHECK_INT(badl, 0);
}

static void test_local_date(void)
{
	struct tz *ny = load("America/New_York");
	struct dt_instant t = { 1710046799, 0 };   /* 2024-03-10T04:59:59Z */
	int64_t y;
	int m, d;

	dt_local_date(&t, ny, &y, &m, &d);
	CHECK(y == 2024 && m == 3 && d == 9);
	t.sec++;
	dt_local_date(&t, ny, &y, &m, &d);
	CHECK(y == 2024 && m == 3 && d == 10);
	dt_local_date(&t, NULL, &y, &m, &d);
	CHECK(y == 2024 && m == 3 && d == 10);
	tz_free(ny);
}

static void test_names(void)
{
	static const struct {
		const char *name, *msg;
	} bad[] = {
		{ "", "invalid time zone name" },
		{ "/etc/localtime", "invalid time zone name" },
		{ "../etc/passwd", "invalid time zone name" },
		{ "Europe/./Paris", "invalid time zone name" },
		{ "Europe//Paris", "invalid time zone name" },
		{ "Europe/Paris/", "invalid time zone name" },
		{ "Europe/Paris;rm", "invalid time zone name" },
		{ "Europe/Pariss", "did you mean 'Europe/Paris'?" },
		{ "asia/tokyo", "did you mean 'Asia/Tokyo'?" },
		{ "Nowhere/Town", "unknown time zone 'Nowhere/Town'" },
		{ "America", "is a group of time zones" },
	};
	struct bs_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bs_err_clear(&err);
		CHECK(tz_load(bad[i].name, &err) == NULL);
		CHECK_INT(err.kind, BS_E_CONFIG);
		CHECK_CONTAINS(err.msg, bad[i].msg);
	}
	tz_free(NULL);
}

/* ---- hand-made TZif files ---- */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A header: version, transitions, types, abbreviation bytes. */
static size_t header(unsigned char *p, char version, uint32_t ntime,
		     uint32_t ntype, uint32_t nchr)
{
	memset(p, 0, 44);
	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)version;
	put32(p + 32, ntime);
	put32(p + 36, ntype);
	put32(p + 40, nchr);
	return 44;
}

static void write_file(const char *dir, const char *name,
		       const unsigned char *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static const char *const tzif_files[] = {
	"v1", "rule", "short", "badrule", "leap", "badidx"
};

/* Writes the TZif files of tzif_files into dir: good ones (version 1, a
 * version 2 rule) and broken ones. */
static void write_tzif_files(const char *dir)
{
	unsigned char buf[512];
	size_t n;

	/* version 1: one transition at 1e9 from UTC to +01:00 */
	n = header(buf, 0, 1, 2, 4);
	put32(buf + n, 1000000000);
	n += 4;
	buf[n++] = 1;
	memset(buf + n, 0, 12);            /* type 0: 0, type 1: 3600 */
	put32(buf + n + 6, 3600);
	n += 12;
	memcpy(buf + n, "UTC", 4);
	n += 4;
	write_file(dir, "v1", buf, n);
	/* the same with an index pointing past the types */
	buf[48] = 7;
	write_file(dir, "badidx", buf, n);

	/* version 2, no transitions, only the New York rule */
	n = header(buf, '2', 0, 1, 4);
	memset(buf + n, 0, 10);
	n += 10;
	n += header(buf + n, '2', 0, 1, 4);
	memset(buf + n, 0, 6);
	put32(buf + n, (uint32_t)-18000);
	n += 6;
	memcpy(buf + n, "EST", 4);
	n += 4;
	memcpy(buf + n, "\nEST5EDT,M3.2.0,M11.1.0\n", 24);
	write_file(dir, "rule", buf, n + 24);
	memcpy(buf + n, "\nEST5EDT,M3.2.0,X11.1.0\n", 24);
	write_file(dir, "badrule", buf, n + 24);
	write_file(dir, "short", buf, 50);
	/* a leap second record in the 64-bit part */
	put32(buf + 54 + 28, 1);
	memset(buf + n, 0, 12);
	memcpy(buf + n + 12, "\nEST5EDT,M3.2.0,M11.1.0\n", 24);
	write_file(dir, "leap", buf, n + 36);
}

static void test_tzif_files(void)
{
	char dir[] = "/tmp/billsync-tz.XXXXXX", path[512];
	struct tz *z, *ny;
	struct bs_err err;
	int64_t t;
	int bad = 0;
	size_t i;

	REQUIRE(mkdtemp(dir) != NULL);
	write_tzif_files(dir);
	z = tz_load_dir(dir, "v1", &err);
	CHECK(z != NULL);
	if (z) {
		CHECK_INT(off(z, 999999999), 0);
		CHECK_INT(off(z, 1000000000), 3600);
		CHECK_INT(off(z, 2000000000), 3600);
		tz_free(z);
	}
	z = tz_load_dir(dir, "rule", &err);
	ny = load("America/New_York");
	CHECK(z != NULL && ny != NULL);
	if (z && ny) {
		for (t = 1704067200; t < 1735689600; t += 3599)  /* 2024 */
			if (off(z, t) != off(ny, t))
				bad++;
		CHECK_INT(bad, 0);
	}
	tz_free(z);
	tz_free(ny);
	CHECK(tz_load_dir(dir, "short", &err) == NULL);
	CHECK_CONTAINS(err.msg, "not a valid TZif file");
	CHECK(tz_load_dir(dir, "badidx", &err) == NULL);
	CHECK_CONTAINS(err.msg, "not a valid TZif file");
	CHECK(tz_load_dir(dir, "badrule", &err) == NULL);
	CHECK_CONTAINS(err.msg, "cannot read its rule");
	CHECK(tz_load_dir(dir, "leap", &err) == NULL);
	CHECK_CONTAINS(err.msg, "leap seconds");
	for (i = 0; i < sizeof(tzif_files) / sizeof(tzif_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tzif_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Damaged copies of a real zone file are refused or loaded, never read
 * out of bounds (ASan watches). */
static void test_tzif_damaged(void)
{
	char dir[] = "/tmp/billsync-tzd.XXXXXX", path[512];
	unsigned char orig[8192], buf[8192];
	struct bs_err err;
	size_t n, k;
	uint32_t seed = 12345;
	int i, loaded = 0, refused = 0;
	FILE *f = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");

	REQUIRE(f != NULL);
	n = fread(orig, 1, sizeof(orig), f);
	fclose(f);
	REQUIRE(mkdtemp(dir) != NULL);
	for (i = 0; i < 400; i++) {
		struct tz *z;

		memcpy(buf, orig, n);
		for (k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % n] ^= (unsigned char)(1u << (seed >> 28 & 7));
		}
		seed = seed * 1103515245 + 12345;
		write_file(dir, "z", buf, i % 4 == 0 ? (seed >> 8) % n : n);
		z = tz_load_dir(dir, "z", &err);
		if (z) {
			loaded++;
			off(z, 1721001600);
			off(z, 2216250000);
			tz_local_to_utc(z, 1721001600);
			tz_free(z);
		} else {
			refused++;
		}
	}
	CHECK(loaded > 0 && refused > 0);
	snprintf(path, sizeof(path), "%s/z", dir);
	unlink(path);
	rmdir(dir);
}

static void test_patterns(void)
{
	struct bs_err err;
	struct dt_pattern *p = dt_pattern_new("DD.MM.YYYY HH:mm", &err);
	struct dt_fields f;
	const char *s = "01.05.2024 14:30";

	REQUIRE(p != NULL);
	CHECK_STR(dt_pattern_text(p), "DD.MM.YYYY HH:mm");
	CHECK(dt_pattern_has_time(p));
	CHECK_INT(dt_pattern_parse(p, s, strlen(s), &f, &err), 0);
	CHECK(f.year == 2024 && f.month == 5 && f.day == 1 && f.hour == 14 &&
	      f.minute == 30 && f.has_time && !f.has_offset);
	CHECK_INT(dt_pattern_parse(p, s, 5, &f, &err), -1);
	CHECK_CONTAINS(err.msg, "does not match the format");
	dt_pattern_free(p);
	p = dt_pattern_new("MM/DD/YYYY", &err);
	CHECK(p && !dt_pattern_has_time(p));
	dt_pattern_free(p);
	CHECK(dt_pattern_new("", &err) == NULL);
	CHECK(dt_pattern_new("YYYY-MM-DD HH:mm:ss.SSSS", &err) == NULL);
	CHECK_CONTAINS(err.msg, "unknown token 'SSSS'; did you mean 'SSS'?");
	CHECK_INT(err.kind, BS_E_CONFIG);
}

int main(void)
{
	RUN(test_civil);
	RUN(test_iso);
	RUN(test_compare);
	RUN(test_transitions);
	RUN(test_oracle);
	RUN(test_local_date);
	RUN(test_names);
	RUN(test_tzif_files);
	RUN(test_tzif_damaged);
	RUN(test_patterns);
	return tap_done();
}
