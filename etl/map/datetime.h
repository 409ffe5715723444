/*
 * datetime.h - calendar dates, ISO 8601 text, declared input patterns and
 * UTC instants, never through the C library's time zone machinery.
 *
 * Dates are proleptic Gregorian, years 0001 to 9999.  An instant is seconds
 * since 1970-01-01T00:00:00Z plus nanoseconds (POSIX time: no leap
 * seconds).
 *
 * ISO 8601 text accepted by dt_parse_iso:
 *
 *     YYYY-MM-DD
 *     YYYY-MM-DDTHH:MM[:SS[.fraction]][offset]
 *
 * 'T' may be 't' or a single space; offset is Z (or z), +HH:MM, -HH:MM,
 * +HHMM or +HH, at most 23:59 either way ("-00:00" is UTC).  The fraction
 * has 1 or more digits; nanoseconds are kept, digits beyond the ninth are
 * dropped.  Ranges are checked: month 1-12, day within the month (leap
 * years included: 2024-02-29 yes, 2023-02-29 and 1900-02-29 no, 2000-02-29
 * yes), hour 0-23 (24:00 is refused), minute 0-59, second 0-59, or 60 for a
 * leap second, which is read as second 59 of the same minute (POSIX time
 * has no leap seconds).
 *
 * A date or time without an offset is local time in a zone the caller
 * gives (dt_to_instant), UTC when none is given.
 *
 * Output (dt_format_iso) is Salesforce's dateTime form in UTC,
 * YYYY-MM-DDTHH:MM:SS.sssZ, with the fraction truncated (not rounded) to
 * milliseconds, so 23:59:59.9999 never becomes the next day.
 *
 * Parse errors set err (kind BS_E_ROW) to the reason only, e.g. "day 30 is
 * past the end of February 2024": callers put the value in front.
 */
#ifndef DATETIME_H
#define DATETIME_H

#include <stddef.h>
#include <stdint.h>

#include "formats/bs_err.h"
#include "base/calendar.h"

struct tz;

#define DT_ISO_LEN 24    /* strlen("2024-05-01T06:00:12.000Z") */
#define DT_DATE_LEN 10   /* strlen("2024-05-01") */
#define DT_PATTERN_MAX 64    /* bytes in a pattern */

/* A date and time as written, before any zone is applied. */
struct dt_fields {
	int year, month, day;
	int hour, minute, second;
	int32_t nsec;
	int has_time;     /* a time of day was written */
	int has_offset;   /* Z or an offset was written */
	int32_t offset;   /* seconds east of UTC, when has_offset */
};

struct dt_instant {
	int64_t sec;      /* seconds since 1970-01-01T00:00:00Z */
	int32_t nsec;     /* 0..999999999 */
};

/* Reads ISO 8601 text (see above) into *f, with ranges checked. */
int dt_parse_iso(const char *s, size_t len, struct dt_fields *f,
		 struct bs_err *err);

/* Checks the ranges of f (as dt_parse_iso does); for callers that fill
 * a dt_fields themselves. */
int dt_check(const struct dt_fields *f, struct bs_err *err);

/* The instant f names: with its own offset if it has one, else as local
 * time in zone (NULL: UTC); a date alone is midnight.  Fails when the
 * result falls outside years 0001-9999. */
int dt_to_instant(const struct dt_fields *f, const struct tz *zone,
		  struct dt_instant *out, struct bs_err *err);

/* dt_parse_iso then dt_to_instant: for filters comparing a column with a
 * literal ("issued_at >= 2024-01-01" compares with midnight UTC). */
int dt_parse_instant(const char *s, size_t len, const struct tz *zone,
		     struct dt_instant *out, struct bs_err *err);

/* The calendar date in zone (NULL: UTC) at instant t. */
void dt_local_date(const struct dt_instant *t, const struct tz *zone,
		   int64_t *y, int *m, int *d);

/* -1, 0, 1 as a < b, a == b, a > b. */
int dt_instant_cmp(const struct dt_instant *a, const struct dt_instant *b);

/* "YYYY-MM-DDTHH:MM:SS.sssZ" (DT_ISO_LEN chars and a NUL). */
void dt_format_iso(const struct dt_instant *t, char buf[DT_ISO_LEN + 1]);
/* "YYYY-MM-DD" (DT_DATE_LEN chars and a NUL). */
void dt_format_date(int64_t y, int m, int d, char buf[DT_DATE_LEN + 1]);

/*
 * Declared input patterns, for sources that do not write ISO 8601:
 * "MM/DD/YYYY", "DD.MM.YYYY HH:mm", "M/D/YYYY h:mm A".  Tokens:
 *
 *     YYYY  year, 4 digits          HH  hour 00-23     H  hour, 1-2 digits
 *     MM    month, 2 digits         hh  hour 01-12     h  hour 1-12, 1-2 digits
 *     M     month, 1-2 digits       mm  minute, 2 digits
 *     DD    day, 2 digits           ss  second, 2 digits
 *     D     day, 1-2 digits         SSS fraction of a second, 1-9 digits
 *     A     AM or PM (any case; needs hh or h)
 *
 * Any other letter is an error (so "yyyy" is caught when the mapping is
 * loaded); text in single quotes is literal ("YYYY-MM-DD'T'HH:mm"), as is
 * any character that is not a letter.  A pattern needs YYYY, a month and a
 * day; minutes need an hour, seconds need minutes.  The whole value must
 * match.
 */
struct dt_pattern;

/* Compiles text; errors are BS_E_CONFIG ("unknown pattern token 'yyyy';
 * did you mean 'YYYY'?").  Caller frees with dt_pattern_free. */
struct dt_pattern *dt_pattern_new(const char *text, struct bs_err *err);
void dt_pattern_free(struct dt_pattern *p);
/* The pattern as given. */
const char *dt_pattern_text(const struct dt_pattern *p);
/* True when the pattern has a time of day. */
int dt_pattern_has_time(const struct dt_pattern *p);

/* Reads s[0..len) with pattern p into *f (has_offset is 0), ranges
 * checked. */
int dt_pattern_parse(const struct dt_pattern *p, const char *s, size_t len,
		     struct dt_fields *f, struct bs_err *err);

#endif
