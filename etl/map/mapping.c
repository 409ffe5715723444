/* mapping.c - loading, checking and applying one mapping file (see
 * mapping.h and docs/mappings.md). */
#include "mapping.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/ini.h"
#include "formats/strsim.h"
#include "expr.h"

#define MAPPING_MAX_FIELDS 800
#define MAPPING_MAX_FILTERS 100
#define MAPPING_MAX_COLUMNS 1000
#define MAPPING_MAX_LOOKUPS 100

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Salesforce's limits on a custom name: the part before the suffix (__c,
 * __r, ...) and the namespace prefix. */
#define SF_NAME_MAX 40
#define SF_NAMESPACE_MAX 15

/* The [object] keys, in the order of enum object_key. */
static const char *const object_keys[] = {
	"name", "source", "operation", "external_id", "nulls", "clear_nulls",
	"keep_nulls", "group_by", "since", "watermark", "lookback",
	"description"
};
enum object_key {
	K_NAME, K_SOURCE, K_OPERATION, K_EXTERNAL_ID, K_NULLS, K_CLEAR_NULLS,
	K_KEEP_NULLS, K_GROUP_BY, K_SINCE, K_WATERMARK, K_LOOKBACK,
	K_DESCRIPTION, K_COUNT
};

/* The longest lookback: ten years, in seconds. */
#define MAPPING_MAX_LOOKBACK (3660LL * 86400)

/* A [fields] line that failed to parse: later checks that name its
 * target (external_id, clear_nulls, group_by, ...) say nothing more. */
struct failed_field {
	const char *target;
	unsigned long line;
};

struct mapping {
	struct arena arena;            /* everything below lives here */
	const char *file;
	const char *object, *source, *key_field, *since;
	const char *watermark, *lookback_text;  /* [object] watermark, lookback */
	long long lookback;                     /* seconds */
	enum map_op op;
	int clear_nulls;               /* [object] nulls = clear */
	unsigned long object_line;     /* line of [object], for missing keys */
	/* the line of each [object] key, 0 if not given; a misspelt key
	 * with a hint, or one outside any section, counts as given: its own
	 * error says enough, as does an invalid value's, which leaves
	 * object, source or key_field NULL */
	unsigned long key_lines[K_COUNT];
	int fields_misspelt;           /* an unknown section close to [fields] */

	struct map_field fields[MAPPING_MAX_FIELDS];
	size_t nfields;
	struct map_filter filters[MAPPING_MAX_FILTERS];
	size_t nfilters;
	struct map_lookup lookups[MAPPING_MAX_LOOKUPS];
	size_t nlookups;
	const char *columns[MAPPING_MAX_COLUMNS];
	unsigned long column_lines[MAPPING_MAX_COLUMNS];
	size_t ncolumns;
	unsigned long cur_line;        /* line being parsed */
	struct failed_field failed[MAPPING_MAX_FIELDS];
	size_t nfailed;

	/* names listed in clear_nulls / keep_nulls / group_by, checked last */
	const char *null_lists[2];
	unsigned long null_lines[2];
	const char *group_by;
	unsigned long group_line;
	long group_fields[MAP_GROUP_MAX];
	size_t ngroup;
	long key_index;

	struct bs_errlist *errs;       /* while loading */
	size_t nerrs;
};

/* ---- errors ----------------------------------------------------------- */

static void add_error(struct mapping *m, unsigned long line,
		      const struct bs_err *e)
{
	struct bs_err copy = *e;

	if (!copy.file[0])
		bs_err_locate(&copy, m->file, line);
	else if (!copy.line)
		copy.line = line;
	if (copy.kind == BS_E_NONE)
		copy.kind = BS_E_CONFIG;
	bs_errlist_add(m->errs, &copy);
	m->nerrs++;
}

static void errorf(struct mapping *m, unsigned long line, const char *fmt,
		   ...) BS_PRINTF(3, 4);

static void errorf(struct mapping *m, unsigned long line, const char *fmt,
		   ...)
{
	struct bs_err e;
	va_list ap;

	bs_err_clear(&e);
	e.kind = BS_E_CONFIG;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	add_error(m, line, &e);
}

/* ---- names ------------------------------------------------------------ */

enum { NAME_OK, NAME_BAD, NAME_LONG };

/* Checks a Salesforce API name: parts separated by "__", each of letters,
 * digits and single inner underscores, the first starting with a letter:
 * `Name`, `OrbId__c`, `ns__Field__c`.  With two or three parts the last is
 * a suffix: c (or r for a relationship when rel is set), or one of the
 * object suffixes x, mdt, e, b, in any case (API names ignore case).  A
 * custom name (one with a suffix) has at most SF_NAME_MAX characters
 * before its suffix and a namespace prefix at most SF_NAMESPACE_MAX:
 * NAME_LONG, with why saying which part is over. */
