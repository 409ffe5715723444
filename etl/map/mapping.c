/* mapping.c - loading one mapping file, its errors and its accessors (see
 * mapping.h, mapping_int.h and docs/mappings.md). */
#include "mapping_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"

/* ---- errors ----------------------------------------------------------- */

void mp_add_error(struct mapping *m, unsigned long line,
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

void mp_errorf(struct mapping *m, unsigned long line, const char *fmt,
	       ...)
{
	struct bs_err e;
	va_list ap;

	bs_err_clear(&e);
	e.kind = BS_E_CONFIG;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	mp_add_error(m, line, &e);
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
	m->row_key = -1;
	m->keep_values = -1;
	m->file = mp_dup(m, name);
	if (!m->file) {
		mapping_free(m);
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(errs, &e);
		return NULL;
	}
	m->nerrs += ini_parse_buf_all(name, text, strlen(text), mp_on_item, m, errs);
	mp_check_whole(m);
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

void mapping_vmistake(struct bs_errlist *errs, const struct mapping *m,
		      unsigned long line, const char *field, const char *fmt,
		      va_list ap)
{
	struct bs_err e;

	bs_err_clear(&e);
	e.kind = BS_E_CONFIG;
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	bs_err_locate(&e, mapping_file(m), line);
	if (field)
		bs_err_field(&e, field);
	bs_errlist_add(errs, &e);
}

void mapping_mistake(struct bs_errlist *errs, const struct mapping *m,
		     unsigned long line, const char *field, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	mapping_vmistake(errs, m, line, field, fmt, ap);
	va_end(ap);
}

unsigned long mapping_key_line(const struct mapping *m, const char *key)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(key, mp_object_keys[i]))
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
	for (i = 0; i < m->nkeys; i++)
		expr_free(m->keys[i].expr);
	for (i = 0; i < m->naggs; i++)
		expr_free(m->aggs[i].expr);
	if (!m->del_filter)
		cond_free(m->del.when.cond);
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
int mapping_keep_values(const struct mapping *m)
{
	return m->keep_values >= 0 ? m->keep_values : !m->watermark;
}
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


size_t mapping_fields(const struct mapping *m, const struct map_field **f)
{
	*f = m->fields;
	return m->nfields;
}

const struct map_delete *mapping_delete(const struct mapping *m)
{
	return &m->del;
}

size_t mapping_filters(const struct mapping *m, const struct map_filter **f)
{
	*f = m->filters;
	return m->nfilters;
}

size_t mapping_decls(const struct mapping *m, const struct map_decl **d)
{
	*d = m->decls;
	return m->ndecls;
}

const char *mapping_currency_column(const struct mapping *m)
{
	return m->currency;
}

const char *mapping_description(const struct mapping *m)
{
	return m->description;
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

const char *mapping_lookup_object(const struct mapping *m, const char *rel)
{
	const struct map_lookup *l;
	size_t n = mapping_lookups(m, &l), i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].relationship, rel))
			return l[i].object;
	return NULL;
}

void mapping_column_written(const char *name, char *buf, size_t size)
{
	const char *s = name;
	size_t n = 0;
	int bare = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		   *s == '_';

	for (; bare && *s; s++)
		bare = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		       (*s >= '0' && *s <= '9') || *s == '_' || *s == '.';
	if (bare) {
		snprintf(buf, size, "%s", name);
		return;
	}
	if (size < 16) {
		if (size)
			buf[0] = '\0';
		return;
	}
	memcpy(buf, "col(\"", 5);
	n = 5;
	for (s = name; *s && n + 5 < size; s++) {
		if (*s == '"' || *s == '\\')
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	memcpy(buf + n, "\")", 3);
}
