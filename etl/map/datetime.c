/* datetime.c - ISO 8601, input patterns and UTC instants (see datetime.h;
 * the calendar arithmetic is calendar.c). */
#include "datetime.h"

#include <stdlib.h>
#include <string.h>

#include "formats/strsim.h"
#include "base/calendar.h"
#include "tz.h"

#define DT_MAX_OFFSET (23 * 3600 + 59 * 60)
#define DT_PATTERN_ITEMS DT_PATTERN_MAX

static const char *const month_name[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

int dt_check(const struct dt_fields *f, struct bs_err *err)
{
	if (f->year < 1 || f->year > 9999)
		return bs_err_set(err, BS_E_ROW, "year %d is not between 0001 "
				  "and 9999", f->year);
	if (f->month < 1 || f->month > 12)
		return bs_err_set(err, BS_E_ROW, "month %d is not between 1 "
				  "and 12", f->month);
	if (f->day < 1)
		return bs_err_set(err, BS_E_ROW, "day %d is not a day of the "
				  "month", f->day);
	if (f->day > cal_days_in_month(f->year, f->month))
		return bs_err_set(err, BS_E_ROW, "day %d is past the end of "
				  "%s %04d", f->day, month_name[f->month - 1],
				  f->year);
	if (f->hour < 0 || f->hour > 23)
		return bs_err_set(err, BS_E_ROW, "hour %d is not between 0 "
				  "and 23", f->hour);
	if (f->minute < 0 || f->minute > 59)
		return bs_err_set(err, BS_E_ROW, "minute %d is not between 0 "
				  "and 59", f->minute);
	if (f->second < 0 || f->second > 60)
		return bs_err_set(err, BS_E_ROW, "second %d is not between 0 "
				  "and 60", f->second);
	if (f->nsec < 0 || f->nsec > 999999999)
		return bs_err_set(err, BS_E_ROW, "bad fraction of a second");
	if (f->has_offset &&
	    (f->offset < -DT_MAX_OFFSET || f->offset > DT_MAX_OFFSET))
		return bs_err_set(err, BS_E_ROW, "offset is not between "
				  "-23:59 and +23:59");
	return 0;
}

/* ---- ISO 8601 ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at s[*i] into *out; advances *i. */
static int digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0, k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		if (!is_digit(s[*i + k]))
			return -1;
		v = v * 10 + (s[*i + k] - '0');
	}
	*i += (size_t)n;
	*out = v;
	return 0;
}

/* 1 to many digits of a fraction of a second at s[*i]; nanoseconds. */
static int fraction(const char *s, size_t len, size_t *i, int32_t *nsec)
{
	int32_t v = 0;
	int n = 0;

	while (*i < len && is_digit(s[*i])) {
		if (n < 9) {
			v = v * 10 + (s[*i] - '0');
			n++;
		}
		(*i)++;
	}
	if (n == 0)
		return -1;
	while (n++ < 9)
		v *= 10;
	*nsec = v;
	return 0;
}

static int iso_bad(struct bs_err *err)
{
	return bs_err_set(err, BS_E_ROW, "expected ISO 8601 such as "
			  "2024-05-01 or 2024-05-01T06:00:00Z; declare "
			  "format= for other layouts");
}

int dt_parse_iso(const char *s, size_t len, struct dt_fields *f,
		 struct bs_err *err)
{
	size_t i = 0;
	int oh, om = 0;

