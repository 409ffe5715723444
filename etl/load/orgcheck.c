/* orgcheck.c - checking mappings against the org's describe results (see
 * orgcheck.h). */
#include "orgcheck.h"
#include "orgcheck_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "formats/jsonerr.h"
#include "formats/strsim.h"
#include "base/config.h"
#include "sf/http.h"
#include "datavals.h"
#include "loader.h"
#include "map/currency.h"
#include "map/decimal.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "map/sftype.h"
#include "sf/sf_api.h"
#include "sf/sf_auth.h"

#define DESCRIBE_MAX_BYTES ((size_t)32 << 20)
#define ORGCHECK_MAX_OBJECTS 256

struct described {
	char *object;
	json_t *fields;     /* the describe's "fields" array, NULL if none */
};

struct orgcheck {
	const struct config *cfg;
	const struct mapset *maps;
	int multi;              /* [salesforce] multi_currency */
	int data;               /* [source] path is set: the data can be read */
	orgcheck_fetch_fn fetch;
	void *fetch_ctx;
	struct described objs[ORGCHECK_MAX_OBJECTS];
	size_t n;
	struct bs_errlist *errs;
	long mistakes;
};

/* The describe of object (cached); NULL fields when the org has no such
 * object.  -1 when the call failed for another reason. */
static int describe(struct orgcheck *oc, const char *object,
		    const json_t **fields, struct bs_err *err)
{
	const char *text;
	size_t i, len;
	json_error_t je;
	json_t *doc = NULL;
	int r;

	for (i = 0; i < oc->n; i++) {
		if (!strcasecmp(oc->objs[i].object, object)) {
			*fields = oc->objs[i].fields;
			return 0;
		}
	}
	if (oc->n == ORGCHECK_MAX_OBJECTS)
		return bs_err_set(err, BS_E_INTERNAL, "too many objects");
	r = oc->fetch(oc->fetch_ctx, object, &text, &len, err);
	if (r < 0)
		return -1;
	if (r > 0) {    /* else NOT_FOUND: no such object in the org */
		doc = json_loadb(text, len, 0, &je);
		if (!doc && jsonerr_oom(&je))
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		if (!doc)
			return bs_err_set(err, BS_E_REMOTE, "describe of %s: "
					  "not JSON", object);
	}
	oc->objs[oc->n].object = strdup(object);
	oc->objs[oc->n].fields = doc ? json_incref(json_object_get(doc, "fields"))
				     : NULL;
	json_decref(doc);
	*fields = oc->objs[oc->n++].fields;
	return 0;
}

static const json_t *field_named(const json_t *fields, const char *key,
				 const char *name)
{
	const json_t *f;
	size_t i;

	json_array_foreach(fields, i, f) {
		const char *v = json_string_value(json_object_get(f, key));

		if (v && !strcasecmp(v, name))
			return f;
	}
	return NULL;
}

static int flag(const json_t *f, const char *key)
{
	return json_is_true(json_object_get(f, key));
}

static void mistake(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...) BS_PRINTF(5, 6);

static void mistake(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	mapping_vmistake(oc->errs, m, line, field, fmt, ap);
	va_end(ap);
	oc->mistakes++;
}

/* A finding where the data may still fit: printed, not a mistake (the
 * exit code stays 0). */
static void warning(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...) BS_PRINTF(5, 6);

static void warning(struct orgcheck *oc, const struct mapping *m,
		    unsigned long line, const char *field, const char *fmt,
		    ...)
{
	struct bs_err e;
	va_list ap;
	size_t n;

	bs_err_clear(&e);
	e.kind = BS_E_NONE;
	n = (size_t)snprintf(e.msg, sizeof(e.msg), "warning: ");
	va_start(ap, fmt);
	vsnprintf(e.msg + n, sizeof(e.msg) - n, fmt, ap);
	va_end(ap);
	bs_err_locate(&e, mapping_file(m), line);
	bs_err_field(&e, field);
	bs_errlist_add(oc->errs, &e);
}

