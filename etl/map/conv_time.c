/* conv_time.c - the converters of dates and times: date, datetime, and
 * the calendar buckets month and week (see convert.h). */
#include "convert_int.h"

#include <string.h>

#include "datetime.h"
#include "tz.h"

/* ---- dates and times ---- */

int cv_setup_when(struct conv *c, const struct args *a,
		  struct bs_err *err)
{
	const char *tz = cv_arg_get(a, "tz"), *format = cv_arg_get(a, "format");

	if (tz && !(c->tz = tz_load(tz, err)))
		goto fail;
	if (format && !(c->pat = dt_pattern_new(format, err)))
		goto fail;
	return 0;
fail:
	bs_err_prefix(err, "%s", c->def->name);
	return -1;
}

/* Reads in with the declared format, or as ISO 8601. */
static int read_when(const struct conv *c, const struct bs_value *in,
		     struct dt_fields *f, const char *what,
		     struct bs_err *err)
{
	int rc = c->pat ? dt_pattern_parse(c->pat, in->s, in->len, f, err)
			: dt_parse_iso(in->s, in->len, f, err);

	return rc < 0 ? cv_cannot_read(err, in, what) : 0;
}

int cv_apply_datetime(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err)
{
	char buf[DT_ISO_LEN + 1];
	struct dt_fields f;
	struct dt_instant t;

	if (read_when(c, in, &f, "a date and time", err) < 0)
		return -1;
	if (dt_to_instant(&f, c->tz, &t, err) < 0)
		return cv_cannot_read(err, in, "a date and time");
	dt_format_iso(&t, buf);
	return cv_put_copy(out, env, buf, DT_ISO_LEN, err);
}

/* The calendar day of in, in the converter's zone when in has a time of
 * day; what names the converter's result in messages. */
static int local_day(const struct conv *c, const struct bs_value *in,
		     const char *what, int64_t *y, int *m, int *d,
		     struct bs_err *err)
{
	struct dt_fields f;
	struct dt_instant t;

	if (read_when(c, in, &f, what, err) < 0)
		return -1;
	if (!f.has_time) {
		*y = f.year;
		*m = f.month;
		*d = f.day;
		return 0;
	}
	if (dt_to_instant(&f, c->tz, &t, err) < 0)
		return cv_cannot_read(err, in, what);
	dt_local_date(&t, c->tz, y, m, d);
	if (*y < 1 || *y > 9999) {
		bs_err_set(err, BS_E_ROW, "outside years 0001-9999 in time zone "
			   "%s", tz_name(c->tz));
		return cv_cannot_read(err, in, what);
	}
	return 0;
}

/* month(tz=Zone) and week(tz=Zone) group by the calendar of a declared
 * zone: without one, the month of 2024-02-01T03:00:00Z would depend on
 * nothing written in the mapping. */
int cv_setup_bucket(struct conv *c, const struct args *a, struct bs_err *err)
{
	if (!cv_arg_get(a, "tz"))
		return bs_err_set(err, BS_E_CONFIG, "%s: needs tz=ZONE, the time "
				  "zone whose calendar counts (e.g. tz=UTC or "
				  "tz=America/New_York)", c->def->name);
	return cv_setup_when(c, a, err);
}

/* Days since 1970-01-01 of the Monday of the ISO week of day (day 0 was a
 * Thursday). */
static int64_t monday_of(int64_t day)
{
	return day - (day + 3 - cal_floor_div(day + 3, 7) * 7);
}

enum day_out { DAY, MONTH, WEEK };

/* The local day of in as YYYY-MM-DD, its month as YYYY-MM, or the Monday
 * of its week. */
static int put_day(const struct conv *c, const struct bs_value *in,
		   enum day_out what, struct bs_value *out,
		   const struct conv_env *env, struct bs_err *err)
{
	char buf[DT_DATE_LEN + 1];
	int64_t y = 0;
	int m = 0, d = 0;

	if (local_day(c, in, "a date", &y, &m, &d, err) < 0)
		return -1;
	if (what == WEEK)
		cal_civil_from_days(monday_of(cal_days_from_civil(y, m, d)), &y,
				    &m, &d);
	dt_format_date(y, m, d, buf);
	return cv_put_copy(out, env, buf, what == MONTH ? 7 : DT_DATE_LEN,
			   err);
}

int cv_apply_date(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err)
{
	return put_day(c, in, DAY, out, env, err);
}

int cv_apply_month(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err)
{
	return put_day(c, in, MONTH, out, env, err);
}

int cv_apply_week(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err)
{
	return put_day(c, in, WEEK, out, env, err);
}

int conv_bucket_start(const struct conv *c, const struct dt_instant *t,
		      struct dt_instant *start)
{
	struct dt_fields f;
	struct bs_err ignored;
	int64_t y;
	int m, d;

	if (c->def->apply != cv_apply_month && c->def->apply != cv_apply_week)
		return -1;
	dt_local_date(t, c->tz, &y, &m, &d);
	if (c->def->apply == cv_apply_month)
		d = 1;
	else
		cal_civil_from_days(monday_of(cal_days_from_civil(y, m, d)), &y,
				    &m, &d);
	memset(&f, 0, sizeof(f));
	f.year = (int)y;
	f.month = m;
	f.day = d;
	return dt_to_instant(&f, c->tz, start, &ignored);
}