	memset(f, 0, sizeof(*f));
	if (digits(s, len, &i, 4, &f->year) < 0 || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &f->month) < 0 || i >= len ||
	    s[i++] != '-' || digits(s, len, &i, 2, &f->day) < 0)
		return iso_bad(err);
	if (i < len) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return iso_bad(err);
		i++;
		f->has_time = 1;
		if (digits(s, len, &i, 2, &f->hour) < 0 || i >= len ||
		    s[i++] != ':' || digits(s, len, &i, 2, &f->minute) < 0)
			return iso_bad(err);
		if (i < len && s[i] == ':') {
			i++;
			if (digits(s, len, &i, 2, &f->second) < 0)
				return iso_bad(err);
			if (i < len && s[i] == '.') {
				i++;
				if (fraction(s, len, &i, &f->nsec) < 0)
					return iso_bad(err);
			}
		}
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
			f->has_offset = 1;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			int neg = s[i++] == '-';

			if (digits(s, len, &i, 2, &oh) < 0)
				return iso_bad(err);
			if (i < len && s[i] == ':' && ++i >= len)
				return iso_bad(err);
			if (i < len && digits(s, len, &i, 2, &om) < 0)
				return iso_bad(err);
			if (oh > 23 || om > 59)
				return bs_err_set(err, BS_E_ROW, "offset is not "
						  "between -23:59 and +23:59");
			f->has_offset = 1;
			f->offset = (oh * 3600 + om * 60) * (neg ? -1 : 1);
		}
		if (i < len)
			return iso_bad(err);
	}
	return dt_check(f, err);
}

static const int64_t min_sec = -62135596800LL;   /* 0001-01-01T00:00:00Z */
static const int64_t max_sec = 253402300799LL;   /* 9999-12-31T23:59:59Z */

int dt_to_instant(const struct dt_fields *f, const struct tz *zone,
		  struct dt_instant *out, struct bs_err *err)
{
	int64_t local;

	local = cal_days_from_civil(f->year, f->month, f->day) * 86400 +
		f->hour * 3600 + f->minute * 60 +
		(f->second > 59 ? 59 : f->second);
	out->sec = f->has_offset ? local - f->offset
				 : tz_local_to_utc(zone, local);
	out->nsec = f->nsec;
	if (out->sec < min_sec || out->sec > max_sec)
		return bs_err_set(err, BS_E_ROW, "outside years 0001-9999 in "
				  "UTC");
	return 0;
}

int dt_parse_instant(const char *s, size_t len, const struct tz *zone,
		     struct dt_instant *out, struct bs_err *err)
{
	struct dt_fields f;

	if (dt_parse_iso(s, len, &f, err) < 0)
		return -1;
	return dt_to_instant(&f, zone, out, err);
}

void dt_local_date(const struct dt_instant *t, const struct tz *zone,
		   int64_t *y, int *m, int *d)
{
	int64_t local = t->sec + tz_offset_at(zone, t->sec);

	cal_civil_from_days(cal_floor_div(local, 86400), y, m, d);
}