/* " did you mean 'X'?" for a name among the fields' values of key. */
static const char *hint(const json_t *fields, const char *key,
			const char *name, char *buf, size_t size)
{
	const char *names[2048], *best;
	const json_t *f;
	size_t i, n = 0;

	json_array_foreach(fields, i, f) {
		const char *v = json_string_value(json_object_get(f, key));

		if (v && n < 2048)
			names[n++] = v;
	}
	best = strsim_closest(name, names, n);
	if (!best)
		return "";
	snprintf(buf, size, "; did you mean '%s'?", best);
	return buf;
}

static int check_lookup(struct orgcheck *oc, const struct mapping *m,
			const json_t *fields, const struct map_field *f,
			struct bs_err *err)
{
	const char *obj = mapping_object(m), *parent = mapping_lookup_object(m, f->relationship);
	const json_t *rf = field_named(fields, "relationshipName", f->relationship);
	const json_t *pfields, *pf, *to;
	const char *first = NULL;
	char buf[160];
	size_t i;
	int points = 0;

	if (!rf) {
		mistake(oc, m, f->line, f->target, "%s has no relationship '%s'%s",
			obj, f->relationship, hint(fields, "relationshipName",
						    f->relationship, buf,
						    sizeof(buf)));
		return 0;
	}
	json_array_foreach(json_object_get(rf, "referenceTo"), i, to) {
		const char *t = json_string_value(to);

		if (parent && t && !strcasecmp(t, parent))
			points = 1;
		if (!first && t)
			first = t;
	}
	if (!points) {
		mistake(oc, m, f->line, f->target, "'%s' points to %s, not %s "
			"(set it in [lookups])", f->relationship,
			first ? first : "no object", parent ? parent : "?");
		return 0;
	}
	if (describe(oc, parent, &pfields, err) < 0)
		return -1;
	if (!pfields)
		return 0;
	pf = field_named(pfields, "name", f->parent_field);
	if (!pf)
		mistake(oc, m, f->line, f->target, "%s has no field '%s'%s", parent,
			f->parent_field, hint(pfields, "name", f->parent_field,
					      buf, sizeof(buf)));
	else if (!flag(pf, "externalId") && !flag(pf, "idLookup"))
		mistake(oc, m, f->line, f->target, "%s.%s is not an External ID "
			"field: a lookup must go through one", parent,
			f->parent_field);
	return 0;
}

/* ---- does each org field hold what the mapping makes ------------------ */

#define SCAN_MAX_VALUES 200
#define SCAN_MAX_COLS 16
/* Without the data: the fewest digits before the point a field that takes
 * money (a trillion and more) or other numbers (2^31 and more) should
 * have before check warns (docs/mappings.md). */
#define TYPICAL_MONEY_DIGITS 13
#define TYPICAL_NUMBER_DIGITS 10
#define ORG_NUM_MAX (1L << 30)

static const char *org_type(const json_t *f)
{
	const char *t = json_string_value(json_object_get(f, "type"));

	return t ? t : "";
}

/* A length, precision, scale or digits of the describe, held to 0..2^30
 * (the org's own are far smaller) so that the checks' sums cannot
 * overflow; 0 when missing or not a whole number. */
static long org_num(const json_t *f, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(f, key));

	return v < 0 ? 0 : v > ORG_NUM_MAX ? ORG_NUM_MAX : (long)v;
}

static int org_numeric(const char *t)
{
	return !strcmp(t, "double") || !strcmp(t, "currency") ||
	       !strcmp(t, "percent") || !strcmp(t, "int");
}

static int org_text(const char *t)
{
	return !strcmp(t, "string") || !strcmp(t, "textarea") ||
	       !strcmp(t, "email") || !strcmp(t, "url") ||
	       !strcmp(t, "phone") || !strcmp(t, "picklist");
}

static int picklist_has(const json_t *f, const char *v)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(f, "picklistValues"), i, p) {
		const char *value = json_string_value(json_object_get(p, "value"));

		if (json_is_true(json_object_get(p, "active")) && value &&
		    !strcmp(value, v))
			return 1;
	}
	return 0;
}

/* Appends 'v' to a list of at most 8 quoted values ("'a', 'b', ..."). */
static void list_add(char *buf, size_t size, size_t *n, const char *v)
{
	size_t len = strlen(buf);

	if (*n == 8)
		snprintf(buf + len, size - len, ", ...");
	else if (*n < 8)
		snprintf(buf + len, size - len, "%s'%s'", *n ? ", " : "", v);
	(*n)++;
}

