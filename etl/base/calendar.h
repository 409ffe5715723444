/*
 * calendar.h - proleptic Gregorian calendar arithmetic, below map's
 * datetime (dates and instants) and tz (time zones), and sf_bulk's dates,
 * which use it.
 *
 * Days are counted from 1970-01-01 (day 0); seconds likewise (POSIX time,
 * no leap seconds).  Pure functions, valid for any int32 year.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of a date (Howard Hinnant's days_from_civil), and
 * back. */
int64_t cal_days_from_civil(int64_t y, int m, int d);
void cal_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

int cal_is_leap(int64_t y);
int cal_days_in_month(int64_t y, int m);

/* a / b rounded towards minus infinity (b > 0). */
int64_t cal_floor_div(int64_t a, int64_t b);

/* The date of the day that second sec (since 1970-01-01T00:00:00 of the
 * same clock) falls on. */
void cal_date_of(int64_t sec, int64_t *y, int *m, int *d);

#endif