static int api_name_check(const char *s, int rel, char *why, size_t size)
{
	static const char *const suffixes[] = { "c", "x", "mdt", "e", "b" };
	const char *start[3], *part = s, *end, *suffix;
	size_t len[3], nparts = 0, i, n;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return NAME_BAD;
	for (;;) {
		end = strstr(part, "__");
		n = end ? (size_t)(end - part) : strlen(part);
		if (!n || part[0] == '_' || part[n - 1] == '_' || nparts == 3)
			return NAME_BAD;
		for (i = 0; i < n; i++)
			if (!((part[i] >= 'A' && part[i] <= 'Z') ||
			      (part[i] >= 'a' && part[i] <= 'z') ||
			      (part[i] >= '0' && part[i] <= '9') ||
			      part[i] == '_'))
				return NAME_BAD;
		start[nparts] = part;
		len[nparts++] = n;
		if (!end)
			break;
		part = end + 2;
	}
	if (nparts == 1)
		return NAME_OK;    /* a standard name: Salesforce's own */
	suffix = start[nparts - 1];
	if (!(rel && !strcasecmp(suffix, "r"))) {
		for (i = 0; i < NELEM(suffixes); i++)
			if (!strcasecmp(suffix, suffixes[i]))
				break;
		if (i == NELEM(suffixes) || (nparts == 3 && i != 0))
			return NAME_BAD;
	}
	if (len[nparts - 2] > SF_NAME_MAX) {
		snprintf(why, size, "%zu characters before '__%s' (at most %d)",
			 len[nparts - 2], suffix, SF_NAME_MAX);
		return NAME_LONG;
	}
	if (nparts == 3 && len[0] > SF_NAMESPACE_MAX) {
		snprintf(why, size, "the namespace prefix '%.*s' has %zu "
			 "characters (at most %d)", (int)len[0], start[0], len[0],
			 SF_NAMESPACE_MAX);
		return NAME_LONG;
	}
	return NAME_OK;
}

static int api_name_ok(const char *s, int rel)
{
	char why[160];

	return api_name_check(s, rel, why, sizeof(why)) == NAME_OK;
}

static int dataset_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* ---- columns ---------------------------------------------------------- */

static int resolve_column(void *ctx, const char *name, size_t *index,
			  struct bs_err *err)
{
	struct mapping *m = ctx;
	size_t i;

	for (i = 0; i < m->ncolumns; i++) {
		if (!strcmp(m->columns[i], name)) {
			*index = i;
			return 0;
		}
	}
	if (!*name)
		return bs_err_set(err, BS_E_CONFIG, "empty column name");
	if (m->ncolumns == MAPPING_MAX_COLUMNS)
		return bs_err_set(err, BS_E_CONFIG,
				  "more than %d source columns",
				  MAPPING_MAX_COLUMNS);
	m->columns[m->ncolumns] = arena_strdup(&m->arena, name);
	if (!m->columns[m->ncolumns])
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	m->column_lines[m->ncolumns] = m->cur_line;
	*index = m->ncolumns++;
	return 0;
}

/* ---- sections --------------------------------------------------------- */

static const char *const section_names[] = {
	"object", "filter", "fields", "lookups"
};

static const char *dup(struct mapping *m, const char *s)
{
	return arena_strdup(&m->arena, s);
}

/* Reports a name that is not an API name (what says which kind, e.g.
 * "object", "field") or too long; 0 when it is fine. */
static int check_name(struct mapping *m, unsigned long line, const char *name,
		      int rel, const char *what, const char *example)
{
	char why[160];

	switch (api_name_check(name, rel, why, sizeof(why))) {
	case NAME_OK:
		return 0;
	case NAME_LONG:
		errorf(m, line, "'%s' is too long for a Salesforce API name: %s",
		       name, why);
		return -1;
	default:
		errorf(m, line, "'%s' is not a Salesforce %s API name%s%s%s", name,
		       what, example ? " (e.g. " : "", example ? example : "",
		       example ? ")" : "");
		return -1;
	}
}

static void unknown_object_key(struct mapping *m, const struct ini_item *it)
{
	const char *hint = strsim_closest(it->key, object_keys,
					  NELEM(object_keys));
	size_t i;

	if (!hint) {
		errorf(m, it->line, "unknown key '%s' in [object] (keys: name, "
		       "source, operation, external_id, nulls, clear_nulls, "
		       "keep_nulls, group_by, since, watermark, lookback, "
		       "description)", it->key);
		return;
	}
	errorf(m, it->line, "unknown key '%s' in [object]; did you mean '%s'?",
	       it->key, hint);
	/* taken as the key it resembles: no "needs" error after this one */
	for (i = 0; i < K_COUNT; i++)
		if (object_keys[i] == hint && !m->key_lines[i])
			m->key_lines[i] = it->line;
}

/* A duration: one or more NUMBER UNIT pairs, e.g. 3d, 36h, 1d12h, 0d. */
static int parse_lookback(const char *s, long long *out)
{
	long long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		long long n = 0, unit;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (*s - '0');
			if (n > MAPPING_MAX_LOOKBACK)
				return -1;
		}
		switch (*s++) {
		case 'w': unit = 7 * 86400; break;
		case 'd': unit = 86400; break;
		case 'h': unit = 3600; break;
		case 'm': unit = 60; break;
		case 's': unit = 1; break;
		default: return -1;
		}
		if (n > MAPPING_MAX_LOOKBACK / unit)
			return -1;
		total += n * unit;
		if (total > MAPPING_MAX_LOOKBACK)
			return -1;
	}
	*out = total;
	return 0;
}