/* The values of vals that the restricted picklist f does not have. */
static size_t not_in_picklist(const json_t *f, const char *const *vals,
			      size_t n, char *buf, size_t size)
{
	size_t i, missing = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (!picklist_has(f, vals[i]))
			list_add(buf, size, &missing, vals[i]);
	return missing;
}

/* The columns the checks need the data's values of: the currency column,
 * those of unmapped restricted picklists, and (read as numbers) those that
 * go into number fields. */
struct scan {
	const char *cols[SCAN_MAX_COLS];
	int flags[SCAN_MAX_COLS];
	size_t n;
	struct datavals *dv;
};

static void scan_add(struct scan *s, const char *col, int flags)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->cols[i], col) && s->flags[i] == flags)
			return;
	if (s->n < SCAN_MAX_COLS) {
		s->flags[s->n] = flags;
		s->cols[s->n++] = col;
	}
}

/* Where col was read with DATAVALS_NUMBERS (numbers) or not; -1 when it
 * was not read. */
static long scan_index(const struct scan *s, const char *col, int numbers)
{
	size_t i;

	for (i = 0; s->dv && col && i < s->n; i++)
		if (!strcmp(s->cols[i], col) &&
		    !(s->flags[i] & DATAVALS_NUMBERS) == !numbers)
			return (long)i;
	return -1;
}

/* The values of col (NULL when not read). */
static const char *const *scan_values(const struct scan *s, const char *col,
				      size_t *n, int *more)
{
	const char *const *v;
	long i = scan_index(s, col, 0);

	*n = 0;
	if (i < 0)
		return NULL;
	*n = datavals_get(s->dv, (size_t)i, &v, more);
	return v;
}

/* Column col read as numbers (datavals_numbers); 0 when not read. */
static int scan_numbers(const struct scan *s, const char *col, int *digits,
			const char **widest, const char **notnum)
{
	long i = scan_index(s, col, 1);

	if (i < 0)
		return 0;
	datavals_numbers(s->dv, (size_t)i, digits, widest, notnum);
	return 1;
}

static int scan_data(struct orgcheck *oc, const struct mapping *m,
		     const struct sft_object *o, const json_t *desc,
		     struct scan *s, struct bs_err *err)
{
	const struct map_group_key *k;
	size_t i;

	memset(s, 0, sizeof(*s));
	/* a group mapping's currency and fields name its keys, not columns */
	if (!oc->data || !mapping_source(m) || mapping_group_keys(m, &k))
		return 0;
	if (o->currency)
		scan_add(s, o->currency, DATAVALS_UPPER);
	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];
		const json_t *fd = field_named(desc, "name", f->field);

		if (!fd)
			continue;
		if (f->column && flag(fd, "restrictedPicklist") &&
		    !(f->kind == SFT_PICKLIST && f->values_known))
			scan_add(s, f->column, 0);
		if (f->from && org_numeric(org_type(fd)) &&
		    (f->kind == SFT_NUMBER || f->kind == SFT_CURRENCY ||
		     f->kind == SFT_TEXT || f->kind == SFT_PICKLIST))
			scan_add(s, f->from, DATAVALS_NUMBERS);
	}
	if (!s->n)
		return 0;
	s->dv = datavals_scan(oc->cfg, mapping_source(m), s->cols, s->n,
			      s->flags, SCAN_MAX_VALUES, err);
	if (!s->dv && err->kind != BS_E_NOMEM && err->kind != BS_E_INTERNAL) {
		bs_err_clear(err);   /* `check` reports data it cannot read */
		return 0;
	}
	return s->dv ? 0 : -1;
}

/* The most decimals a currency of the data has (-1: none known). */
static int data_digits(const char *const *codes, size_t n, const char **which)
{
	int best = -1, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = currency_digits(codes[i], strlen(codes[i]));
		if (d > best) {
			best = d;
			*which = codes[i];
		}
	}
	return best;
}

