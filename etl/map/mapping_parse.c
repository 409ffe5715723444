/* mapping_parse.c - reading a mapping file line by line: Salesforce API
 * names, source columns, the [fields], [filter] and [lookups] sections
 * (see mapping.h; [object] is in mapping_object.c). */
#include "mapping_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats/strsim.h"
#include "expr.h"

/* ---- names ------------------------------------------------------------ */

/* Checks a Salesforce API name: parts separated by "__", each of letters,
 * digits and single inner underscores, the first starting with a letter:
 * `Name`, `OrbId__c`, `ns__Field__c`.  With two or three parts the last is
 * a suffix: c (or r for a relationship when rel is set), or one of the
 * object suffixes x, mdt, e, b, in any case (API names ignore case).  A
 * custom name (one with a suffix) has at most SF_NAME_MAX characters
 * before its suffix and a namespace prefix at most SF_NAMESPACE_MAX:
 * NAME_LONG, with why saying which part is over. */
int mp_api_name_check(const char *s, int rel, char *why, size_t size)
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

	return mp_api_name_check(s, rel, why, sizeof(why)) == NAME_OK;
}

int mp_dataset_name_ok(const char *s)
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

int mp_resolve_column(void *ctx, const char *name, size_t *index,
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
	"object", "filter", "fields", "lookups", "group", "aggregate",
	"delete", "schema"
};

const char *mp_dup(struct mapping *m, const char *s)
{
	return arena_strdup(&m->arena, s);
}

/* Reports a name that is not an API name (what says which kind, e.g.
 * "object", "field") or too long; 0 when it is fine. */
int mp_check_name(struct mapping *m, unsigned long line, const char *name,
		  int rel, const char *what, const char *example)
{
	char why[160];

	switch (mp_api_name_check(name, rel, why, sizeof(why))) {
	case NAME_OK:
		return 0;
	case NAME_LONG:
		mp_errorf(m, line, "'%s' is too long for a Salesforce API name: %s",
			  name, why);
		return -1;
	default:
		mp_errorf(m, line, "'%s' is not a Salesforce %s API name%s%s%s", name,
			  what, example ? " (e.g. " : "", example ? example : "",
			  example ? ")" : "");
		return -1;
	}
}

static int field_target(struct mapping *m, const struct ini_item *it,
			struct map_field *f)
{
	const char *dot = strchr(it->key, '.');
	char *rel, why[160];
	int r1, r2 = NAME_BAD;

	f->target = mp_dup(m, it->key);
	if (!dot)
		return mp_check_name(m, it->line, it->key, 0, "field", NULL);
	rel = arena_strndup(&m->arena, it->key, (size_t)(dot - it->key));
	r1 = rel ? mp_api_name_check(rel, 1, why, sizeof(why)) : NAME_BAD;
	if (r1 != NAME_BAD && !strchr(dot + 1, '.') &&
	    (strlen(rel) <= 3 || strcasecmp(rel + strlen(rel) - 3, "__c"))) {
		if (r1 == NAME_LONG) {
			mp_errorf(m, it->line, "'%s' is too long for a Salesforce "
				  "relationship name: %s", rel, why);
			return -1;
		}
		r2 = mp_api_name_check(dot + 1, 0, why, sizeof(why));
		if (r2 == NAME_LONG) {
			mp_errorf(m, it->line, "'%s' is too long for a Salesforce "
				  "API name: %s", dot + 1, why);
			return -1;
		}
	}
	if (r2 != NAME_OK) {
		mp_errorf(m, it->line, "'%s' is not a lookup: write "
			  "Relationship__r.ExternalIdField__c (a custom lookup "
			  "ends in __r, not __c)", it->key);
		return -1;
	}
	f->relationship = rel;
	f->parent_field = mp_dup(m, dot + 1);
	return 0;
}

/* The failed [fields] line for target (in any case), or NULL. */
const struct failed_field *mp_failed_field(const struct mapping *m,
					   const char *target)
{
	size_t i;

	for (i = 0; i < m->nfailed; i++)
		if (!strcasecmp(m->failed[i].target, target))
			return &m->failed[i];
	return NULL;
}

