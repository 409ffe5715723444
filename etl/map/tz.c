/* tz.c - IANA time zones from TZif files and their POSIX TZ rules (see tz.h). */
#include "tz.h"
#include "tz_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/strsim.h"
#include "base/calendar.h"

#define TZ_MAX_TIMES 100000     /* transitions in one file */
#define TZ_MAX_TYPES 256
#define TZ_MAX_OFFSET (26 * 3600)
#define TZ_HINT_ENTRIES 2048    /* folder entries looked at for a hint */

/* A rule date of a POSIX TZ string: Jn, n or Mm.w.d, and a time of day. */
struct rule_date {
	char kind;        /* 'J', 'n' or 'M' */
	int a, b, c;      /* Jn/n: a = n; Mm.w.d: a = m, b = w, c = d */
	int32_t time;     /* seconds after local midnight; may be < 0 */
};

struct rule {
	int32_t std_off, dst_off;
	int has_dst;
	struct rule_date start, end;
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t n;          /* transitions */
	int64_t *at;       /* transition instants, strictly ascending */
	int32_t *off;      /* offset in force from at[i] on */
	int32_t off0;      /* offset before the first transition */
	int has_rule;      /* rule holds for instants after at[n - 1] */
	struct rule rule;
};

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A zone abbreviation: three or more letters, or <...> */
static const char *rule_name(const char *p)
{
	const char *q = p;

	if (*p == '<') {
		for (q = p + 1; *q && *q != '>'; q++)
			if (!is_alpha(*q) && !is_digit(*q) && *q != '+' &&
			    *q != '-')
				return NULL;
		return *q == '>' && q - p >= 4 ? q + 1 : NULL;
	}
	while (is_alpha(*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+|-]h[h[h]][:mm[:ss]] with hours at most max_h, into seconds. */
static const char *rule_hms(const char *p, int max_h, int32_t *out)
{
	int sign = 1, h = 0, m = 0, s = 0, nd = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	while (is_digit(*p) && nd < 3) {
		h = h * 10 + (*p++ - '0');
		nd++;
	}
	if (!nd || h > max_h)
		return NULL;
	if (*p == ':') {
		if (!is_digit(p[1]) || !is_digit(p[2]))
			return NULL;
		m = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == ':') {
			if (!is_digit(p[1]) || !is_digit(p[2]))
				return NULL;
			s = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
		}
	}
	if (m > 59 || s > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *rule_num(const char *p, int lo, int hi, int *out)
{
	int v = 0, nd = 0;

	while (is_digit(*p) && nd < 4) {
		v = v * 10 + (*p++ - '0');
		nd++;
	}
	if (!nd || v < lo || v > hi)
		return NULL;
	*out = v;
	return p;
}

static const char *rule_date(const char *p, struct rule_date *r)
{
	if (*p == 'J') {
		r->kind = 'J';
		p = rule_num(p + 1, 1, 365, &r->a);
	} else if (*p == 'M') {
		r->kind = 'M';
		p = rule_num(p + 1, 1, 12, &r->a);
		if (p && *p == '.')
			p = rule_num(p + 1, 1, 5, &r->b);
		else
			p = NULL;
		if (p && *p == '.')
			p = rule_num(p + 1, 0, 6, &r->c);
		else
			p = NULL;
	} else {
		r->kind = 'n';
		p = rule_num(p, 0, 365, &r->a);
	}
	if (!p)
		return NULL;
	r->time = 2 * 3600;
	if (*p == '/')
		p = rule_hms(p + 1, 167, &r->time);
	return p;
}

/* Parses a POSIX TZ string; 0 or -1. */
static int rule_parse(const char *p, struct rule *r)
{
	int32_t v;

	memset(r, 0, sizeof(*r));
	if (!(p = rule_name(p)) || !(p = rule_hms(p, 24, &v)))
		return -1;
	r->std_off = -v;
	if (!*p)
		return 0;
	if (!(p = rule_name(p)))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = rule_hms(p, 24, &v)))
			return -1;
		r->dst_off = -v;
	}
	/* a DST name with no rules would mean implementation-defined rules:
	 * tzdata never writes that, so it is refused */
	if (*p != ',' || !(p = rule_date(p + 1, &r->start)))
		return -1;
	if (*p != ',' || !(p = rule_date(p + 1, &r->end)))
		return -1;
	return *p ? -1 : 0;
}