static void fit_picklist(struct orgcheck *oc, const struct mapping *m,
			 const struct sft_field *f, const json_t *fd,
			 const struct scan *s)
{
	const char *const *vals;
	char buf[600];
	size_t n, missing;
	int more = 0;

	if (f->kind == SFT_PICKLIST && f->values_known) {
		missing = not_in_picklist(fd, f->values, f->nvalues, buf,
					  sizeof(buf));
		if (missing)
			mistake(oc, m, f->line, f->target, "%s.%s is a restricted "
				"picklist without %s, which the map(...) makes: "
				"add %s to its values in the org, or change the "
				"map", mapping_object(m), f->field, buf,
				missing == 1 ? "it" : "them");
		return;
	}
	vals = scan_values(s, f->column, &n, &more);
	if (!vals)
		return;
	missing = not_in_picklist(fd, vals, n, buf, sizeof(buf));
	if (missing)
		mistake(oc, m, f->line, f->target, "%s.%s is a restricted "
			"picklist without %s, which column '%s' holds%s: add the "
			"values to the picklist, or map them with map(...)",
			mapping_object(m), f->field, buf, f->column,
			more ? " (among others)" : "");
}

/* The digits before the point the org field has room for (precision -
 * scale; an Integer field's digits) against those the data's values have,
 * or, without the data, against what is typical. */
static void fit_digits(struct orgcheck *oc, const struct mapping *m,
		       const struct sft_field *f, const json_t *fd,
		       const struct scan *s)
{
	long scale = org_num(fd, "scale"), room = org_num(fd, "precision") - scale;
	const char *widest, *notnum;
	int digits, typical = f->kind == SFT_CURRENCY ? TYPICAL_MONEY_DIGITS :
			      TYPICAL_NUMBER_DIGITS;

	if (!strcmp(org_type(fd), "int")) {
		room = org_num(fd, "digits");
		scale = 0;
	}
	if (room <= 0 && org_num(fd, "precision") <= 0)
		return;         /* the describe does not say */
	if (scan_numbers(s, f->from, &digits, &widest, &notnum)) {
		if (widest && digits > room)
			mistake(oc, m, f->line, f->target, "%s.%s has room for %ld "
				"digits before the point (precision %ld, scale "
				"%ld), and column '%s' has values with %d ('%s'): "
				"they fail with NUMBER_OUTSIDE_VALID_RANGE; make "
				"its precision at least %ld", mapping_object(m),
				f->field, room, room + scale, scale, f->from,
				digits, widest, digits + scale);
	} else if (room < typical) {
		warning(oc, m, f->line, f->target, "%s.%s has room for only %ld "
			"digits before the point (precision %ld, scale %ld), "
			"and the data was not read: larger values fail "
			"(NUMBER_OUTSIDE_VALID_RANGE); make its precision at "
			"least %ld", mapping_object(m), f->field, room,
			room + scale, scale, typical + scale);
	}
}

static void fit_number(struct orgcheck *oc, const struct mapping *m,
		       const struct sft_field *f, const json_t *fd,
		       const struct scan *s)
{
	long scale = org_num(fd, "scale"), prec = org_num(fd, "precision");
	const char *const *codes, *code = NULL;
	size_t n;
	int more, need;

	if (f->kind == SFT_CURRENCY && f->scale == SFT_MONEY_SCALE &&
	    (codes = scan_values(s, f->currency, &n, &more)) &&
	    (need = data_digits(codes, n, &code)) >= 0) {
		if (scale < need)
			mistake(oc, m, f->line, f->target, "%s.%s has %ld "
				"decimals, and %s amounts have %d: they would be "
				"rounded (37.125 lands as 37.13); make its scale "
				"%d", mapping_object(m), f->field, scale, code,
				need, need);
	} else if (scale < f->scale) {
		warning(oc, m, f->line, f->target, "%s.%s has %ld decimals, and "
			"the mapping makes up to %d: more are rounded; make its "
			"scale %d", mapping_object(m), f->field, scale, f->scale,
			f->scale);
	}
	if (f->declared && prec - scale < f->precision - f->scale)
		warning(oc, m, f->line, f->target, "%s.%s holds %ld digits "
			"before the point, the declared type %d: larger values "
			"fail", mapping_object(m), f->field, prec - scale,
			f->precision - f->scale);
	fit_digits(oc, m, f, fd, s);
}

/* The first value of text field f that is not a number: the map(...)'s
 * labels, or what the data's column holds; NULL when none is known. */
