/* conv_time.c - the converters of dates and times: date, datetime (see
 * convert.h). */
#include "convert_int.h"

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

int cv_apply_date(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err)
{
	char buf[DT_DATE_LEN + 1];
	struct dt_fields f;
	struct dt_instant t;
	int64_t y = 0;
	int m = 0, d = 0;

	if (read_when(c, in, &f, "a date", err) < 0)
		return -1;
	if (!f.has_time) {
		y = f.year;
		m = f.month;
		d = f.day;
	} else {
		if (dt_to_instant(&f, c->tz, &t, err) < 0)
			return cv_cannot_read(err, in, "a date");
		dt_local_date(&t, c->tz, &y, &m, &d);
		if (y < 1 || y > 9999) {
			bs_err_set(err, BS_E_ROW, "outside years 0001-9999 in "
				   "time zone %s", tz_name(c->tz));
			return cv_cannot_read(err, in, "a date");
		}
	}
	dt_format_date(y, m, d, buf);
	return cv_put_copy(out, env, buf, DT_DATE_LEN, err);
}