int dt_instant_cmp(const struct dt_instant *a, const struct dt_instant *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

static char *put_num(char *p, int64_t v, int width)
{
	int k;

	for (k = width - 1; k >= 0; k--) {
		p[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void dt_format_date(int64_t y, int m, int d, char buf[DT_DATE_LEN + 1])
{
	char *p = buf;

	p = put_num(p, y, 4);
	*p++ = '-';
	p = put_num(p, m, 2);
	*p++ = '-';
	p = put_num(p, d, 2);
	*p = '\0';
}

void dt_format_iso(const struct dt_instant *t, char buf[DT_ISO_LEN + 1])
{
	int64_t days = cal_floor_div(t->sec, 86400), y;
	int64_t sod = t->sec - days * 86400;
	int m, d;
	char *p = buf + DT_DATE_LEN;

	cal_civil_from_days(days, &y, &m, &d);
	dt_format_date(y, m, d, buf);
	*p++ = 'T';
	p = put_num(p, sod / 3600, 2);
	*p++ = ':';
	p = put_num(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_num(p, sod % 60, 2);
	*p++ = '.';
	p = put_num(p, t->nsec / 1000000, 3);
	*p++ = 'Z';
	*p = '\0';
}

/* ---- declared patterns ---- */

enum ptok {
	P_LIT, P_YYYY, P_MM, P_M, P_DD, P_D, P_HH, P_H, P_hh, P_h, P_mm,
	P_ss, P_SSS, P_A, P_NTOK
};

/* Token spellings, indexed by enum ptok (P_LIT unused); the minimum and
 * maximum digits each reads. */
static const struct {
	const char *name;
	int min, max;
} ptok_info[P_NTOK] = {
	{ "", 0, 0 }, { "YYYY", 4, 4 }, { "MM", 2, 2 }, { "M", 1, 2 },
	{ "DD", 2, 2 }, { "D", 1, 2 }, { "HH", 2, 2 }, { "H", 1, 2 },
	{ "hh", 2, 2 }, { "h", 1, 2 }, { "mm", 2, 2 }, { "ss", 2, 2 },
	{ "SSS", 1, 9 }, { "A", 0, 0 }
};

struct pitem {
	enum ptok tok;
	char lit;
};

struct dt_pattern {
	char text[DT_PATTERN_MAX + 1];
	size_t n;
	struct pitem item[DT_PATTERN_ITEMS];
	int has_time;
};

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Adds the pattern to the error already set, frees p; NULL. */
static struct dt_pattern *pat_fail(struct dt_pattern *p, struct bs_err *err)
{
	bs_err_prefix(err, "format '%s'", p->text);
	free(p);
	return NULL;
}

static struct dt_pattern *pat_unknown(struct dt_pattern *p, const char *tok,
				      struct bs_err *err)
{
	const char *names[P_NTOK - 1];
	const char *hint;
	int k;

	for (k = 1; k < P_NTOK; k++)
		names[k - 1] = ptok_info[k].name;
	hint = strsim_closest(tok, names, P_NTOK - 1);
	if (hint)
		bs_err_set(err, BS_E_CONFIG, "unknown token '%s'; did you mean "
			   "'%s'?", tok, hint);
	else
		bs_err_set(err, BS_E_CONFIG, "unknown token '%s' (tokens: YYYY "
			   "MM M DD D HH H hh h mm ss SSS A; quote other "
			   "letters as in 'T')", tok);
	return pat_fail(p, err);
}

/* The run of letter text[i] at i as a token of p; the index after it, or
 * 0 with p freed and err set. */
static size_t pattern_token(struct dt_pattern *p, const char *text, size_t i,
			    int seen[P_NTOK], struct bs_err *err)
{
	char tok[DT_PATTERN_MAX + 1];
	size_t j = i;
	int k;

	while (text[j] == text[i])
		j++;
	memcpy(tok, text + i, j - i);
	tok[j - i] = '\0';
	for (k = 1; k < P_NTOK; k++)
		if (strcmp(tok, ptok_info[k].name) == 0)
			break;
	if (k == P_NTOK) {
		pat_unknown(p, tok, err);
		return 0;
	}
	if (seen[k]++) {
		bs_err_set(err, BS_E_CONFIG, "'%s' appears twice", tok);
		pat_fail(p, err);
		return 0;
	}
	p->item[p->n++].tok = (enum ptok)k;
	return j;
}

/* What is missing from, or wrong in, a pattern with the tokens seen, or
 * NULL when it is complete. */
static const char *pattern_gap(const int seen[P_NTOK])
{
	int month = seen[P_MM] + seen[P_M], day = seen[P_DD] + seen[P_D];
	int h24 = seen[P_HH] + seen[P_H], h12 = seen[P_hh] + seen[P_h];
	const char *why = NULL;

	if (!seen[P_YYYY] || month != 1 || day != 1)
		why = "needs YYYY, one month (MM or M) and one day "
		      "(DD or D)";
	else if (h24 + h12 > 1)
		why = "has more than one hour token";
	else if (h12 && !seen[P_A])
		why = "has a 12-hour clock (hh or h) without A";
	else if (seen[P_A] && !h12)
		why = "has A without a 12-hour clock (hh or h)";
	else if (seen[P_mm] && !(h24 + h12))
		why = "has minutes (mm) without an hour";
	else if ((h24 + h12) && !seen[P_mm])
		why = "has an hour without minutes (mm)";
	else if (seen[P_ss] && !seen[P_mm])
		why = "has seconds (ss) without minutes (mm)";
	else if (seen[P_SSS] && !seen[P_ss])
		why = "has a fraction (SSS) without seconds (ss)";
	return why;
}

struct dt_pattern *dt_pattern_new(const char *text, struct bs_err *err)
{
	struct dt_pattern *p;
	int seen[P_NTOK] = { 0 };
	size_t len = strlen(text), i = 0;
	const char *why;

	if (len == 0 || len > DT_PATTERN_MAX) {
		bs_err_set(err, BS_E_CONFIG, "a format must have 1 to %d "
			   "characters", DT_PATTERN_MAX);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(p->text, text, len + 1);
	while (i < len) {
		char c = text[i];

		if (c == '\'') {
			size_t j = i + 1;

			while (j < len && text[j] != '\'') {
				p->item[p->n].tok = P_LIT;
				p->item[p->n++].lit = text[j++];
			}
			if (j >= len) {
				bs_err_set(err, BS_E_CONFIG, "unterminated quote");
				return pat_fail(p, err);
			}
			i = j + 1;
			continue;
		}
		if (!is_letter(c) || c == 'T') {
			p->item[p->n].tok = P_LIT;
			p->item[p->n++].lit = c;
			i++;
			continue;
		}
		i = pattern_token(p, text, i, seen, err);
		if (!i)
			return NULL;
	}
	why = pattern_gap(seen);
	if (why) {
		bs_err_set(err, BS_E_CONFIG, "%s", why);
		return pat_fail(p, err);
	}
	p->has_time = seen[P_HH] + seen[P_H] + seen[P_hh] + seen[P_h] > 0;
	return p;
}

void dt_pattern_free(struct dt_pattern *p)
{
	free(p);
}

const char *dt_pattern_text(const struct dt_pattern *p)
{
	return p->text;
}

int dt_pattern_has_time(const struct dt_pattern *p)
{
	return p->has_time;
}

static int upper_eq(char a, char b)
{
	if (a >= 'a' && a <= 'z')
		a = (char)(a - 'a' + 'A');
	return a == b;
}

int dt_pattern_parse(const struct dt_pattern *p, const char *s, size_t len,
		     struct dt_fields *f, struct bs_err *err)
{
	size_t i = 0, k;
	int pm = -1, h12 = 0;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < p->n; k++) {
		const struct pitem *it = &p->item[k];
		int v = 0, nd = 0;

		if (it->tok == P_LIT) {
			if (i >= len || s[i] != it->lit)
				goto mismatch;
			i++;
			continue;
		}
		if (it->tok == P_A) {
			if (len - i < 2 || !upper_eq(s[i + 1], 'M') ||
			    !(upper_eq(s[i], 'A') || upper_eq(s[i], 'P')))
				goto mismatch;
			pm = upper_eq(s[i], 'P');
			i += 2;
			continue;
		}
		if (it->tok == P_SSS) {
			if (fraction(s, len, &i, &f->nsec) < 0)
				goto mismatch;
			continue;
		}
		while (i < len && nd < ptok_info[it->tok].max &&
		       is_digit(s[i])) {
			v = v * 10 + (s[i++] - '0');
			nd++;
		}
		if (nd < ptok_info[it->tok].min)
			goto mismatch;
		switch (it->tok) {
		case P_YYYY: f->year = v; break;
		case P_MM: case P_M: f->month = v; break;
		case P_DD: case P_D: f->day = v; break;
		case P_HH: case P_H: f->hour = v; f->has_time = 1; break;
		case P_hh: case P_h:
			h12 = 1;
			f->has_time = 1;
			if (v < 1 || v > 12)
				return bs_err_set(err, BS_E_ROW, "hour %d is not "
						  "between 1 and 12", v);
			f->hour = v;
			break;
		case P_mm: f->minute = v; break;
		case P_ss: f->second = v; break;
		default: break;
		}
	}
	if (i < len)
		return bs_err_set(err, BS_E_ROW, "does not match the format "
				  "'%s': unexpected text at position %zu",
				  p->text, i + 1);
	if (h12)
		f->hour = f->hour % 12 + (pm ? 12 : 0);
	return dt_check(f, err);
mismatch:
	return bs_err_set(err, BS_E_ROW, "does not match the format '%s' "
			  "at position %zu", p->text, i + 1);
}