static const char *not_number(const struct sft_field *f, const struct scan *s)
{
	const char *widest, *notnum = NULL;
	struct bs_err e;
	struct dec d;
	size_t i;
	int digits;

	if (f->kind == SFT_PICKLIST && f->values_known) {
		for (i = 0; i < f->nvalues; i++)
			if (dec_parse(&d, f->values[i], strlen(f->values[i]),
				      &e) < 0)
				return f->values[i];
		return NULL;
	}
	scan_numbers(s, f->from, &digits, &widest, &notnum);
	return notnum;
}

/* Types that cannot meet: a date into a DateTime field and the like. */
static void fit_type(struct orgcheck *oc, const struct mapping *m,
		     const struct sft_field *f, const json_t *fd,
		     const struct scan *s)
{
	const char *t = org_type(fd), *obj = mapping_object(m), *bad;

	if (f->kind == SFT_DATE && !strcmp(t, "datetime"))
		mistake(oc, m, f->line, f->target, "a date into DateTime field "
			"%s.%s: Salesforce refuses 2024-01-31 there; use "
			"'| datetime' or make the field a Date", obj, f->field);
	else if (f->kind == SFT_DATETIME && !strcmp(t, "date"))
		mistake(oc, m, f->line, f->target, "a datetime into Date field "
			"%s.%s: use '| date(tz=...)' or make the field a DateTime",
			obj, f->field);
	else if ((f->kind == SFT_NUMBER || f->kind == SFT_CURRENCY ||
		  f->kind == SFT_CHECKBOX) &&
		 (!strcmp(t, "date") || !strcmp(t, "datetime")))
		mistake(oc, m, f->line, f->target, "%s values into %s field "
			"%s.%s", sftype_kind_name(f->kind), t, obj, f->field);
	else if ((f->kind == SFT_TEXT || f->kind == SFT_PICKLIST) &&
		 org_numeric(t) && (bad = not_number(f, s)))
		mistake(oc, m, f->line, f->target, "text into %s field %s.%s, "
			"and '%s' is not a number: those records fail; map "
			"another column, or convert it (decimal(N), integer or "
			"money(...))", t, obj, f->field, bad);
	else if ((f->kind == SFT_TEXT || f->kind == SFT_PICKLIST) &&
		 (org_numeric(t) || !strcmp(t, "date") ||
		  !strcmp(t, "datetime")))
		warning(oc, m, f->line, f->target, "text into %s field %s.%s: "
			"values that are not %s fail; convert them (%s)", t, obj,
			f->field, org_numeric(t) ? "numbers" : "dates",
			org_numeric(t) ? "decimal(N), integer or money(...)" :
			"date or datetime");
}

static void fit_currency_mode(struct orgcheck *oc, const struct mapping *m,
			      const struct sft_object *o, const json_t *desc,
			      const struct scan *s)
{
	const json_t *iso = field_named(desc, "name", "CurrencyIsoCode");
	const char *const *codes, *obj = mapping_object(m);
	char buf[600], fields[300];
	size_t n = 0, i, bad = 0, nf = 0;
	int more = 0;

	codes = scan_values(s, o->currency, &n, &more);
	if (!o->currency)
		return;
	if (iso && !oc->multi) {
		mistake(oc, m, mapping_key_line(m, "name"), "", "the org has "
			"several currencies (%s.CurrencyIsoCode), and [salesforce] "
			"multi_currency is off: the amounts would be read in the "
			"integration user's currency; set multi_currency = true "
			"and billsync sets CurrencyIsoCode from column '%s'", obj,
			o->currency);
	} else if (!iso && oc->multi) {
		mistake(oc, m, mapping_key_line(m, "name"), "", "the org has "
			"a single currency (%s has no CurrencyIsoCode): set "
			"[salesforce] multi_currency = false", obj);
	} else if (iso) {
		buf[0] = '\0';
		for (i = 0; i < n; i++)
			if (currency_digits(codes[i], strlen(codes[i])) >= 0 &&
			    !picklist_has(iso, codes[i]))
				list_add(buf, sizeof(buf), &bad, codes[i]);
		if (bad)
			mistake(oc, m, mapping_key_line(m, "name"), "", "column "
				"'%s' holds currencies the org does not have "
				"active: %s; activate them (Setup > Manage "
				"Currencies), or those records fail", o->currency,
				buf);
	} else {
		fields[0] = '\0';
		for (i = 0; i < o->nfields; i++) {
			const json_t *fd = field_named(desc, "name",
						       o->fields[i].field);

			if (fd && !strcmp(org_type(fd), "currency"))
				list_add(fields, sizeof(fields), &nf,
					 o->fields[i].field);
		}
		buf[0] = '\0';
		for (i = 0; i < n; i++)
			if (currency_digits(codes[i], strlen(codes[i])) >= 0)
				list_add(buf, sizeof(buf), &bad, codes[i]);
		if (nf && bad > 1)
			warning(oc, m, mapping_key_line(m, "name"), "", "amounts "
				"in %zu%s currencies (%s) go into Currency fields "
				"of a single-currency org (%s), which shows them "
				"all in the org's currency: make those Number "
				"fields and keep the code in a text field, or "
				"enable multiple currencies", bad, more ? "+" : "",
				buf, fields);
	}
}