static void object_key(struct mapping *m, const struct ini_item *it)
{
	const char *k = it->key, *v = it->value, *hint;
	size_t ki;

	for (ki = 0; ki < K_COUNT; ki++)
		if (!strcmp(k, object_keys[ki]))
			break;
	if (ki == K_COUNT) {
		unknown_object_key(m, it);
		return;
	}
	if (m->key_lines[ki]) {
		errorf(m, it->line, "'%s' is set twice in [object] (first on "
		       "line %lu)", k, m->key_lines[ki]);
		return;
	}
	m->key_lines[ki] = it->line;
	switch ((enum object_key)ki) {
	case K_NAME:
		if (!check_name(m, it->line, v, 0, "object", "OrbInvoice__c"))
			m->object = dup(m, v);
		break;
	case K_SOURCE:
		if (dataset_name_ok(v)) {
			m->source = dup(m, v);
			break;
		}
		{
			char low[128];
			size_t i;

			for (i = 0; v[i] && i + 1 < sizeof(low); i++)
				low[i] = (v[i] >= 'A' && v[i] <= 'Z') ?
					 (char)(v[i] - 'A' + 'a') : v[i];
			low[i] = '\0';
			if (!v[i] && dataset_name_ok(low))
				errorf(m, it->line, "'%s' is not a dataset name "
				       "(lower case letters, digits, '_' or '-'); "
				       "did you mean '%s'?", v, low);
			else
				errorf(m, it->line, "'%s' is not a dataset name "
				       "(lower case letters, digits, '_' or '-')",
				       v);
		}
		break;
	case K_OPERATION: {
		static const char *const ops[] = { "upsert", "insert", "update",
						   "delete" };
		size_t i;

		for (i = 0; i < NELEM(ops); i++)
			if (!strcmp(v, ops[i]))
				break;
		if (i == NELEM(ops)) {
			hint = strsim_closest(v, ops, NELEM(ops));
			errorf(m, it->line, "unknown operation '%s'; %s%s%s", v,
			       hint ? "did you mean '" : "use upsert, insert, "
			       "update or delete", hint ? hint : "",
			       hint ? "'?" : "");
		} else {
			m->op = (enum map_op)i;
		}
		break;
	}
	case K_EXTERNAL_ID:
		if (strchr(v, '.'))
			errorf(m, it->line, "external_id '%s' is a lookup: the key "
			       "must be a field of %s itself (e.g. OrbId__c)", v,
			       m->object ? m->object : "the object");
		else if (!check_name(m, it->line, v, 0, "field", NULL))
			m->key_field = dup(m, v);
		break;
	case K_NULLS:
		if (!strcmp(v, "clear"))
			m->clear_nulls = 1;
		else if (strcmp(v, "keep"))
			errorf(m, it->line, "nulls must be 'keep' (an empty "
			       "cell leaves Salesforce's value) or 'clear' "
			       "(#N/A empties it), not '%s'", v);
		break;
	case K_CLEAR_NULLS:
	case K_KEEP_NULLS: {
		int which = ki == K_CLEAR_NULLS ? 0 : 1;

		m->null_lists[which] = dup(m, v);
		m->null_lines[which] = it->line;
		break;
	}
	case K_GROUP_BY:
		m->group_by = dup(m, v);
		m->group_line = it->line;
		break;
	case K_SINCE:
	case K_WATERMARK: {
		size_t idx;
		struct bs_err e;

		bs_err_clear(&e);
		if (resolve_column(m, v, &idx, &e) < 0)
			add_error(m, it->line, &e);
		else
			*(ki == K_SINCE ? &m->since : &m->watermark) = dup(m, v);
		break;
	}
	case K_LOOKBACK:
		if (parse_lookback(v, &m->lookback) < 0)
			errorf(m, it->line, "lookback must be a duration such as "
			       "3d, 36h or 1d12h (units w, d, h, m, s; at most "
			       "3660d), not '%s'", v);
		else
			m->lookback_text = dup(m, v);
		break;
	case K_DESCRIPTION:
	case K_COUNT:
		break;
	}
}

static int field_target(struct mapping *m, const struct ini_item *it,
			struct map_field *f)
{
	const char *dot = strchr(it->key, '.');
	char *rel, why[160];
	int r1, r2 = NAME_BAD;

	f->target = dup(m, it->key);
	if (!dot)
		return check_name(m, it->line, it->key, 0, "field", NULL);
	rel = arena_strndup(&m->arena, it->key, (size_t)(dot - it->key));
	r1 = rel ? api_name_check(rel, 1, why, sizeof(why)) : NAME_BAD;
	if (r1 != NAME_BAD && !strchr(dot + 1, '.') &&
	    (strlen(rel) <= 3 || strcasecmp(rel + strlen(rel) - 3, "__c"))) {
		if (r1 == NAME_LONG) {
			errorf(m, it->line, "'%s' is too long for a Salesforce "
			       "relationship name: %s", rel, why);
			return -1;
		}
		r2 = api_name_check(dot + 1, 0, why, sizeof(why));
		if (r2 == NAME_LONG) {
			errorf(m, it->line, "'%s' is too long for a Salesforce "
			       "API name: %s", dot + 1, why);
			return -1;
		}
	}
	if (r2 != NAME_OK) {
		errorf(m, it->line, "'%s' is not a lookup: write "
		       "Relationship__r.ExternalIdField__c (a custom lookup "
		       "ends in __r, not __c)", it->key);
		return -1;
	}
	f->relationship = rel;
	f->parent_field = dup(m, dot + 1);
	return 0;
}

