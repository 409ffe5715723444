/* dates.c - billing anchors and ISO 8601 timestamps (dates.h). */
#include <string.h>

#include "base/calendar.h"
#include "dates.h"

int64_t anchor_in_month(int64_t z, int anchor, int delta)
{
	int64_t y;
	int m, d, mi;

	cal_civil_from_days(z, &y, &m, &d);
	mi = m - 1 + delta;
	y += mi >= 0 ? mi / 12 : (mi - 11) / 12;
	mi = ((mi % 12) + 12) % 12;
	return cal_days_from_civil(y, mi + 1, anchor);
}

int64_t next_anchor(int64_t z, int anchor)
{
	int64_t a = anchor_in_month(z, anchor, 0);

	return a > z ? a : anchor_in_month(z, anchor, 1);
}

int64_t last_anchor(int64_t z, int anchor)
{
	int64_t a = anchor_in_month(z, anchor, 0);

	return a <= z ? a : anchor_in_month(z, anchor, -1);
}

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

size_t fmt_ts(char *b, int64_t t, enum tstyle st)
{
	int64_t days, secs, y;
	int m, d;
	char *p = b;

	if (st == TS_JST)
		t += 9 * 3600;
	days = (t >= 0 ? t : t - (DAY - 1)) / DAY;
	secs = t - days * DAY;
	cal_civil_from_days(days, &y, &m, &d);
	p = put2(p, (int)(y / 100));
	p = put2(p, (int)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, (int)(secs / 3600));
	*p++ = ':';
	p = put2(p, (int)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (int)(secs % 60));
	if (st == TS_Z) {
		*p++ = 'Z';
	} else {
		memcpy(p, st == TS_JST ? "+09:00" : "+00:00", 6);
		p += 6;
	}
	return (size_t)(p - b);
}