static int orgfit_check(struct orgcheck *oc, const struct mapping *m,
			const json_t *desc, struct bs_err *err)
{
	struct sft_object *o = sftype_object(m, oc->maps, err);
	struct scan s;
	size_t i;

	if (!o)
		return -1;
	if (scan_data(oc, m, o, desc, &s, err) < 0) {
		sftype_free(o);
		return -1;
	}
	fit_currency_mode(oc, m, o, desc, &s);
	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];
		const json_t *fd = f->kind == SFT_LOOKUP ? NULL :
				   field_named(desc, "name", f->field);
		const char *t = fd ? org_type(fd) : "";

		if (!fd)
			continue;       /* a lookup, or reported already */
		if (!strcmp(t, "picklist") && flag(fd, "restrictedPicklist"))
			fit_picklist(oc, m, f, fd, &s);
		if (org_text(t) && f->length_known &&
		    org_num(fd, "length") < (long)f->length)
			warning(oc, m, f->line, f->target, "%s.%s holds %ld "
				"characters, and the mapping makes up to %zu: "
				"longer values fail (STRING_TOO_LONG); truncate "
				"to %ld or make the field longer",
				mapping_object(m), f->field,
				org_num(fd, "length"), f->length,
				org_num(fd, "length"));
		if (org_numeric(t) && (f->kind == SFT_NUMBER ||
				       f->kind == SFT_CURRENCY))
			fit_number(oc, m, f, fd, &s);
		fit_type(oc, m, f, fd, &s);
	}
	datavals_free(s.dv);
	sftype_free(o);
	return 0;
}

static int check_mapping(struct orgcheck *oc, const struct mapping *m,
			 struct bs_err *err)
{
	const struct map_field *fields;
	size_t nf = mapping_fields(m, &fields), i, j;
	const json_t *desc, *f;
	const char *key = mapping_key_field(m);
	char buf[160];

	if (describe(oc, mapping_object(m), &desc, err) < 0)
		return -1;
	if (!desc) {
		mistake(oc, m, 0, "", "the org has no object %s",
			mapping_object(m));
		return 0;
	}
	for (i = 0; i < nf; i++) {
		if (fields[i].relationship) {
			if (check_lookup(oc, m, desc, &fields[i], err) < 0)
				return -1;
			continue;
		}
		f = field_named(desc, "name", fields[i].target);
		if (!f) {
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s has no field '%s'%s", mapping_object(m),
				fields[i].target, hint(desc, "name",
						       fields[i].target, buf,
						       sizeof(buf)));
			continue;
		}
		if (strcasecmp(fields[i].target, "Id") &&
		    !flag(f, "createable") && !flag(f, "updateable"))
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s.%s cannot be written (not createable or "
				"updateable for this user)", mapping_object(m),
				fields[i].target);
		if (key && !strcasecmp(key, fields[i].target) &&
		    mapping_op(m) == MAP_UPSERT && !flag(f, "externalId") &&
		    !flag(f, "idLookup"))
			mistake(oc, m, fields[i].line, fields[i].target,
				"%s.%s is not an External ID field: upsert needs "
				"one (mark it External ID and Unique)",
				mapping_object(m), fields[i].target);
	}
	if (mapping_op(m) == MAP_DELETE)
		return 0;
	if (orgfit_check(oc, m, desc, err) < 0)
		return -1;
	if (mapping_op(m) != MAP_UPSERT && mapping_op(m) != MAP_INSERT)
		return 0;
	/* what the org requires on create */
	json_array_foreach(desc, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));

		if (!name || flag(f, "nillable") || !flag(f, "createable") ||
		    flag(f, "defaultedOnCreate") ||
		    !strcmp(org_type(f), "boolean"))
			continue;
		for (j = 0; j < nf; j++)
			if (!strcasecmp(fields[j].target, name))
				break;
		if (j == nf)
			mistake(oc, m, 0, name, "%s requires '%s' on create, and "
				"the mapping does not set it", mapping_object(m),
				name);
	}
	return 0;
}

