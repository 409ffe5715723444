/*
 * casefile.h - what the data-driven unit tests (test_convert.c,
 * test_expr.c) share: case files made of blocks separated by blank lines
 * ('#' lines between blocks are comments), each block one TAP test named
 * FILE:LINE; and values written as text, a "JSON string" (so that white
 * space, escapes and empty text can be seen), %null, %number 1.5e-7,
 * %bool true or %json {"a": 1}.
 *
 * Static functions, like tap.h: a test program includes it once.
 */
#ifndef CASEFILE_H
#define CASEFILE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "formats/rowsrc.h"

#define CASE_MAX_LINE 4096     /* bytes in a line of a case file */
#define CASE_MAX_LINES 24      /* lines in one block */
#define CASE_MAX_FILES 64      /* case files in a folder */

/* Runs one block (lines[0..n-1], without line ends); 1 if it passed.
 * name is FILE:LINE, for the messages it prints as "#" lines. */
typedef int (*case_fn)(const char *name, char lines[][CASE_MAX_LINE],
		       size_t n, void *ctx);

static int case_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Decodes the JSON string literal s (all of it) into out; its length, or
 * -1. */
static long case_json_string(const char *s, char *out, size_t size)
{
	size_t o = 0;
	unsigned cp;

	if (*s++ != '"')
		return -1;
	while (*s && *s != '"') {
		if (o + 5 >= size)
			return -1;
		if (*s != '\\') {
			out[o++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case '"': case '\\': case '/': out[o++] = *s; break;
		case 'u':
			if (case_hex4(s + 1, &cp) < 0)
				return -1;
			s += 4;
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xC0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char)(0xE0 | cp >> 12);
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		default:
			return -1;
		}
		s++;
	}
	if (*s != '"' || s[1])
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* Reads a written value into *v, its text in buf; 0 or -1. */
static int case_read_value(const char *line, struct bs_value *v, char *buf,
			   size_t size)
{
	static const struct {
		const char *prefix;
		enum bs_vkind kind;
	} kinds[] = {
		{ "%number ", BS_V_NUMBER }, { "%bool ", BS_V_BOOL },
		{ "%json ", BS_V_JSON },
	};
	size_t i, n;
	long len;

	if (!strcmp(line, "%null")) {
		v->s = "";
		v->len = 0;
		v->kind = BS_V_NULL;
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].prefix);
		if (!strncmp(line, kinds[i].prefix, n)) {
			snprintf(buf, size, "%s", line + n);
			v->s = buf;
			v->len = strlen(buf);
			v->kind = kinds[i].kind;
			return 0;
		}
	}
	v->kind = BS_V_TEXT;
	v->s = buf;
	if (line[0] == '"') {
		if ((len = case_json_string(line, buf, size)) < 0)
			return -1;
		v->len = (size_t)len;
		return 0;
	}
	snprintf(buf, size, "%s", line);
	v->len = strlen(buf);
	return 0;
}

/* Prints "#     label: VALUE" with the value as a JSON string or %null. */
static void case_print_value(const char *label, const struct bs_value *v)
{
	size_t i;

	printf("#     %s: ", label);
	if (v->kind == BS_V_NULL) {
		printf("%%null\n");
		return;
	}
	putchar('"');
	for (i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

/* Runs every block of the case file at path through fn, one TAP line
 * each; a block longer than CASE_MAX_LINES fails. */
static void case_run_file(const char *path, case_fn fn, void *ctx)
{
	static char lines[CASE_MAX_LINES][CASE_MAX_LINE];
	char line[CASE_MAX_LINE], name[600];
	unsigned long lineno = 0, start = 0;
	size_t n = 0, len;
	FILE *f = fopen(path, "r");
	int eof = 0, ok;

	if (!f) {
		printf("not ok %d - cannot open %s\n", ++tap.n, path);
		tap.failed++;
		return;
	}
	while (!eof) {
		if (!fgets(line, sizeof(line), f)) {
			eof = 1;
			line[0] = '\0';
		} else {
			lineno++;
		}
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0) {
			if (n) {
				snprintf(name, sizeof(name), "%s:%lu", path,
					 start);
				ok = n <= CASE_MAX_LINES &&
				     fn(name, lines, n, ctx);
				tap.n++;
				if (!ok)
					tap.failed++;
				printf("%sok %d - %s\n", ok ? "" : "not ", tap.n,
				       name);
			}
			n = 0;
			continue;
		}
		if (n == 0 && line[0] == '#')
			continue;
		if (n == 0)
			start = lineno;
		if (n < CASE_MAX_LINES)
			snprintf(lines[n], CASE_MAX_LINE, "%s", line);
		n++;
	}
	fclose(f);
}

static int case_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every DIR/NAME.txt in name order (run from the repository root);
 * 0, or -1 (with a "not ok" line) when there is none. */
static int case_run_dir(const char *dir, case_fn fn, void *ctx)
{
	char *files[CASE_MAX_FILES];
	size_t n = 0, i, dlen = strlen(dir);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)) != NULL && n < CASE_MAX_FILES) {
			size_t len = strlen(de->d_name);

			if (len <= 4 || strcmp(de->d_name + len - 4, ".txt"))
				continue;
			files[n] = malloc(dlen + len + 2);
			if (!files[n])
				break;
			snprintf(files[n], dlen + len + 2, "%s/%s", dir,
				 de->d_name);
			n++;
		}
		closedir(d);
	}
	if (!n) {
		printf("not ok %d - no case files in %s (run from the "
		       "repository root)\n", ++tap.n, dir);
		tap.failed++;
		return -1;
	}
	qsort(files, n, sizeof(files[0]), case_cmp_str);
	for (i = 0; i < n; i++) {
		case_run_file(files[i], fn, ctx);
		free(files[i]);
	}
	return 0;
}

#endif