/* The failed [fields] line for target (in any case), or NULL. */
static const struct failed_field *failed_field(const struct mapping *m,
					       const char *target)
{
	size_t i;

	for (i = 0; i < m->nfailed; i++)
		if (!strcasecmp(m->failed[i].target, target))
			return &m->failed[i];
	return NULL;
}

/* 1 when a failed [fields] line is a lookup through rel. */
static int failed_relationship(const struct mapping *m, const char *rel)
{
	size_t i, n = strlen(rel);

	for (i = 0; i < m->nfailed; i++)
		if (!strncasecmp(m->failed[i].target, rel, n) &&
		    m->failed[i].target[n] == '.')
			return 1;
	return 0;
}

static void field_failed(struct mapping *m, const struct ini_item *it,
			 size_t ncolumns)
{
	/* the columns only this line asked for are not the mapping's */
	m->ncolumns = ncolumns;
	if (m->nfailed == MAPPING_MAX_FIELDS)
		return;
	m->failed[m->nfailed].target = dup(m, it->key);
	m->failed[m->nfailed].line = it->line;
	if (m->failed[m->nfailed].target)
		m->nfailed++;
}

/* The field of the object that a [fields] target writes: the target
 * itself, or for a lookup the lookup field of its relationship
 * (OrbCustomer__r.OrbId__c and OrbCustomer__c both write OrbCustomer__c;
 * Account.AccountNumber and AccountId write AccountId). */
static void written_field(const char *target, char *buf, size_t size)
{
	size_t n = strcspn(target, ".");

	if (!target[n]) {
		snprintf(buf, size, "%s", target);
		return;
	}
	if (n > 3 && !strncasecmp(target + n - 3, "__r", 3))
		snprintf(buf, size, "%.*sc", (int)(n - 1), target);
	else
		snprintf(buf, size, "%.*sId", (int)n, target);
}

/* "field 'X' is mapped twice": the same target in any case (Salesforce's
 * names ignore case), here or on a line that failed. */
static int mapped_twice(struct mapping *m, const struct ini_item *it)
{
	const struct failed_field *ff = failed_field(m, it->key);
	const char *first = NULL;
	unsigned long line = 0;
	size_t i;

	for (i = 0; i < m->nfields && !first; i++) {
		if (!strcasecmp(m->fields[i].target, it->key)) {
			first = m->fields[i].target;
			line = m->fields[i].line;
		}
	}
	if (!first && ff) {
		first = ff->target;
		line = ff->line;
	}
	if (!first)
		return 0;
	if (strcmp(first, it->key))
		errorf(m, it->line, "field '%s' is mapped twice (first on line "
		       "%lu, as '%s': field names ignore case)", it->key, line,
		       first);
	else
		errorf(m, it->line, "field '%s' is mapped twice (first on line "
		       "%lu)", it->key, line);
	return 1;
}

/* A lookup field set twice: directly (OrbCustomer__c) and through its
 * relationship (OrbCustomer__r.OrbId__c), or through the relationship
 * twice; Salesforce takes one value for the field. */
static int lookup_set_twice(struct mapping *m, const struct ini_item *it)
{
	char mine[BS_ERR_FIELD_MAX * 2], other[sizeof(mine)];
	const char *first = NULL;
	unsigned long line = 0;
	size_t i;

	written_field(it->key, mine, sizeof(mine));
	for (i = 0; i < m->nfields + m->nfailed && !first; i++) {
		const char *t = i < m->nfields ? m->fields[i].target :
				m->failed[i - m->nfields].target;

		written_field(t, other, sizeof(other));
		if (!strcasecmp(mine, other)) {
			first = t;
			line = i < m->nfields ? m->fields[i].line :
			       m->failed[i - m->nfields].line;
		}
	}
	if (!first)
		return 0;
	errorf(m, it->line, "'%s' sets the lookup field '%s', which line %lu "
	       "sets already ('%s'): a lookup is set once, by record Id or "
	       "through one External ID", it->key, mine, line, first);
	return 1;
}

static void field_line(struct mapping *m, const struct ini_item *it)
{
	struct expr_columns cols = { resolve_column, m };
	struct map_field *f;
	struct bs_err e;
	size_t ncolumns = m->ncolumns;

	if (mapped_twice(m, it))
		return;
	if (m->nfields == MAPPING_MAX_FIELDS) {
		errorf(m, it->line, "more than %d fields", MAPPING_MAX_FIELDS);
		return;
	}
	f = &m->fields[m->nfields];
	memset(f, 0, sizeof(*f));
	f->line = it->line;
	if (field_target(m, it, f) < 0 || lookup_set_twice(m, it)) {
		field_failed(m, it, ncolumns);
		return;
	}
	bs_err_clear(&e);
	f->expr = expr_parse(it->value, &m->arena, &cols, &e);
	if (!f->expr) {
		bs_err_field(&e, it->key);
		add_error(m, it->line, &e);
		field_failed(m, it, ncolumns);
		return;
	}
	m->nfields++;
}