long orgcheck_maps(const struct config *cfg, const struct mapset *maps,
		   int data, int multi, orgcheck_fetch_fn fetch, void *ctx,
		   struct bs_errlist *errs, struct bs_err *err)
{
	struct orgcheck oc;
	const char *const *locs;
	size_t i;
	long r = -1;

	memset(&oc, 0, sizeof(oc));
	oc.errs = errs;
	oc.cfg = cfg;
	oc.maps = maps;
	oc.multi = multi;
	oc.data = data && config_get_list(cfg, "source", "path", &locs) > 0;
	oc.fetch = fetch;
	oc.fetch_ctx = ctx;
	for (i = 0; i < mapset_count(maps); i++)
		if (check_mapping(&oc, mapset_at(maps, i), err) < 0)
			break;
	if (i == mapset_count(maps))
		r = oc.mistakes;
	for (i = 0; i < oc.n; i++) {
		free(oc.objs[i].object);
		json_decref(oc.objs[i].fields);
	}
	return r;
}

/* orgcheck_fetch_fn through the REST API */
struct sf_fetch {
	struct sf_api *api;
	struct http_resp resp;
};

static int sf_fetch_describe(void *ctx, const char *object, const char **text,
			     size_t *len, struct bs_err *err)
{
	struct sf_fetch *f = ctx;
	struct sf_call call;
	char path[512];

	memset(&call, 0, sizeof(call));
	snprintf(path, sizeof(path), "/sobjects/%s/describe", object);
	call.method = HTTP_GET;
	call.path = path;
	http_resp_release(&f->resp);
	http_resp_init(&f->resp, DESCRIBE_MAX_BYTES);
	if (sf_api_call(f->api, &call, &f->resp, err) < 0) {
		if (call.status != 404)
			return -1;
		bs_err_clear(err);
		return 0;
	}
	*text = f->resp.body.buf;
	*len = f->resp.body.len;
	return 1;
}

long orgcheck_run(const struct config *cfg, const struct mapset *maps,
		  int data, struct bs_errlist *errs, struct bs_err *err)
{
	struct sf_fetch f;
	struct loader_opts lo;
	struct sf_api_opts ao;
	struct sf_auth *auth = NULL;
	int multi;
	long r = -1;

	if (config_get_bool(cfg, "salesforce", "multi_currency", &multi,
			    err) < 0)
		return -1;
	if (loader_opts_from_config(cfg, &lo, err) < 0)
		return -1;
	memset(&ao, 0, sizeof(ao));
	ao.api_version = lo.api_version;
	ao.retries = lo.retries;
	ao.retry_wait_ms = (unsigned long)lo.retry_wait_ms;
	ao.retry_wait_max_ms = 60000;
	http_resp_init(&f.resp, DESCRIBE_MAX_BYTES);
	auth = sf_auth_from_config(cfg, err);
	if (!auth || http_global_init(err) < 0)
		goto out;
	f.api = sf_api_new(auth, &lo.http, &ao, err);
	if (f.api)
		r = orgcheck_maps(cfg, maps, data, multi, sf_fetch_describe, &f,
				  errs, err);
	sf_api_free(f.api);
	http_global_cleanup();
out:
	http_resp_release(&f.resp);
	sf_auth_free(auth);
	loader_opts_release(&lo);
	return r;
}