/* 1 when a failed [fields] line is a lookup through rel. */
int mp_failed_relationship(const struct mapping *m, const char *rel)
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
	m->failed[m->nfailed].target = mp_dup(m, it->key);
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
	const struct failed_field *ff = mp_failed_field(m, it->key);
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
		mp_errorf(m, it->line, "field '%s' is mapped twice (first on line "
			  "%lu, as '%s': field names ignore case)", it->key, line,
			  first);
	else
		mp_errorf(m, it->line, "field '%s' is mapped twice (first on line "
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
	mp_errorf(m, it->line, "'%s' sets the lookup field '%s', which line %lu "
		  "sets already ('%s'): a lookup is set once, by record Id or "
		  "through one External ID", it->key, mine, line, first);
	return 1;
}

static void field_line(struct mapping *m, const struct ini_item *it)
{
	/* a group mapping's fields read its keys and aggregates */
	struct expr_columns cols = { m->nkeys ? mp_resolve_group :
				     mp_resolve_column, m };
	struct map_field *f;
	struct bs_err e;
	size_t ncolumns = m->ncolumns;

	if (!m->first_field_line)
		m->first_field_line = it->line;
	if (mapped_twice(m, it))
		return;
	if (m->nfields == MAPPING_MAX_FIELDS) {
		mp_errorf(m, it->line, "more than %d fields", MAPPING_MAX_FIELDS);
		return;
	}
	f = &m->fields[m->nfields];
	memset(f, 0, sizeof(*f));
	f->line = it->line;
	if (field_target(m, it, f) < 0 || lookup_set_twice(m, it)) {
		field_failed(m, it, ncolumns);
		return;
	}
	if (mp_aggregate_misplaced(m, it)) {
		field_failed(m, it, ncolumns);
		return;
	}
	bs_err_clear(&e);
	f->expr = expr_parse(it->value, &m->arena, &cols, &e);
	if (!f->expr) {
		bs_err_field(&e, it->key);
		mp_add_error(m, it->line, &e);
		field_failed(m, it, ncolumns);
		return;
	}
	m->nfields++;
}

static void filter_line(struct mapping *m, const struct ini_item *it)
{
	struct expr_columns cols = { mp_resolve_column, m };
	struct map_filter *f;
	struct bs_err e;
	const char *v = it->value;
	size_t i, ncolumns = m->ncolumns;

	for (i = 0; i < m->nfilters; i++) {
		if (!strcmp(m->filters[i].name, it->key)) {
			mp_errorf(m, it->line, "filter '%s' is defined twice (first "
				  "on line %lu)", it->key, m->filters[i].line);
			return;
		}
	}
	if (m->nfilters == MAPPING_MAX_FILTERS) {
		mp_errorf(m, it->line, "more than %d filters", MAPPING_MAX_FILTERS);
		return;
	}
	f = &m->filters[m->nfilters];
	f->line = it->line;
	f->name = mp_dup(m, it->key);
	if ((strncmp(v, "skip if", 7) && strncmp(v, "keep if", 7)) ||
	    (v[7] && v[7] != ' ' && v[7] != '\t')) {
		mp_errorf(m, it->line, "filter '%s' must start with 'skip if' or "
			  "'keep if'", it->key);
		return;
	}
	f->skip = v[0] == 's';
	v += 7;
	v += strspn(v, " \t");
	if (!*v) {
		mp_errorf(m, it->line, "filter '%s': the condition is missing after "
			  "'%s if' (e.g. '%s if status == \"draft\"')", it->key,
			  f->skip ? "skip" : "keep", f->skip ? "skip" : "keep");
		return;
	}
	bs_err_clear(&e);
	f->cond = cond_parse(v, &m->arena, &cols, &e);
	if (!f->cond) {
		bs_err_prefix(&e, "filter '%s'", it->key);
		mp_add_error(m, it->line, &e);
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
		mp_errorf(m, it->line, "[lookups] lines are 'Relationship__r = "
			  "ParentObject__c', not '%s = %s'", it->key, it->value);
		return;
	}
	if (mp_check_name(m, it->line, it->key, 1, "relationship", NULL) < 0 ||
	    mp_check_name(m, it->line, it->value, 0, "object", NULL) < 0)
		return;
	for (i = 0; i < m->nlookups; i++) {
		if (!strcasecmp(m->lookups[i].relationship, it->key)) {
			mp_errorf(m, it->line, "'%s' is listed twice in [lookups] "
				  "(first on line %lu)", it->key,
				  m->lookups[i].line);
			return;
		}
	}
	if (m->nlookups == MAPPING_MAX_LOOKUPS) {
		mp_errorf(m, it->line, "more than %d lookups", MAPPING_MAX_LOOKUPS);
		return;
	}
	l = &m->lookups[m->nlookups++];
	l->relationship = mp_dup(m, it->key);
	l->object = mp_dup(m, it->value);
	l->line = it->line;
	l->declared = 1;
}

