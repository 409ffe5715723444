/* bs_err.c - filling and formatting the one error value (see bs_err.h). */
#include "bs_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void bs_err_clear(struct bs_err *err)
{
	if (!err)
		return;
	err->kind = BS_E_NONE;
	err->file[0] = '\0';
	err->line = 0;
	err->field[0] = '\0';
	err->msg[0] = '\0';
}

static void setv(struct bs_err *err, enum bs_errkind kind, const char *fmt,
		 va_list ap) BS_PRINTF(3, 0);

static void setv(struct bs_err *err, enum bs_errkind kind, const char *fmt,
		 va_list ap)
{
	bs_err_clear(err);
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int bs_err_set(struct bs_err *err, enum bs_errkind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	setv(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int bs_err_at(struct bs_err *err, enum bs_errkind kind, const char *file,
	      unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	setv(err, kind, fmt, ap);
	va_end(ap);
	bs_err_locate(err, file, line);
	return -1;
}

void bs_err_locate(struct bs_err *err, const char *file, unsigned long line)
{
	if (!err)
		return;
	if (file)
		copy_str(err->file, sizeof(err->file), file);
	err->line = line;
}

void bs_err_field(struct bs_err *err, const char *field)
{
	if (err && field)
		copy_str(err->field, sizeof(err->field), field);
}

void bs_err_prefix(struct bs_err *err, const char *fmt, ...)
{
	char head[BS_ERR_MSG_MAX], old[BS_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	copy_str(old, sizeof(old), err->msg);
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old) < 0)
		copy_str(err->msg, sizeof(err->msg), old);
}

size_t bs_err_format(const struct bs_err *err, char *buf, size_t size)
{
	char loc[BS_ERR_FILE_MAX + 32] = "";
	char fld[BS_ERR_FIELD_MAX + 16] = "";
	int n = 0;

	if (err->file[0] && err->line)
		n = snprintf(loc, sizeof(loc), "%s:%lu: ", err->file, err->line);
	else if (err->file[0])
		n = snprintf(loc, sizeof(loc), "%s: ", err->file);
	if (err->field[0])
		n = snprintf(fld, sizeof(fld), "field '%s': ", err->field);
	(void)n;
	n = snprintf(buf, size, "%s%s%s", loc, fld,
		     err->msg[0] ? err->msg : bs_errkind_name(err->kind));
	return n < 0 ? 0 : (size_t)n;
}

const char *bs_errkind_name(enum bs_errkind kind)
{
	switch (kind) {
	case BS_E_NONE: return "no error";
	case BS_E_USAGE: return "usage error";
	case BS_E_CONFIG: return "configuration error";
	case BS_E_INPUT: return "input error";
	case BS_E_ROW: return "rejected row";
	case BS_E_IO: return "file error";
	case BS_E_REMOTE: return "salesforce error";
	case BS_E_NETWORK: return "network error";
	case BS_E_LIMIT: return "salesforce allocation used up";
	case BS_E_LOCKED: return "state directory locked";
	case BS_E_NOMEM: return "out of memory";
	case BS_E_INTERNAL: return "internal error";
	}
	return "unknown error";
}

void bs_errlist_init(struct bs_errlist *l)
{
	l->v = NULL;
	l->n = l->alloc = l->dropped = 0;
	l->nomem = 0;
}

void bs_errlist_release(struct bs_errlist *l)
{
	free(l->v);
	bs_errlist_init(l);
}

void bs_errlist_add(struct bs_errlist *l, const struct bs_err *err)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		struct bs_err *v;

		if (na > BS_ERRLIST_MAX)
			na = BS_ERRLIST_MAX;
		v = na > l->alloc ? realloc(l->v, na * sizeof(*v)) : NULL;
		if (!v) {
			l->nomem |= na > l->alloc;
			l->dropped++;
			return;
		}
		l->v = v;
		l->alloc = na;
	}
	l->v[l->n++] = *err;
}
