/* sftype.c - the Salesforce field a mapped field needs (see sftype.h). */
#include "sftype.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/strsim.h"
#include "convert.h"
#include "expr.h"
#include "mapping.h"
#include "mapset.h"

#define MAX_CONVS 16

static const char *const kind_names[] = {
	"Text", "TextArea", "LongTextArea", "Email", "Url", "Phone",
	"Number", "Currency", "Percent", "Date", "DateTime", "Checkbox",
	"Picklist", "Lookup"
};

/* Standard objects an sfid field may point at (Account__c -> Account). */
static const char *const standard_objects[] = {
	"Account", "Asset", "Campaign", "Case", "Contact", "Contract", "Lead",
	"Opportunity", "Order", "Product2", "Quote", "User"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *sftype_kind_name(enum sft_kind k)
{
	return kind_names[k];
}

void sftype_label(const char *api, char *buf, size_t size)
{
	size_t n = strlen(api), i, o = 0;

	if (n > 3 && !strcmp(api + n - 3, "__c"))
		n -= 3;
	for (i = 0; i < n && o + 2 < size; i++) {
		char c = api[i], prev = i ? api[i - 1] : 0,
		     next = i + 1 < n ? api[i + 1] : 0;

		if (c == '_') {
			if (o && buf[o - 1] != ' ')
				buf[o++] = ' ';
			continue;
		}
		/* a word starts at an upper-case letter after a lower-case
		 * one or a digit, or before a lower-case one after capitals
		 * (URLPath -> URL Path) */
		if (i && isupper((unsigned char)c) && o && buf[o - 1] != ' ' &&
		    (islower((unsigned char)prev) || isdigit((unsigned char)prev) ||
		     (isupper((unsigned char)prev) && islower((unsigned char)next))))
			buf[o++] = ' ';
		buf[o++] = c;
	}
	buf[o] = '\0';
}

/* snprintf that may cut (labels and names are bounded by their buffers). */
static void put(char *buf, size_t size, const char *fmt, ...) BS_PRINTF(3, 4);

static void put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* "Entry" -> "Entries", "Address" -> "Addresses", else + "s". */
static void plural_label(const char *label, char *buf, size_t size)
{
	size_t n = strlen(label);
	char last = n ? label[n - 1] : 0, before = n > 1 ? label[n - 2] : 0;

	if (last == 'y' && !strchr("aeiou", before))
		put(buf, size, "%.*sies", (int)(n - 1), label);
	else if (last == 's' || last == 'x' || last == 'z' ||
		 (last == 'h' && (before == 'c' || before == 's')))
		put(buf, size, "%ses", label);
	else
		put(buf, size, "%ss", label);
}

/* ---- declarations ------------------------------------------------------ */

struct decl_type {
	enum sft_kind kind;
	long a, b;                 /* length / precision, scale */
	int na;                    /* arguments given */
	char args[512];            /* the text inside the parentheses */
};

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	while (*s == ' ')
		s++;
	v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The arguments of t->kind in t->args; -1 with a message in why. */
static int type_args(struct decl_type *t, int parens, char *why, size_t size)
{
	const char *k = kind_names[t->kind], *comma;
	char a[2][32];

	switch (t->kind) {
	case SFT_TEXT:
	case SFT_LONGTEXT: {
		long lo = t->kind == SFT_TEXT ? 1 : 256,
		     hi = t->kind == SFT_TEXT ? SFT_TEXT_MAX : SFT_LONGTEXT_MAX;

		if (parse_long(t->args, lo, hi, &t->a) < 0) {
			snprintf(why, size, "%s needs a length from %ld to %ld: "
				 "%s(N)", k, lo, hi, k);
			return -1;
		}
		t->na = 1;
		return 0;
	}
	case SFT_NUMBER:
	case SFT_CURRENCY:
	case SFT_PERCENT:
		comma = strchr(t->args, ',');
		put(a[0], sizeof(a[0]), "%.*s", comma ? (int)(comma -
						   t->args) : 0, t->args);
		put(a[1], sizeof(a[1]), "%s", comma ? comma + 1 : "");
		if (!comma || parse_long(a[0], 1, SFT_PRECISION_MAX, &t->a) < 0 ||
		    parse_long(a[1], 0, t->a, &t->b) < 0) {
			snprintf(why, size, "%s needs precision and scale: "
				 "%s(18, 2) (precision 1 to 18, scale 0 to the "
				 "precision)", k, k);
			return -1;
		}
		t->na = 2;
		return 0;
	case SFT_LOOKUP:
		if (!t->args[0] || strpbrk(t->args, " ,.")) {
			snprintf(why, size, "Lookup needs the parent object: "
				 "Lookup(Account)");
			return -1;
		}
		t->na = 1;
		return 0;
	default:
		if (parens) {
			snprintf(why, size, "%s takes no arguments", k);
			return -1;
		}
		return 0;
	}
}

/* Parses `Kind[(args)]`; -1 with a message in why. */
static int parse_type(const char *text, struct decl_type *t, char *why,
		      size_t size)
{
	const char *open = strchr(text, '('), *hint;
	char name[32];
	size_t n = open ? (size_t)(open - text) : strlen(text), i;

	memset(t, 0, sizeof(*t));
	while (n && text[n - 1] == ' ')
		n--;
	snprintf(name, sizeof(name), "%.*s", (int)n, text);
	for (i = 0; i < NELEM(kind_names); i++)
		if (!strcasecmp(name, kind_names[i]))
			break;
	if (i == NELEM(kind_names)) {
		hint = strsim_closest(name, kind_names, NELEM(kind_names));
		snprintf(why, size, "unknown Salesforce type '%s'%s%s%s", name,
			 hint ? "; did you mean '" : " (Text, LongTextArea, "
			 "Number, Currency, Date, DateTime, Checkbox, Picklist, "
			 "Lookup, ...)", hint ? hint : "", hint ? "'?" : "");
		return -1;
	}
	t->kind = (enum sft_kind)i;
	if (open) {
		const char *close = strrchr(open, ')');

		if (!close || close[1]) {
			snprintf(why, size, "'%s': expected Type(arguments)", text);
			return -1;
		}
		snprintf(t->args, sizeof(t->args), "%.*s",
			 (int)(close - open - 1), open + 1);
	}
	return type_args(t, open != NULL, why, size);
}

/* Splits "Field__c.attr"; the object's own keys have no field. */
static const char *decl_attr(const struct map_decl *d, char *field,
			     size_t size)
{
	const char *dot = strrchr(d->key, '.');

	if (!dot) {
		field[0] = '\0';
		return d->key;
	}
	snprintf(field, size, "%.*s", (int)(dot - d->key), d->key);
	return dot + 1;
}

/* ---- inference ----------------------------------------------------------- */

static int is_text_conv(const char *name)
{
	static const char *const text[] = { "default", "lower", "replace",
					    "required", "trim", "upper" };
	size_t i;

	for (i = 0; i < NELEM(text); i++)
		if (!strcmp(name, text[i]))
			return 1;
	return 0;
}

static const char *sfid_target(const char *field, const struct mapset *set,
			       char *buf, size_t size)
{
	size_t n = strlen(field), i;

	if (n <= 3 || strcmp(field + n - 3, "__c"))
		return NULL;
	snprintf(buf, size, "%.*s", (int)(n - 3), field);
	for (i = 0; i < NELEM(standard_objects); i++)
		if (!strcmp(buf, standard_objects[i]))
			return standard_objects[i];
	if (set && mapset_find(set, field))
		return mapping_object(mapset_find(set, field));
	return NULL;
}

/* Picklist values of a map (and a default after it), into f->values. */
static int add_values(struct sft_field *f, const struct conv *map,
		      const char *extra)
{
	const char *v[SFT_MAX_VALUES];
	size_t n = conv_map_labels(map, v, SFT_MAX_VALUES), i;

	if (n > SFT_MAX_VALUES)
		n = SFT_MAX_VALUES;
	f->values = malloc((n + 1) * sizeof(*f->values));
	if (!f->values)
		return -1;
	/* an empty value loads as null: no picklist value holds it */
	for (i = 0; i < n; i++)
		if (v[i][0])
			f->values[f->nvalues++] = v[i];
	if (extra && extra[0]) {
		for (i = 0; i < n && strcmp(v[i], extra); i++)
			;
		if (i == n)
			f->values[f->nvalues++] = extra;
	}
	f->values_known = 1;
	return 0;
}

/* The type the converters give (the last that decides the type wins;
 * text converters after it change nothing). */
static int infer(struct sft_field *f, const struct map_field *mf,
		 const struct mapping *m, const struct mapset *set)
{
	const struct conv *cv[MAX_CONVS];
	struct conv_info ci;
	enum expr_base base;
	size_t index, n, i;
	const char *const *cols;
	const struct map_group_key *keys;
	const char *dflt = NULL;
	char buf[128];

	n = expr_converters(mf->expr, cv, MAX_CONVS, &base, &index);
	if (n > MAX_CONVS)
		n = MAX_CONVS;
	/* a group mapping's fields read its keys and aggregates, not columns */
	if (base == EXPR_COLUMN && !mapping_group_keys(m, &keys)) {
		mapping_columns(m, &cols);
		f->from = cols[index];
		f->column = n == 0 ? f->from : NULL;
	}
	f->kind = SFT_TEXT;
	f->length = SFT_TEXT_MAX;
	for (i = n; i-- > 0;) {
		conv_describe(cv[i], &ci);
		if (!strcmp(ci.name, "default"))
			dflt = ci.text;
		if (is_text_conv(ci.name))
			continue;
		if (!strcmp(ci.name, "truncate")) {
			f->length = ci.length;
			f->length_known = 1;
			if (ci.length > SFT_TEXT_MAX)
				f->kind = SFT_LONGTEXT;
		} else if (!strcmp(ci.name, "decimal") ||
			   !strcmp(ci.name, "integer")) {
			f->kind = SFT_NUMBER;
			f->precision = SFT_PRECISION_MAX;
			f->scale = ci.scale < 0 ? SFT_NUMBER_SCALE : ci.scale;
		} else if (!strcmp(ci.name, "money")) {
			f->kind = SFT_CURRENCY;
			f->precision = SFT_PRECISION_MAX;
			f->scale = ci.scale < 0 ? SFT_MONEY_SCALE : ci.scale;
			f->currency = ci.column;
		} else if (!strcmp(ci.name, "boolean")) {
			f->kind = SFT_CHECKBOX;
		} else if (!strcmp(ci.name, "date")) {
			f->kind = SFT_DATE;
		} else if (!strcmp(ci.name, "datetime")) {
			f->kind = SFT_DATETIME;
		} else if (!strcmp(ci.name, "json")) {
			f->kind = SFT_LONGTEXT;
			f->length = SFT_LONGTEXT_JSON;
			f->length_known = 1;
		} else if (!strcmp(ci.name, "map")) {
			f->kind = SFT_PICKLIST;
			if (add_values(f, cv[i], dflt) < 0)
				return -1;
		} else if (!strcmp(ci.name, "sfid")) {
			f->reference_to = sfid_target(f->field, set, buf,
						      sizeof(buf));
			f->kind = f->reference_to ? SFT_LOOKUP : SFT_TEXT;
			f->length = 18;
		}
		break;
	}
	return 0;
}

static void apply_decl(struct sft_field *f, const char *attr,
		       const struct map_decl *d)
{
	struct decl_type t;
	char why[256];

	if (!strcmp(attr, "label")) {
		snprintf(f->label, sizeof(f->label), "%s", d->value);
	} else if (!strcmp(attr, "description")) {
		f->description = d->value;
	} else if (!strcmp(attr, "type") &&
		   parse_type(d->value, &t, why, sizeof(why)) == 0) {
		f->declared = 1;
		if (t.kind != SFT_PICKLIST || t.na)
			f->values_known = 0;
		f->kind = t.kind;
		if (t.kind == SFT_TEXT || t.kind == SFT_LONGTEXT) {
			f->length = (size_t)t.a;
			f->length_known = 1;
		}
		else if (t.kind == SFT_TEXTAREA)
			f->length = SFT_TEXT_MAX;
		else if (t.kind == SFT_EMAIL)
			f->length = 80;
		else if (t.kind == SFT_URL)
			f->length = SFT_TEXT_MAX;
		else if (t.kind == SFT_PHONE)
			f->length = 40;
		if (t.na == 2) {
			f->precision = (int)t.a;
			f->scale = (int)t.b;
		} else if (t.kind == SFT_NUMBER || t.kind == SFT_CURRENCY ||
			   t.kind == SFT_PERCENT) {
			f->precision = SFT_PRECISION_MAX;
		}
		if (t.kind == SFT_LOOKUP) {
			put(f->reference_buf, sizeof(f->reference_buf), "%s",
			    t.args);
			f->reference_to = f->reference_buf;
		}
	}
}

static struct sft_field *find_field(struct sft_object *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (!strcasecmp(o->fields[i].field, name) ||
		    !strcasecmp(o->fields[i].target, name))
			return &o->fields[i];
	return NULL;
}

/* The API name of a mapped field: the lookup field for Rel__r.Key. */
static const char *field_name(const struct map_field *mf, char *buf,
			      size_t size)
{
	size_t n;

	if (!mf->relationship)
		return mf->target;
	n = strlen(mf->relationship);
	if (n > 3 && !strcasecmp(mf->relationship + n - 3, "__r"))
		snprintf(buf, size, "%.*s__c", (int)(n - 3), mf->relationship);
	else
		snprintf(buf, size, "%sId", mf->relationship);  /* Account */
	return buf;
}

static int fill_field(struct sft_field *f, const struct map_field *mf,
		      const struct mapping *m, const struct mapset *set)
{
	const char *key = mapping_key_field(m);

	f->target = mf->target;
	f->line = mf->line;
	f->field = field_name(mf, f->field_buf, sizeof(f->field_buf));
	f->name_field = !strcmp(mf->target, "Name");
	if (mf->relationship) {
		f->kind = SFT_LOOKUP;
		f->reference_to = mapping_lookup_object(m, mf->relationship);
		f->relationship = mf->relationship;
	} else if (infer(f, mf, m, set) < 0) {
		return -1;
	}
	if (key && !strcasecmp(key, mf->target) && strcasecmp(key, "Id")) {
		f->external_id = 1;
		if (f->kind != SFT_TEXT) {      /* a key is Text */
			f->kind = SFT_TEXT;
			f->length = SFT_TEXT_MAX;
		}
	}
	sftype_label(f->field, f->label, sizeof(f->label));
	return 0;
}

/* The object; with decls, the [schema] lines applied. */
static struct sft_object *build(const struct mapping *m,
				const struct mapset *set, int decls,
				struct bs_err *err)
{
	const struct map_field *mf;
	const struct map_decl *d;
	size_t nf = mapping_fields(m, &mf), i,
	       nd = decls ? mapping_decls(m, &d) : 0;
	struct sft_object *o = calloc(1, sizeof(*o));
	char field[128];
	const char *attr, *plural = NULL;

	if (!o || !(o->fields = calloc(nf ? nf : 1, sizeof(*o->fields)))) {
		free(o);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	o->name = mapping_object(m);
	o->description = mapping_description(m);
	o->currency = sftype_currency_column(m);
	sftype_label(o->name, o->label, sizeof(o->label));
	for (i = 0; i < nf; i++) {
		if (fill_field(&o->fields[i], &mf[i], m, set) < 0) {
			o->nfields = i + 1;
			sftype_free(o);
			bs_err_set(err, BS_E_NOMEM, "out of memory");
			return NULL;
		}
		o->nfields++;
	}
	for (i = 0; i < nd; i++) {
		struct sft_field *f;

		attr = decl_attr(&d[i], field, sizeof(field));
		if (!field[0] && !strcmp(attr, "label"))
			snprintf(o->label, sizeof(o->label), "%s", d[i].value);
		else if (!field[0] && !strcmp(attr, "plural_label"))
			plural = d[i].value;
		else if (field[0] && (f = find_field(o, field)))
			apply_decl(f, attr, &d[i]);
	}
	if (plural)
		snprintf(o->plural, sizeof(o->plural), "%s", plural);
	else
		plural_label(o->label, o->plural, sizeof(o->plural));
	return o;
}

struct sft_object *sftype_object(const struct mapping *m,
				 const struct mapset *set, struct bs_err *err)
{
	return build(m, set, 1, err);
}

void sftype_free(struct sft_object *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nfields; i++)
		free(o->fields[i].values);
	free(o->fields);
	free(o);
}

/* ---- the currency column ------------------------------------------------- */

/* The money converters' currency columns: the first in *first, and 1
 * when another names a different one. */
static int money_columns(const struct mapping *m, const char **first,
			 unsigned long *line)
{
	const struct map_field *mf;
	size_t nf = mapping_fields(m, &mf), i, n, j, index;
	const struct conv *cv[MAX_CONVS];
	struct conv_info ci;
	enum expr_base base;
	int several = 0;

	*first = NULL;
	for (i = 0; i < nf; i++) {
		if (!mf[i].expr)
			continue;
		n = expr_converters(mf[i].expr, cv, MAX_CONVS, &base, &index);
		for (j = 0; j < n && j < MAX_CONVS; j++) {
			conv_describe(cv[j], &ci);
			if (strcmp(ci.name, "money") || !ci.column)
				continue;
			if (!*first) {
				*first = ci.column;
			} else if (strcmp(*first, ci.column) && !several) {
				several = 1;
				*line = mf[i].line;
			}
		}
	}
	return several;
}

const char *sftype_currency_column(const struct mapping *m)
{
	const char *col = mapping_currency_column(m);
	unsigned long line;

	if (col)
		return col;
	return money_columns(m, &col, &line) ? NULL : col;
}

/* ---- checking the declarations ----------------------------------------- */

/* Which types can hold what the converters give: same family, at least
 * as long or as many decimals. */
static const char *fits(const struct sft_field *inf, const struct decl_type *t,
			char *why, size_t size)
{
	enum sft_kind a = inf->kind, b = t->kind;
	int text_a = a <= SFT_PHONE || a == SFT_PICKLIST ||
		     (a == SFT_LOOKUP && !inf->relationship),
	    text_b = b <= SFT_PHONE || b == SFT_PICKLIST || b == SFT_LOOKUP,
	    num_a = a >= SFT_NUMBER && a <= SFT_PERCENT,
	    num_b = b >= SFT_NUMBER && b <= SFT_PERCENT;

	if (inf->relationship && b != SFT_LOOKUP)
		snprintf(why, size, "a lookup (%s) is a Lookup field",
			 inf->target);
	else if (!(text_a && text_b) && !(num_a && num_b) && a != b)
		snprintf(why, size, "the mapping makes %s values, which a %s "
			 "field cannot hold", kind_names[a], kind_names[b]);
	else if ((b == SFT_TEXT || b == SFT_LONGTEXT) && t->a > 0 &&
		 (a == SFT_TEXT || a == SFT_LONGTEXT) && inf->length &&
		 (size_t)t->a < inf->length)
		snprintf(why, size, "%s(%ld) is shorter than the %zu "
			 "characters the mapping can make (truncate)",
			 kind_names[b], t->a, inf->length);
	else if (num_a && num_b && t->na == 2 && t->b < inf->scale)
		snprintf(why, size, "scale %ld is less than the %d decimals "
			 "the mapping makes", t->b, inf->scale);
	else
		return NULL;
	return why;
}

static void check_decl(const struct mapping *m, const struct sft_object *o,
		       const struct map_decl *d, struct bs_errlist *errs)
{
	static const char *const attrs[] = { "type", "label", "description" };
	static const char *const object_attrs[] = { "label", "plural_label" };
	char field[128], why[300];
	const char *attr = decl_attr(d, field, sizeof(field)), *hint;
	const struct sft_field *f = NULL;
	const struct map_group_key *keys;
	struct decl_type t;
	size_t i;

	if (!field[0]) {
		for (i = 0; i < NELEM(object_attrs); i++)
			if (!strcmp(attr, object_attrs[i]))
				break;
		if (i == NELEM(object_attrs)) {
			hint = strsim_closest(attr, object_attrs,
					      NELEM(object_attrs));
			mapping_mistake(errs, m, d->line, NULL, "unknown [schema] key "
				"'%s'%s%s%s (the object's label, plural_label; a "
				"field's Field__c.type, .label, .description)",
				attr, hint ? "; did you mean '" : "",
				hint ? hint : "", hint ? "'?" : "");
		} else if (strlen(d->value) > SFT_LABEL_MAX) {
			mapping_mistake(errs, m, d->line, NULL, "%s: longer than "
				"Salesforce's %d characters", attr,
				SFT_LABEL_MAX);
		}
		return;
	}
	for (i = 0; i < o->nfields; i++)
		if (!strcasecmp(o->fields[i].field, field) ||
		    !strcasecmp(o->fields[i].target, field))
			f = &o->fields[i];
	if (!f) {
		const char *names[256];
		size_t k;

		for (k = 0; k < o->nfields && k < 256; k++)
			names[k] = o->fields[k].field;
		hint = strsim_closest(field, names, k);
		mapping_mistake(errs, m, d->line, field, "[schema] names '%s', which "
			"the mapping does not set%s%s%s", field,
			hint ? "; did you mean '" : "", hint ? hint : "",
			hint ? "'?" : "");
		return;
	}
	for (i = 0; i < NELEM(attrs); i++)
		if (!strcmp(attr, attrs[i]))
			break;
	if (i == NELEM(attrs)) {
		hint = strsim_closest(attr, attrs, NELEM(attrs));
		mapping_mistake(errs, m, d->line, field, "unknown attribute '%s'%s%s%s "
			"(type, label, description)", attr,
			hint ? "; did you mean '" : "", hint ? hint : "",
			hint ? "'?" : "");
	} else if (!strcmp(attr, "label") && strlen(d->value) > SFT_LABEL_MAX) {
		mapping_mistake(errs, m, d->line, field, "label: longer than "
			"Salesforce's %d characters", SFT_LABEL_MAX);
	} else if (!strcmp(attr, "type")) {
		if (parse_type(d->value, &t, why, sizeof(why)) < 0)
			mapping_mistake(errs, m, d->line, field, "%s", why);
		else if (t.kind == SFT_PICKLIST && f->kind != SFT_PICKLIST)
			mapping_mistake(errs, m, d->line, field, "a Picklist takes its "
				"values from a map(...) of the field, which it has "
				"not: add one, or declare Text");
		else if (f->external_id && t.kind != SFT_TEXT)
			mapping_mistake(errs, m, d->line, field, "the upsert key is "
				"a Text External ID, not %s",
				kind_names[t.kind]);
		else if (!mapping_group_keys(m, &keys) &&
			 fits(f, &t, why, sizeof(why)))
			/* a roll-up's keys and aggregates carry no type */
			mapping_mistake(errs, m, d->line, field, "%s", why);
	}
}

/* What Salesforce cannot hold of the fields as `billsync schema` writes
 * them (declarations applied): a deploy would refuse the files. */
static void check_limits(const struct mapping *m, const struct sft_object *o,
			 struct bs_errlist *errs)
{
	size_t i, j;

	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];

		if (f->kind == SFT_LONGTEXT && f->length > SFT_LONGTEXT_MAX)
			mapping_mistake(errs, m, f->line, f->target, "the mapping "
					"makes up to %zu characters; a Long Text "
					"Area holds %d at most: truncate(%d)",
					f->length, SFT_LONGTEXT_MAX,
					SFT_LONGTEXT_MAX);
		if (f->kind >= SFT_NUMBER && f->kind <= SFT_PERCENT &&
		    f->scale > f->precision)
			mapping_mistake(errs, m, f->line, f->target, "the mapping "
					"makes %d decimals; a %s field holds %d "
					"digits in all: a scale of %d at most",
					f->scale, kind_names[f->kind],
					f->precision, f->precision);
		if (f->kind != SFT_PICKLIST)
			continue;
		for (j = 0; j < f->nvalues; j++)
			if (strlen(f->values[j]) > SFT_TEXT_MAX)
				mapping_mistake(errs, m, f->line, f->target,
						"map(...) makes '%.20s...' (%zu "
						"characters); a picklist value "
						"holds %d at most",
						f->values[j],
						strlen(f->values[j]),
						SFT_TEXT_MAX);
	}
}