/* Days since the epoch of the day r falls on in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = cal_days_from_civil(y, 1, 1), first, day;
	int wday, mdays;

	if (r->kind == 'J')   /* 1..365, February 29 never counted */
		return jan1 + r->a - 1 + (cal_is_leap(y) && r->a >= 60);
	if (r->kind == 'n')   /* 0..365, February 29 counted */
		return jan1 + r->a;
	first = cal_days_from_civil(y, r->a, 1);
	wday = (int)((first % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
	day = first + (r->c - wday + 7) % 7 + (int64_t)(r->b - 1) * 7;
	mdays = cal_days_in_month(y, r->a);
	while (day >= first + mdays)
		day -= 7;
	return day;
}

static int32_t rule_offset(const struct rule *r, int64_t t)
{
	int64_t y, s, e;
	int m, d;

	if (!r->has_dst)
		return r->std_off;
	/* the year, in standard time */
	cal_date_of(t + r->std_off, &y, &m, &d);
	s = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	e = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	if (s < e)
		return t >= s && t < e ? r->dst_off : r->std_off;
	/* southern hemisphere: daylight time spans the new year */
	return t >= e && t < s ? r->std_off : r->dst_off;
}

/* ---- TZif files (RFC 8536) ---- */

struct tzif_hdr {
	char version;
	uint32_t isut, isstd, leap, time, type, chr;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int read_hdr(const unsigned char *p, size_t len, size_t at,
		    struct tzif_hdr *h)
{
	if (len < at || len - at < 44 || memcmp(p + at, "TZif", 4) != 0)
		return -1;
	h->version = (char)p[at + 4];
	h->isut = be32(p + at + 20);
	h->isstd = be32(p + at + 24);
	h->leap = be32(p + at + 28);
	h->time = be32(p + at + 32);
	h->type = be32(p + at + 36);
	h->chr = be32(p + at + 40);
	if (h->time > TZ_MAX_TIMES || h->type == 0 ||
	    h->type > TZ_MAX_TYPES || h->chr > 65536 || h->leap > 65536 ||
	    h->isut > TZ_MAX_TYPES || h->isstd > TZ_MAX_TYPES)
		return -1;
	return 0;
}

static size_t block_size(const struct tzif_hdr *h, size_t tsize)
{
	return (size_t)h->time * (tsize + 1) + (size_t)h->type * 6 + h->chr +
	       (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

static int tzif_parse(struct tz *z, const unsigned char *p, size_t len,
		      struct bs_err *err)
{
	struct tzif_hdr h;
	int32_t types[TZ_MAX_TYPES];
	size_t at = 0, tsize = 4, i;
	const unsigned char *times, *idx, *tt;

	if (read_hdr(p, len, 0, &h) < 0)
		goto bad;
	if (h.version >= '2') {
		at = 44 + block_size(&h, 4);
		if (read_hdr(p, len, at, &h) < 0)
			goto bad;
		tsize = 8;
	}
	at += 44;
	if (len - at < block_size(&h, tsize))
		goto bad;
	if (h.leap)
		return bs_err_set(err, BS_E_CONFIG, "time zone '%s' counts "
				  "leap seconds; use the zone without "
				  "'right/'", z->name);
	times = p + at;
	idx = times + (size_t)h.time * tsize;
	tt = idx + h.time;
	for (i = 0; i < h.type; i++) {
		int32_t o = (int32_t)be32(tt + i * 6);

		if (o < -TZ_MAX_OFFSET || o > TZ_MAX_OFFSET)
			goto bad;
		types[i] = o;
	}
	z->off0 = types[0];
	z->n = h.time;
	if (z->n) {
		z->at = malloc(z->n * sizeof(*z->at));
		z->off = malloc(z->n * sizeof(*z->off));
		if (!z->at || !z->off)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	for (i = 0; i < z->n; i++) {
		z->at[i] = tsize == 8 ? be64(times + i * 8)
				      : (int32_t)be32(times + i * 4);
		if (idx[i] >= h.type || (i && z->at[i] <= z->at[i - 1]))
			goto bad;
		z->off[i] = types[idx[i]];
	}
	at += block_size(&h, tsize);
	if (tsize == 8 && at < len) {
		/* footer: "\n" POSIX-TZ-string "\n" */
		const unsigned char *nl;
		char footer[256];
		size_t flen;

		if (p[at] != '\n')
			goto bad;
		nl = memchr(p + at + 1, '\n', len - at - 1);
		flen = nl ? (size_t)(nl - (p + at + 1)) : 0;
		if (!nl || flen >= sizeof(footer))
			goto bad;
		memcpy(footer, p + at + 1, flen);
		footer[flen] = '\0';
		if (flen) {
			if (rule_parse(footer, &z->rule) < 0)
				return bs_err_set(err, BS_E_CONFIG,
						  "time zone '%s': cannot read "
						  "its rule '%s'", z->name,
						  footer);
			z->has_rule = 1;
		}
	}
	return 0;
bad:
	return bs_err_set(err, BS_E_CONFIG, "time zone '%s': the file is not "
			  "a valid TZif file", z->name);
}

/* ---- names and files ---- */

static int name_ok(const char *name)
{
	size_t len = strlen(name), i, comp = 0;

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/')
		return 0;
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			if (comp == 0 || (comp == 1 && name[i - 1] == '.') ||
			    (comp == 2 && name[i - 1] == '.' &&
			     name[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '-' &&
		    c != '+' && c != '.')
			return 0;
		comp++;
	}
	return 1;
}

/* The entry of folder dir closest to word, copied to out; -1 if none. */
static int closest_entry(const char *dir, const char *word, char *out,
			 size_t size)
{
	char *names[TZ_HINT_ENTRIES];
	const char *best;
	struct dirent *de;
	size_t n = 0, i;
	DIR *d = opendir(dir);
	int rc = -1;

	if (!d)
		return -1;
	while (n < TZ_HINT_ENTRIES && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	for (i = 0; i < n && strcmp(names[i], word) != 0; i++)
		;
	best = i < n ? names[i]
		     : strsim_closest(word, (const char *const *)names, n);
	if (best && strlen(best) < size) {
		memcpy(out, best, strlen(best) + 1);
		rc = 0;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* A zone name close to name that has a file under dir, into out. */
static int suggest(const char *dir, const char *name, char *out,
		   size_t size)
{
	char path[TZ_NAME_MAX * 2 + 512], comp[TZ_NAME_MAX + 1];
	char best[TZ_NAME_MAX + 1];
	size_t olen = 0, plen;
	const char *p = name;
	struct stat st;

	plen = (size_t)snprintf(path, sizeof(path), "%s", dir);
	if (plen >= sizeof(path))
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/"), blen;

		memcpy(comp, p, n);
		comp[n] = '\0';
		if (closest_entry(path, comp, best, sizeof(best)) < 0)
			return -1;
		blen = strlen(best);
		if (plen + blen + 2 > sizeof(path) || olen + blen + 2 > size)
			return -1;
		path[plen++] = '/';
		memcpy(path + plen, best, blen + 1);
		plen += blen;
		if (olen)
			out[olen++] = '/';
		memcpy(out + olen, best, blen + 1);
		olen += blen;
		p += n;
		if (*p == '/')
			p++;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    strcmp(out, name) == 0)
		return -1;
	return 0;
}

static int unknown_zone(const char *dir, const char *name,
			struct bs_err *err)
{
	char hint[TZ_NAME_MAX + 1];

	if (suggest(dir, name, hint, sizeof(hint)) == 0)
		return bs_err_set(err, BS_E_CONFIG, "unknown time zone '%s'; "
				  "did you mean '%s'?", name, hint);
	return bs_err_set(err, BS_E_CONFIG, "unknown time zone '%s' (no "
			  "file %s/%s)", name, dir, name);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *buf = malloc((size_t)TZ_FILE_MAX + 1);
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(path, "rb");
	if (!f) {
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)TZ_FILE_MAX + 1, f);
	if (ferror(f) || *len > (size_t)TZ_FILE_MAX) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

struct tz *tz_from_tzif(const char *name, const unsigned char *p, size_t len,
			struct bs_err *err)
{
	struct tz *z = calloc(1, sizeof(*z));

	if (!z) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (p && tzif_parse(z, p, len, err) < 0) {
		tz_free(z);
		return NULL;
	}
	return z;
}

struct tz *tz_load_dir(const char *dir, const char *name, struct bs_err *err)
{
	char path[TZ_NAME_MAX + 1024];
	unsigned char *buf;
	struct stat st;
	struct tz *z;
	size_t len = 0;

	if (!name_ok(name)) {
		bs_err_set(err, BS_E_CONFIG, "invalid time zone name '%s' "
			   "(expected a name such as Europe/Paris)", name);
		return NULL;
	}
	if (strcmp(name, "UTC") == 0)   /* no file: no transitions */
		return tz_from_tzif(name, NULL, 0, err);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		bs_err_set(err, BS_E_CONFIG, "time zone folder name too long");
		return NULL;
	}
	if (stat(path, &st) != 0) {
		unknown_zone(dir, name, err);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		bs_err_set(err, BS_E_CONFIG, "'%s' is a group of time zones, "
			   "not a time zone", name);
		return NULL;
	}
	buf = read_file(path, &len);
	if (!buf) {
		bs_err_set(err, BS_E_CONFIG, "time zone '%s': cannot read %s",
			   name, path);
		return NULL;
	}
	z = tz_from_tzif(name, buf, len, err);
	free(buf);
	return z;
}

struct tz *tz_load(const char *name, struct bs_err *err)
{
	const char *dir = getenv("TZDIR");

	return tz_load_dir(dir && *dir ? dir : TZ_DEFAULT_DIR, name, err);
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->at);
	free(z->off);
	free(z);
}

const char *tz_name(const struct tz *z)
{
	return z ? z->name : "UTC";
}

int32_t tz_offset_at(const struct tz *z, int64_t t)
{
	size_t lo, hi;

	if (!z)
		return 0;
	if (z->n == 0)
		return z->has_rule ? rule_offset(&z->rule, t) : z->off0;
	if (t < z->at[0])
		return z->off0;
	if (t > z->at[z->n - 1] && z->has_rule)
		return rule_offset(&z->rule, t);
	/* the last transition at or before t */
	lo = 0;
	hi = z->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int64_t tz_local_to_utc(const struct tz *z, int64_t local)
{
	int32_t before, after;

	if (!z)
		return local;
	before = tz_offset_at(z, local - 86400);
	after = tz_offset_at(z, local + 86400);
	if (tz_offset_at(z, local - before) == before)
		return local - before;   /* also the earlier of an overlap */
	if (tz_offset_at(z, local - after) == after)
		return local - after;
	return local - before;           /* in a gap: moved forward */
}