static void filter_line(struct mapping *m, const struct ini_item *it)
{
	struct expr_columns cols = { resolve_column, m };
	struct map_filter *f;
	struct bs_err e;
	const char *v = it->value;
	size_t i, ncolumns = m->ncolumns;

	for (i = 0; i < m->nfilters; i++) {
		if (!strcmp(m->filters[i].name, it->key)) {
			errorf(m, it->line, "filter '%s' is defined twice (first "
			       "on line %lu)", it->key, m->filters[i].line);
			return;
		}
	}
	if (m->nfilters == MAPPING_MAX_FILTERS) {
		errorf(m, it->line, "more than %d filters", MAPPING_MAX_FILTERS);
		return;
	}
	f = &m->filters[m->nfilters];
	f->line = it->line;
	f->name = dup(m, it->key);
	if ((strncmp(v, "skip if", 7) && strncmp(v, "keep if", 7)) ||
	    (v[7] && v[7] != ' ' && v[7] != '\t')) {
		errorf(m, it->line, "filter '%s' must start with 'skip if' or "
		       "'keep if'", it->key);
		return;
	}
	f->skip = v[0] == 's';
	v += 7;
	v += strspn(v, " \t");
	if (!*v) {
		errorf(m, it->line, "filter '%s': the condition is missing after "
		       "'%s if' (e.g. '%s if status == \"draft\"')", it->key,
		       f->skip ? "skip" : "keep", f->skip ? "skip" : "keep");
		return;
	}
	bs_err_clear(&e);
	f->cond = cond_parse(v, &m->arena, &cols, &e);
	if (!f->cond) {
		bs_err_prefix(&e, "filter '%s'", it->key);
		add_error(m, it->line, &e);
		m->ncolumns = ncolumns;   /* not checked against the data */
		return;
	}
	m->nfilters++;
}

static void lookup_line(struct mapping *m, const struct ini_item *it)
{
	struct map_lookup *l;
	size_t i, n = strlen(it->key);

	/* a relationship is a standard name (Parent) or ends in __r */
	if (!api_name_ok(it->key, 1) ||
	    (strstr(it->key, "__") && strcasecmp(it->key + n - 3, "__r")) ||
	    strchr(it->value, '.') || !api_name_ok(it->value, 0)) {
		errorf(m, it->line, "[lookups] lines are 'Relationship__r = "
		       "ParentObject__c', not '%s = %s'", it->key, it->value);
		return;
	}
	if (check_name(m, it->line, it->key, 1, "relationship", NULL) < 0 ||
	    check_name(m, it->line, it->value, 0, "object", NULL) < 0)
		return;
	for (i = 0; i < m->nlookups; i++) {
		if (!strcasecmp(m->lookups[i].relationship, it->key)) {
			errorf(m, it->line, "'%s' is listed twice in [lookups] "
			       "(first on line %lu)", it->key,
			       m->lookups[i].line);
			return;
		}
	}
	if (m->nlookups == MAPPING_MAX_LOOKUPS) {
		errorf(m, it->line, "more than %d lookups", MAPPING_MAX_LOOKUPS);
		return;
	}
	l = &m->lookups[m->nlookups++];
	l->relationship = dup(m, it->key);
	l->object = dup(m, it->value);
	l->line = it->line;
	l->declared = 1;
}

/* A key before the first section: an [object] key is taken as given
 * (no "needs" error after this one). */
static void outside_key(struct mapping *m, const struct ini_item *it)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(it->key, object_keys[i]))
			break;
	if (i < K_COUNT) {
		errorf(m, it->line, "'%s' is outside any section (put it under "
		       "[object])", it->key);
		if (!m->key_lines[i])
			m->key_lines[i] = it->line;
	} else {
		errorf(m, it->line, "'%s' is outside any section (start with "
		       "[object])", it->key);
	}
}

static int on_item(void *ctx, const struct ini_item *it, struct bs_err *err)
{
	struct mapping *m = ctx;
	const char *hint;

	(void)err;
	m->cur_line = it->line;
	if (!it->key) {
		size_t i;

		for (i = 0; i < NELEM(section_names); i++)
			if (!strcmp(it->section, section_names[i]))
				break;
		if (i == NELEM(section_names)) {
			hint = strsim_closest(it->section, section_names,
					      NELEM(section_names));
			if (hint && !strcmp(hint, "fields"))
				m->fields_misspelt = 1;
			if (hint)
				errorf(m, it->line, "unknown section '[%s]'; did "
				       "you mean '[%s]'?", it->section, hint);
			else
				errorf(m, it->line, "unknown section '[%s]' "
				       "(sections: [object], [filter], [fields], "
				       "[lookups])", it->section);
		}
		if (!strcmp(it->section, "object"))
			m->object_line = it->line;
		return 0;
	}
	if (!strcmp(it->section, "object"))
		object_key(m, it);
	else if (!strcmp(it->section, "fields"))
		field_line(m, it);
	else if (!strcmp(it->section, "filter"))
		filter_line(m, it);
	else if (!strcmp(it->section, "lookups"))
		lookup_line(m, it);
	else if (!it->section[0])
		outside_key(m, it);
	return 0;
}

