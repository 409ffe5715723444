/* ini.c - line reader for INI-style configuration and mapping files. */
#include "ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	return s;
}

/* Cuts a comment off: # or ; at the start or after white space, outside
 * double quotes (a doubled "" inside quotes is an escaped quote). */
static void strip_comment(char *s)
{
	int quoted = 0;
	char *p;

	for (p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '#' || *p == ';') &&
			 (p == s || is_space(p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int parse_line(const char *name, unsigned long lineno, char *line,
		      struct sbuf *section, ini_fn fn, void *ctx,
		      struct bs_err *err)
{
	struct ini_item it = { name, lineno, NULL, NULL, NULL };
	char *s, *eq, *end;

	strip_comment(line);
	s = trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != '\0')
			return bs_err_at(err, BS_E_CONFIG, name, lineno,
					 "section header must be '[name]'");
		*end = '\0';
		s = trim(s + 1);
		if (!*s)
			return bs_err_at(err, BS_E_CONFIG, name, lineno,
					 "empty section name");
		sbuf_reset(section);
		if (sbuf_adds(section, s) < 0)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		it.section = section->buf;
		return fn(ctx, &it, err);
	}
	eq = strchr(s, '=');
	if (!eq)
		return bs_err_at(err, BS_E_CONFIG, name, lineno,
				 "expected 'key = value' or '[section]', found '%.60s'",
				 s);
	*eq = '\0';
	it.key = trim(s);
	it.value = trim(eq + 1);
	if (!*it.key)
		return bs_err_at(err, BS_E_CONFIG, name, lineno,
				 "missing key before '='");
	it.section = section->buf;
	return fn(ctx, &it, err);
}

/* Parses line by line; with errs, syntax errors are collected and parsing
 * goes on, otherwise the first error stops it. */
static int parse_text(const char *name, const char *text, size_t len,
		      ini_fn fn, void *ctx, struct bs_err *err,
		      struct bs_errlist *errs)
{
	struct sbuf section, line;
	unsigned long lineno = 0;
	size_t pos = 0, n, nerr = 0;
	const char *nl;
	struct bs_err e;
	int r = 0;

	sbuf_init(&section, 4096);
	sbuf_init(&line, INI_MAX_LINE);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *start = text + pos;

		lineno++;
		nl = memchr(start, '\n', len - pos);
		n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		bs_err_clear(&e);
		sbuf_reset(&line);
		if (memchr(start, '\0', n))
			r = bs_err_at(&e, BS_E_CONFIG, name, lineno,
				      "NUL byte in text");
		else if (n > INI_MAX_LINE)
			r = bs_err_at(&e, BS_E_CONFIG, name, lineno,
				      "line longer than %d bytes", INI_MAX_LINE);
		else if (sbuf_add(&line, start, n) < 0)
			r = bs_err_set(&e, BS_E_NOMEM, "out of memory");
		else
			r = parse_line(name, lineno, line.buf, &section, fn,
				       ctx, &e);
		if (r == 0)
			continue;
		if (!errs) {
			if (err)
				*err = e;
			break;
		}
		bs_errlist_add(errs, &e);
		nerr++;
		/* a syntax error is the line's; a callback's stop is final */
		if (e.kind != BS_E_CONFIG || e.line != lineno)
			break;
		r = 0;
	}
	sbuf_release(&section);
	sbuf_release(&line);
	return errs ? (int)nerr : r;
}

int ini_parse_buf(const char *name, const char *text, size_t len, ini_fn fn,
		  void *ctx, struct bs_err *err)
{
	return parse_text(name, text, len, fn, ctx, err, NULL);
}

size_t ini_parse_buf_all(const char *name, const char *text, size_t len,
			 ini_fn fn, void *ctx, struct bs_errlist *errs)
{
	return (size_t)parse_text(name, text, len, fn, ctx, NULL, errs);
}

int ini_read_file(const char *path, char **text, size_t *len,
		  struct bs_err *err)
{
	struct sbuf sb;
	char buf[8192];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot open: %s",
				 strerror(errno));
	sbuf_init(&sb, INI_MAX_FILE);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		int big = sb.len + n > INI_MAX_FILE;

		if (big || sbuf_add(&sb, buf, n) < 0) {
			fclose(f);
			sbuf_release(&sb);
			if (!big)
				return bs_err_set(err, BS_E_NOMEM, "out of memory");
			return bs_err_at(err, BS_E_CONFIG, path, 0,
					 "file larger than %d bytes", INI_MAX_FILE);
		}
	}
	if (ferror(f)) {
		fclose(f);
		sbuf_release(&sb);
		return bs_err_at(err, BS_E_IO, path, 0, "read error");
	}
	fclose(f);
	*text = sbuf_detach(&sb, len);
	return 0;
}

int ini_parse_file(const char *path, ini_fn fn, void *ctx, struct bs_err *err)
{
	char *text;
	size_t len;
	int r;

	if (ini_read_file(path, &text, &len, err) < 0)
		return -1;
	r = ini_parse_buf(path, text, len, fn, ctx, err);
	free(text);
	return r;
}