size_t sftype_check(const struct mapping *m, struct bs_errlist *errs)
{
	const struct map_decl *d;
	size_t nd = mapping_decls(m, &d), i, j;
	size_t before = errs->n + errs->dropped;   /* to count the mistakes */
	struct sft_object *o;
	int built;
	struct bs_err e;
	const char *col;
	unsigned long line = 0;

	if (!mapping_object(m))
		return 0;
	if (!mapping_currency_column(m) && money_columns(m, &col, &line))
		mapping_mistake(errs, m, line, NULL, "money() reads currencies from "
			"more than one column: say which holds the record's "
			"currency with [object] currency = COLUMN");
	bs_err_clear(&e);
	/* the fields as `billsync schema` writes them */
	o = build(m, NULL, 1, &e);
	built = o != NULL;
	if (o)
		check_limits(m, o, errs);
	sftype_free(o);
	/* what the converters give, without the declarations */
	o = built && nd ? build(m, NULL, 0, &e) : NULL;
	if (!o) {
		if (e.kind != BS_E_NONE)
			bs_errlist_add(errs, &e);
		return errs->n + errs->dropped - before;
	}
	for (i = 0; i < nd; i++) {
		for (j = 0; j < i && strcmp(d[j].key, d[i].key); j++)
			;
		if (j < i)
			mapping_mistake(errs, m, d[i].line, NULL, "[schema] '%s' is "
				"set twice (first on line %lu)", d[i].key,
				d[j].line);
		else
			check_decl(m, o, &d[i], errs);
	}
	sftype_free(o);
	return errs->n + errs->dropped - before;
}