/* ---- checks after parsing --------------------------------------------- */

/* The field whose target is target in any case (API names ignore case),
 * or -1. */
static long field_index(const struct mapping *m, const char *target)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!strcasecmp(m->fields[i].target, target))
			return (long)i;
	return -1;
}

static void field_hint(struct mapping *m, unsigned long line,
		       const char *what, const char *name)
{
	const char *names[MAPPING_MAX_FIELDS];
	const char *hint;
	size_t i;

	if (failed_field(m, name))
		return;   /* that line's own error says enough */
	for (i = 0; i < m->nfields; i++)
		names[i] = m->fields[i].target;
	hint = strsim_closest(name, names, m->nfields);
	if (hint)
		errorf(m, line, "%s '%s' is not a field of this mapping; did you "
		       "mean '%s'?", what, name, hint);
	else
		errorf(m, line, "%s '%s' is not a field of this mapping", what,
		       name);
}

/* clear_nulls = A, B  /  keep_nulls = C */
static void apply_null_lists(struct mapping *m)
{
	int which;

	for (which = 0; which < 2; which++) {
		const char *list = m->null_lists[which], *p;
		char name[256];

		if (!list)
			continue;
		for (p = list; *p;) {
			size_t n = strcspn(p, ", \t");
			long idx;

			if (n && n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				idx = field_index(m, name);
				if (idx < 0)
					field_hint(m, m->null_lines[which],
						   which ? "keep_nulls" :
						   "clear_nulls", name);
				else if (m->fields[idx].relationship && !which)
					errorf(m, m->null_lines[which],
					       "'%s' is a lookup: an empty lookup is "
					       "left as it is, never cleared", name);
				else
					m->fields[idx].clear_nulls = !which;
			}
			p += n;
			p += strspn(p, ", \t");
		}
	}
}

static void derive_lookups(struct mapping *m)
{
	size_t i, j;

	for (i = 0; i < m->nfields; i++) {
		const char *rel = m->fields[i].relationship;
		size_t len;
		char *obj;

		if (!rel)
			continue;
		for (j = 0; j < m->nlookups; j++)
			if (!strcasecmp(m->lookups[j].relationship, rel))
				break;
		if (j < m->nlookups) {
			/* spelt as the field spells it, whatever the case in
			   [lookups]: the field's name is the one compared */
			m->lookups[j].relationship = rel;
			continue;
		}
		if (m->nlookups == MAPPING_MAX_LOOKUPS)
			continue;
		len = strlen(rel);
		obj = arena_strdup(&m->arena, rel);
		if (!obj)
			continue;
		if (len > 3 && !strcasecmp(rel + len - 3, "__r"))
			obj[len - 1] = 'c';        /* Foo__r -> Foo__c */
		m->lookups[m->nlookups].relationship = rel;
		m->lookups[m->nlookups].object = obj;
		m->lookups[m->nlookups].line = m->fields[i].line;
		m->lookups[m->nlookups].declared = 0;
		m->nlookups++;
	}
	for (j = 0; j < m->nlookups; j++) {
		for (i = 0; i < m->nfields; i++)
			if (m->fields[i].relationship &&
			    !strcasecmp(m->fields[i].relationship,
					m->lookups[j].relationship))
				break;
		if (i == m->nfields &&
		    !failed_relationship(m, m->lookups[j].relationship))
			errorf(m, m->lookups[j].line, "[lookups] names '%s' but "
			       "no field uses it", m->lookups[j].relationship);
	}
}

