/* mapping.c - loading, checking and applying one mapping file (see
 * mapping.h and docs/mappings.md). */
#include "mapping.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/ini.h"
#include "../formats/strsim.h"
#include "expr.h"

#define MAPPING_MAX_FIELDS 800
#define MAPPING_MAX_FILTERS 100
#define MAPPING_MAX_COLUMNS 1000
#define MAPPING_MAX_LOOKUPS 100

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct mapping {
	struct arena arena;            /* everything below lives here */
	const char *file;
	const char *object, *source, *key_field, *since;
	enum map_op op;
	int clear_nulls;               /* [object] nulls = clear */
	unsigned long object_line;     /* line of [object], for missing keys */
	unsigned long key_line;

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

	/* names listed in clear_nulls / keep_nulls / group_by, checked last */
	const char *null_lists[2];
	unsigned long null_lines[2];
	const char *group_by;
	unsigned long group_line;
	long group_field;
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

/* A Salesforce API name: parts separated by "__", each of letters,
 * digits and single inner underscores, the first starting with a letter:
 * `Name`, `OrbId__c`, `ns__Field__c`.  With two or three parts the last is
 * a suffix: c (or r for a relationship when rel is set), or one of the
 * object suffixes x, mdt, e, b. */
static int api_name_ok(const char *s, int rel)
{
	static const char *const suffixes[] = { "c", "x", "mdt", "e", "b" };
	const char *part = s, *end;
	size_t nparts = 0, i, len;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (;;) {
		end = strstr(part, "__");
		len = end ? (size_t)(end - part) : strlen(part);
		if (!len || part[0] == '_' || part[len - 1] == '_')
			return 0;
		for (i = 0; i < len; i++)
			if (!((part[i] >= 'A' && part[i] <= 'Z') ||
			      (part[i] >= 'a' && part[i] <= 'z') ||
			      (part[i] >= '0' && part[i] <= '9') ||
			      part[i] == '_'))
				return 0;
		nparts++;
		if (!end)
			break;
		part = end + 2;
	}
	if (nparts == 1)
		return 1;
	if (nparts > 3)
		return 0;
	if (rel && !strcmp(part, "r"))
		return 1;
	for (i = 0; i < NELEM(suffixes); i++)
		if (!strcmp(part, suffixes[i]))
			return nparts == 2 || i == 0;
	return 0;
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

static const char *const object_keys[] = {
	"name", "source", "operation", "external_id", "nulls", "clear_nulls",
	"keep_nulls", "group_by", "since", "description"
};
static const char *const section_names[] = {
	"object", "filter", "fields", "lookups"
};

static const char *dup(struct mapping *m, const char *s)
{
	return arena_strdup(&m->arena, s);
}

static void set_once(struct mapping *m, const struct ini_item *it,
		     const char **slot)
{
	if (*slot) {
		errorf(m, it->line, "'%s' is set twice in [object]", it->key);
		return;
	}
	*slot = dup(m, it->value);
}

static void object_key(struct mapping *m, const struct ini_item *it)
{
	const char *k = it->key, *v = it->value, *hint;

	if (!strcmp(k, "name")) {
		if (!api_name_ok(v, 0))
			errorf(m, it->line, "'%s' is not a Salesforce object API "
			       "name (e.g. OrbInvoice__c)", v);
		set_once(m, it, &m->object);
	} else if (!strcmp(k, "source")) {
		if (!dataset_name_ok(v))
			errorf(m, it->line, "'%s' is not a dataset name (lower "
			       "case letters, digits, '_' or '-')", v);
		set_once(m, it, &m->source);
	} else if (!strcmp(k, "operation")) {
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
	} else if (!strcmp(k, "external_id")) {
		if (!api_name_ok(v, 0) || strchr(v, '.'))
			errorf(m, it->line, "'%s' is not a field API name", v);
		set_once(m, it, &m->key_field);
		m->key_line = it->line;
	} else if (!strcmp(k, "nulls")) {
		if (!strcmp(v, "clear"))
			m->clear_nulls = 1;
		else if (strcmp(v, "keep"))
			errorf(m, it->line, "nulls must be 'keep' (an empty "
			       "cell leaves Salesforce's value) or 'clear' "
			       "(#N/A empties it), not '%s'", v);
	} else if (!strcmp(k, "clear_nulls") || !strcmp(k, "keep_nulls")) {
		int which = k[0] == 'c' ? 0 : 1;

		m->null_lists[which] = dup(m, v);
		m->null_lines[which] = it->line;
	} else if (!strcmp(k, "group_by")) {
		m->group_by = dup(m, v);
		m->group_line = it->line;
	} else if (!strcmp(k, "since")) {
		size_t idx;
		struct bs_err e;

		if (resolve_column(m, v, &idx, &e) < 0)
			add_error(m, it->line, &e);
		set_once(m, it, &m->since);
	} else if (strcmp(k, "description")) {
		hint = strsim_closest(k, object_keys, NELEM(object_keys));
		if (hint)
			errorf(m, it->line, "unknown key '%s' in [object]; did "
			       "you mean '%s'?", k, hint);
		else
			errorf(m, it->line, "unknown key '%s' in [object] "
			       "(keys: name, source, operation, external_id, "
			       "nulls, clear_nulls, keep_nulls, group_by, since, "
			       "description)", k);
	}
}

static int field_target(struct mapping *m, const struct ini_item *it,
			struct map_field *f)
{
	const char *dot = strchr(it->key, '.');
	char *rel;

	f->target = dup(m, it->key);
	if (!dot) {
		if (!api_name_ok(it->key, 0)) {
			errorf(m, it->line, "'%s' is not a Salesforce field API "
			       "name", it->key);
			return -1;
		}
		return 0;
	}
	rel = arena_strndup(&m->arena, it->key, (size_t)(dot - it->key));
	if (!rel || !api_name_ok(rel, 1) || strchr(dot + 1, '.') ||
	    !api_name_ok(dot + 1, 0) ||
	    (strlen(rel) > 3 && !strcmp(rel + strlen(rel) - 3, "__c"))) {
		errorf(m, it->line, "'%s' is not a lookup: write "
		       "Relationship__r.ExternalIdField__c (a custom lookup "
		       "ends in __r, not __c)", it->key);
		return -1;
	}
	f->relationship = rel;
	f->parent_field = dup(m, dot + 1);
	return 0;
}

static void field_line(struct mapping *m, const struct ini_item *it)
{
	struct expr_columns cols = { resolve_column, m };
	struct map_field *f;
	struct bs_err e;
	size_t i;

	for (i = 0; i < m->nfields; i++) {
		if (!strcmp(m->fields[i].target, it->key)) {
			errorf(m, it->line, "field '%s' is mapped twice (first "
			       "on line %lu)", it->key, m->fields[i].line);
			return;
		}
	}
	if (m->nfields == MAPPING_MAX_FIELDS) {
		errorf(m, it->line, "more than %d fields", MAPPING_MAX_FIELDS);
		return;
	}
	f = &m->fields[m->nfields];
	memset(f, 0, sizeof(*f));
	f->line = it->line;
	if (field_target(m, it, f) < 0)
		return;
	bs_err_clear(&e);
	f->expr = expr_parse(it->value, &m->arena, &cols, &e);
	if (!f->expr) {
		bs_err_field(&e, it->key);
		add_error(m, it->line, &e);
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
	size_t i;

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
	if (!strncmp(v, "skip if ", 8)) {
		f->skip = 1;
		v += 8;
	} else if (!strncmp(v, "keep if ", 8)) {
		f->skip = 0;
		v += 8;
	} else {
		errorf(m, it->line, "filter '%s' must start with 'skip if' or "
		       "'keep if'", it->key);
		return;
	}
	bs_err_clear(&e);
	f->cond = cond_parse(v, &m->arena, &cols, &e);
	if (!f->cond) {
		bs_err_prefix(&e, "filter '%s'", it->key);
		add_error(m, it->line, &e);
		return;
	}
	m->nfilters++;
}

static void lookup_line(struct mapping *m, const struct ini_item *it)
{
	struct map_lookup *l;

	if (!api_name_ok(it->key, 1) || !api_name_ok(it->value, 0)) {
		errorf(m, it->line, "[lookups] lines are 'Relationship__r = "
		       "ParentObject__c'");
		return;
	}
	if (m->nlookups == MAPPING_MAX_LOOKUPS) {
		errorf(m, it->line, "too many lookups");
		return;
	}
	l = &m->lookups[m->nlookups++];
	l->relationship = dup(m, it->key);
	l->object = dup(m, it->value);
	l->line = it->line;
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
		errorf(m, it->line, "'%s' is outside any section (start with "
		       "[object])", it->key);
	return 0;
}

/* ---- checks after parsing --------------------------------------------- */

static long field_index(const struct mapping *m, const char *target)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!strcmp(m->fields[i].target, target))
			return (long)i;
	return -1;
}

static void field_hint(struct mapping *m, unsigned long line,
		       const char *what, const char *name)
{
	const char *names[MAPPING_MAX_FIELDS];
	const char *hint;
	size_t i;

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
			if (!strcmp(m->lookups[j].relationship, rel))
				break;
		if (j < m->nlookups || m->nlookups == MAPPING_MAX_LOOKUPS)
			continue;
		len = strlen(rel);
		obj = arena_strdup(&m->arena, rel);
		if (!obj)
			continue;
		if (len > 3 && !strcmp(rel + len - 3, "__r"))
			obj[len - 1] = 'c';        /* Foo__r -> Foo__c */
		m->lookups[m->nlookups].relationship = rel;
		m->lookups[m->nlookups].object = obj;
		m->lookups[m->nlookups].line = m->fields[i].line;
		m->nlookups++;
	}
	for (j = 0; j < m->nlookups; j++) {
		for (i = 0; i < m->nfields; i++)
			if (m->fields[i].relationship &&
			    !strcmp(m->fields[i].relationship,
				    m->lookups[j].relationship))
				break;
		if (i == m->nfields)
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
	if (!m->object)
		errorf(m, at, "[object] needs 'name = ObjectApiName__c'");
	if (!m->source)
		errorf(m, at, "[object] needs 'source = DATASET' (e.g. invoices)");
	if (!m->nfields)
		errorf(m, at, "no [fields]: map at least one field");
	apply_null_lists(m);
	derive_lookups(m);

	m->key_index = -1;
	switch (m->op) {
	case MAP_UPSERT:
		if (!m->key_field) {
			errorf(m, at, "upsert needs 'external_id = FIELD' in "
			       "[object] (the External ID field, e.g. OrbId__c)");
			break;
		}
		m->key_index = field_index(m, m->key_field);
		if (m->key_index < 0 && m->nfields)
			field_hint(m, m->key_line, "external_id",
				   m->key_field);
		break;
	case MAP_UPDATE:
	case MAP_DELETE:
		if (m->key_field)
			errorf(m, m->key_line, "external_id is only for upsert; "
			       "%s matches records by 'Id'",
			       mapping_op_name(m->op));
		m->key_field = "Id";
		m->key_index = field_index(m, "Id");
		if (m->key_index < 0)
			errorf(m, at, "%s needs an 'Id' field (the Salesforce "
			       "record id)", mapping_op_name(m->op));
		if (m->op == MAP_DELETE && m->nfields > 1)
			errorf(m, at, "delete takes only the 'Id' field");
		break;
	case MAP_INSERT:
		if (m->key_field)
			errorf(m, m->key_line, "external_id is only for upsert");
		break;
	}
	if (m->key_index >= 0) {
		/* the key is never cleared: an empty key rejects the row */
		m->fields[m->key_index].clear_nulls = 0;
		if (m->fields[m->key_index].relationship)
			errorf(m, m->fields[m->key_index].line,
			       "the key field cannot be a lookup");
	}

	m->group_field = -1;
	if (m->group_by && strcmp(m->group_by, "none")) {
		k = field_index(m, m->group_by);
		if (k < 0)
			field_hint(m, m->group_line, "group_by", m->group_by);
		else
			m->group_field = k;
	} else if (!m->group_by) {
		for (i = 0; i < m->nfields; i++) {
			if (m->fields[i].relationship) {
				m->group_field = (long)i;
				break;
			}
		}
	}
}

/* ---- load ------------------------------------------------------------- */

struct mapping *mapping_load_text(const char *name, const char *text,
				  struct bs_errlist *errs)
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
		return NULL;
	}
	m->nerrs += ini_parse_buf_all(name, text, strlen(text), on_item, m, errs);
	check_whole(m);
	m->errs = NULL;
	if (m->nerrs) {
		mapping_free(m);
		return NULL;
	}
	return m;
}

struct mapping *mapping_load(const char *path, struct bs_errlist *errs)
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
	m = mapping_load_text(path, text, errs);
	free(text);
	return m;
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
enum map_op mapping_op(const struct mapping *m) { return m->op; }
const char *mapping_since_column(const struct mapping *m) { return m->since; }
long mapping_group_field(const struct mapping *m) { return m->group_field; }
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