static void delete_line(struct mapping *m, const struct ini_item *it)
{
	struct expr_columns cols = { mp_resolve_column, m };
	size_t ncolumns = m->ncolumns;
	struct bs_err e;

	bs_err_clear(&e);
	if (map_delete_line(&m->del, it, &m->arena, &cols, &e) < 0) {
		mp_add_error(m, it->line, &e);
		m->ncolumns = ncolumns;   /* not checked against the data */
	}
}

/* [schema] lines are kept as written: what they declare is checked by
 * sftype_check, which knows the Salesforce types. */
static void decl_line(struct mapping *m, const struct ini_item *it)
{
	struct map_decl *d;

	if (m->ndecls == MAPPING_MAX_DECLS) {
		mp_errorf(m, it->line, "more than %d [schema] lines",
			  MAPPING_MAX_DECLS);
		return;
	}
	d = &m->decls[m->ndecls];
	d->key = mp_dup(m, it->key);
	d->value = mp_dup(m, it->value);
	d->line = it->line;
	if (d->key && d->value)
		m->ndecls++;
}

int mapping_add_field(struct mapping *m, const char *target,
		      const char *expr, struct bs_err *err)
{
	struct expr_columns cols = { mp_resolve_column, m };
	struct map_field *f;
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!strcasecmp(m->fields[i].target, target))
			return bs_err_set(err, BS_E_CONFIG, "%s: %s is mapped "
					  "already", m->file, target);
	if (m->nfields == MAPPING_MAX_FIELDS)
		return bs_err_set(err, BS_E_CONFIG, "%s: more than %d fields",
				  m->file, MAPPING_MAX_FIELDS);
	f = &m->fields[m->nfields];
	memset(f, 0, sizeof(*f));
	f->target = mp_dup(m, target);
	m->cur_line = 0;
	f->expr = f->target ? expr_parse(expr, &m->arena, &cols, err) : NULL;
	if (!f->expr)
		return f->target ? -1 : bs_err_set(err, BS_E_NOMEM,
						   "out of memory");
	f->clear_nulls = m->clear_nulls;
	m->nfields++;
	return 0;
}

int mp_on_item(void *ctx, const struct ini_item *it, struct bs_err *err)
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
				mp_errorf(m, it->line, "unknown section '[%s]'; did "
					  "you mean '[%s]'?", it->section, hint);
			else
				mp_errorf(m, it->line, "unknown section '[%s]' "
					  "(sections: [object], [filter], [fields], "
					  "[lookups], [group], [aggregate], [delete], "
					  "[schema])",
					  it->section);
		}
		if (!strcmp(it->section, "object"))
			m->object_line = it->line;
		return 0;
	}
	if (!strcmp(it->section, "object"))
		mp_object_key(m, it);
	else if (!strcmp(it->section, "fields"))
		field_line(m, it);
	else if (!strcmp(it->section, "filter"))
		filter_line(m, it);
	else if (!strcmp(it->section, "lookups"))
		lookup_line(m, it);
	else if (!strcmp(it->section, "group"))
		mp_group_line(m, it, 0);
	else if (!strcmp(it->section, "aggregate"))
		mp_group_line(m, it, 1);
	else if (!strcmp(it->section, "delete"))
		delete_line(m, it);
	else if (!strcmp(it->section, "schema"))
		decl_line(m, it);
	else if (!it->section[0])
		mp_outside_key(m, it);
	return 0;
}