static void check_whole(struct mapping *m)
{
	unsigned long at = m->object_line ? m->object_line : 1;
	size_t i;
	long k;

	for (i = 0; i < m->nfields; i++)
		m->fields[i].clear_nulls = m->clear_nulls &&
					   !m->fields[i].relationship;
	if (!m->key_lines[K_NAME])
		errorf(m, at, "[object] needs 'name = ObjectApiName__c'");
	if (!m->key_lines[K_SOURCE])
		errorf(m, at, "[object] needs 'source = DATASET' (e.g. invoices)");
	if (!m->nfields && !m->nfailed && !m->fields_misspelt)
		errorf(m, at, "no [fields]: map at least one field");
	apply_null_lists(m);
	derive_lookups(m);

	m->key_index = -1;
	switch (m->op) {
	case MAP_UPSERT:
		if (!m->key_lines[K_EXTERNAL_ID]) {
			errorf(m, at, "upsert needs 'external_id = FIELD' in "
			       "[object] (the External ID field, e.g. OrbId__c)");
			break;
		}
		if (!m->key_field)
			break;    /* given, but wrong: said already */
		m->key_index = field_index(m, m->key_field);
		if (m->key_index < 0 && m->nfields)
			field_hint(m, m->key_lines[K_EXTERNAL_ID],
				   "external_id", m->key_field);
		/* spelt as the field is, which is the bulk files' header */
		if (m->key_index >= 0)
			m->key_field = m->fields[m->key_index].target;
		break;
	case MAP_UPDATE:
	case MAP_DELETE:
		if (m->key_field)
			errorf(m, m->key_lines[K_EXTERNAL_ID], "external_id is "
			       "only for upsert; %s matches records by 'Id'",
			       mapping_op_name(m->op));
		m->key_field = "Id";
		m->key_index = field_index(m, "Id");
		/* the loader matches records on a column spelt "Id" */
		if (m->key_index >= 0)
			m->fields[m->key_index].target = "Id";
		if (m->key_index < 0 && !failed_field(m, "Id"))
			errorf(m, at, "%s needs an 'Id' field (the Salesforce "
			       "record id)", mapping_op_name(m->op));
		if (m->op == MAP_DELETE && m->nfields > 1)
			errorf(m, at, "delete takes only the 'Id' field");
		break;
	case MAP_INSERT:
		if (m->key_field)
			errorf(m, m->key_lines[K_EXTERNAL_ID], "external_id is "
			       "only for upsert; insert always creates records");
		break;
	}
	/* the key is never cleared: an empty key rejects the row (it is
	 * never a lookup: external_id cannot name one, nor can "Id") */
	if (m->key_index >= 0)
		m->fields[m->key_index].clear_nulls = 0;

	/* the watermark is a speed-up that skips rows: it must say how far
	   back late rows arrive */
	if (m->key_lines[K_WATERMARK] && !m->key_lines[K_LOOKBACK])
		errorf(m, m->key_lines[K_WATERMARK], "watermark needs a lookback "
		       "(e.g. 'lookback = 3d'): rows up to that long before the "
		       "newest one seen are still read, for rows that arrive "
		       "late; write 'lookback = 0d' if none ever do");
	if (m->key_lines[K_LOOKBACK] && !m->key_lines[K_WATERMARK])
		errorf(m, m->key_lines[K_LOOKBACK], "lookback is for a watermark: "
		       "add 'watermark = COLUMN' (a date column that only grows, "
		       "e.g. timeframe_start) or remove it");

	m->ngroup = 0;
	if (m->group_by && strcmp(m->group_by, "none")) {
		const char *p = m->group_by;
		char name[256];

		while (*p) {
			size_t n = strcspn(p, ", \t");

			if (n && n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				k = field_index(m, name);
				if (k < 0)
					field_hint(m, m->group_line, "group_by",
						   name);
				else if (m->ngroup == MAP_GROUP_MAX)
					errorf(m, m->group_line, "group_by "
					       "takes at most %d fields",
					       MAP_GROUP_MAX);
				else
					m->group_fields[m->ngroup++] = k;
			}
			p += n;
			p += strspn(p, ", \t");
		}
	} else if (!m->group_by) {
		for (i = 0; i < m->nfields; i++) {
			if (m->fields[i].relationship) {
				m->group_fields[m->ngroup++] = (long)i;
				break;
			}
		}
	}
}

/* ---- load ------------------------------------------------------------- */

/* keep: return the mapping even with mistakes (mapping_check). */
static struct mapping *load_text(const char *name, const char *text,
				 struct bs_errlist *errs, int keep)
{
	struct mapping *m = calloc(1, sizeof(*m));
	struct bs_err e;

	if (!m) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(errs, &e);
		return NULL;
	}
	arena_init(&m->arena, 16 * 1024);
	m->errs = errs;
	m->file = dup(m, name);
	if (!m->file) {
		mapping_free(m);
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(errs, &e);
		return NULL;
	}
	m->nerrs += ini_parse_buf_all(name, text, strlen(text), on_item, m, errs);
	check_whole(m);
	m->errs = NULL;
	if (m->nerrs && !keep) {
		mapping_free(m);
		return NULL;
	}
	return m;
}

struct mapping *mapping_load_text(const char *name, const char *text,
				  struct bs_errlist *errs)
{
	return load_text(name, text, errs, 0);
}

static struct mapping *load_file(const char *path, struct bs_errlist *errs,
				 int keep)
{
	struct mapping *m;
	struct bs_err e;
	char *text;
	size_t len;

	bs_err_clear(&e);
	if (ini_read_file(path, &text, &len, &e) < 0) {
		if (e.kind == BS_E_IO)
			e.kind = BS_E_CONFIG;
		bs_errlist_add(errs, &e);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		free(text);
		bs_err_at(&e, BS_E_CONFIG, path, 0, "NUL byte in mapping file");
		bs_errlist_add(errs, &e);
		return NULL;
	}
	m = load_text(path, text, errs, keep);
	free(text);
	return m;
}

struct mapping *mapping_load(const char *path, struct bs_errlist *errs)
{
	return load_file(path, errs, 0);
}

struct mapping *mapping_check(const char *path, struct bs_errlist *errs)
{
	return load_file(path, errs, 1);
}

struct mapping *mapping_check_text(const char *name, const char *text,
				   struct bs_errlist *errs)
{
	return load_text(name, text, errs, 1);
}

size_t mapping_errors(const struct mapping *m)
{
	return m->nerrs;
}

unsigned long mapping_key_line(const struct mapping *m, const char *key)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(key, object_keys[i]))
			return m->key_lines[i];
	return 0;
}

void mapping_free(struct mapping *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nfields; i++)
		expr_free(m->fields[i].expr);
	for (i = 0; i < m->nfilters; i++)
		cond_free(m->filters[i].cond);
	arena_release(&m->arena);
	free(m);
}

/* ---- accessors -------------------------------------------------------- */

const char *mapping_file(const struct mapping *m) { return m->file; }
const char *mapping_object(const struct mapping *m) { return m->object; }
const char *mapping_source(const struct mapping *m) { return m->source; }

int mapping_named(const struct mapping *m, const char *name)
{
	return !strcasecmp(name, m->object) || !strcmp(name, m->source);
}

int mapping_chosen(const struct mapping *m, const char *const *names,
		   size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mapping_named(m, names[i]))
			return 1;
	return !n;
}
enum map_op mapping_op(const struct mapping *m) { return m->op; }
const char *mapping_since_column(const struct mapping *m) { return m->since; }
const char *mapping_watermark_column(const struct mapping *m)
{
	return m->watermark;
}
long long mapping_lookback(const struct mapping *m) { return m->lookback; }
const char *mapping_lookback_text(const struct mapping *m)
{
	return m->lookback_text;
}
size_t mapping_group_fields(const struct mapping *m, const long **idx)
{
	*idx = m->group_fields;
	return m->ngroup;
}
long mapping_key_index(const struct mapping *m) { return m->key_index; }

const char *mapping_key_field(const struct mapping *m)
{
	return m->op == MAP_INSERT ? NULL : m->key_field;
}

const char *mapping_op_name(enum map_op op)
{
	switch (op) {
	case MAP_UPSERT: return "upsert";
	case MAP_INSERT: return "insert";
	case MAP_UPDATE: return "update";
	case MAP_DELETE: return "delete";
	}
	return "?";
}

size_t mapping_fields(const struct mapping *m, const struct map_field **f)
{
	*f = m->fields;
	return m->nfields;
}

size_t mapping_filters(const struct mapping *m, const struct map_filter **f)
{
	*f = m->filters;
	return m->nfilters;
}

size_t mapping_lookups(const struct mapping *m, const struct map_lookup **l)
{
	*l = m->lookups;
	return m->nlookups;
}

unsigned long mapping_column_line(const struct mapping *m, size_t i)
{
	return m->column_lines[i];
}

size_t mapping_columns(const struct mapping *m, const char *const **cols)
{
	*cols = m->columns;
	return m->ncolumns;
}

/* ---- apply ------------------------------------------------------------ */

static const struct bs_value na_value = { "#N/A", 4, BS_V_TEXT };

/* Salesforce fails an LF job whose data holds a CR anywhere, even inside
 * quotes: line breaks in values become LF. */
static int normalise_cr(struct arena *a, struct bs_value *v)
{
	const char *s = v->s;
	char *out, *p;
	size_t i;

	if (!memchr(s, '\r', v->len))
		return 0;
	out = arena_alloc(a, v->len + 1);
	if (!out)
		return -1;
	for (p = out, i = 0; i < v->len; i++) {
		if (s[i] != '\r') {
			*p++ = s[i];
			continue;
		}
		*p++ = '\n';
		if (i + 1 < v->len && s[i + 1] == '\n')
			i++;
	}
	*p = '\0';
	v->s = out;
	v->len = (size_t)(p - out);
	return 0;
}
static const struct bs_value null_value = { "", 0, BS_V_NULL };

int mapping_apply(const struct mapping *m, const struct bs_value *vals,
		  struct arena *a, struct map_result *res, struct bs_err *err)
{
	size_t i;
	int truth;

	res->filter = NULL;
	res->v = NULL;
	for (i = 0; i < m->nfilters; i++) {
		const struct map_filter *f = &m->filters[i];

		if (cond_eval(f->cond, vals, a, &truth, err) < 0) {
			if (err->kind != BS_E_ROW)
				return MAP_ERROR;
			bs_err_prefix(err, "filter '%s'", f->name);
			res->filter = f;
			return MAP_REJECTED;
		}
		if (f->skip ? truth : !truth) {
			res->filter = f;
			res->key = null_value;
			/* the key still names the record for the sync state */
			if (m->key_index >= 0 &&
			    expr_eval(m->fields[m->key_index].expr, vals, a,
				      &res->key, err) < 0)
				res->key = null_value;
			return MAP_FILTERED;
		}
	}
	res->v = arena_alloc(a, m->nfields * sizeof(*res->v));
	if (!res->v)
		return bs_err_set(err, BS_E_NOMEM, "out of memory"), MAP_ERROR;
	for (i = 0; i < m->nfields; i++) {
		const struct map_field *f = &m->fields[i];
		struct bs_value *v = &res->v[i];

		if (expr_eval(f->expr, vals, a, v, err) < 0) {
			if (err->kind != BS_E_ROW)
				return MAP_ERROR;
			bs_err_field(err, f->target);
			return MAP_REJECTED;
		}
		if (v->kind != BS_V_NULL && v->len) {
			if (normalise_cr(a, v) < 0)
				return bs_err_set(err, BS_E_NOMEM,
						  "out of memory"), MAP_ERROR;
			continue;
		}
		if ((long)i == m->key_index) {
			bs_err_set(err, BS_E_ROW, "the key field is empty");
			bs_err_field(err, f->target);
			return MAP_REJECTED;
		}
		*v = f->clear_nulls ? na_value : null_value;
	}
	return MAP_ROW;
}
