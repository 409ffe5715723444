/* test_expr.c - data-driven tests of the expression language (etl/expr.h):
 * runs every case of every tests/expr/NAME.txt file (run from the
 * repository root) and prints one TAP line per case, named FILE:LINE.
 * tests/expr/README.md describes the format:
 *
 *     if CONDITION            a [filter] condition, or
 *     = EXPRESSION            a [fields] value expression
 *     @COLUMN=VALUE           the row's columns (others are null)
 *     EXPECTED                true / false for a condition, the value for
 *                             an expression; or %%FAIL part of the message
 *                             (the row is rejected), or %%CONFIG part of
 *                             the message (the text does not parse)
 *
 * VALUE is text as written, a "JSON string", %null, %number 9.1E8,
 * %bool true or %json {"a": 1}; an expected value may be text, a "JSON
 * string" or %null.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../etl/expr.h"
#include "../../formats/arena.h"

#define CASE_DIR "tests/expr"
#define MAX_FILES 32
#define MAX_LINE 4096
#define MAX_COLS 16
#define MAX_CASE_LINES 24

struct cols {
	char name[MAX_COLS][64];
	struct bs_value v[MAX_COLS];
	char text[MAX_COLS][512];
	size_t n;
};

static int resolve(void *ctx, const char *name, size_t *index,
		   struct bs_err *err)
{
	struct cols *c = ctx;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			break;
	if (i == c->n) {
		if (c->n == MAX_COLS)
			return bs_err_set(err, BS_E_CONFIG, "too many columns");
		snprintf(c->name[i], sizeof(c->name[0]), "%s", name);
		c->v[i].s = "";
		c->v[i].len = 0;
		c->v[i].kind = BS_V_NULL;
		c->n++;
	}
	*index = i;
	return 0;
}

static int hex4(const char *s, unsigned *out)
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

/* Decodes the JSON string literal s into out; its length, or -1. */
static long json_string(const char *s, char *out, size_t size)
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
		case '"': case '\\': case '/': out[o++] = *s; break;
		case 'u':
			if (hex4(s + 1, &cp) < 0)
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

/* Reads a VALUE into *v, its text in buf; 0 or -1. */
static int read_value(const char *line, struct bs_value *v, char *buf,
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
		if ((len = json_string(line, buf, size)) < 0)
			return -1;
		v->len = (size_t)len;
		return 0;
	}
	snprintf(buf, size, "%s", line);
	v->len = strlen(buf);
	return 0;
}

static void print_value(const char *label, const struct bs_value *v)
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

/* Checks that the error is of kind and holds want; 1 if so. */
static int error_is(const char *name, const struct bs_err *err,
		    enum bs_errkind kind, const char *want)
{
	if (err->kind == kind && strstr(err->msg, want))
		return 1;
	printf("#   %s: error (%s) \"%s\", want (%s) \"%s\"\n", name,
	       bs_errkind_name(err->kind), err->msg, bs_errkind_name(kind),
	       want);
	return 0;
}

/* One case: lines[0] is "if CONDITION" or "= EXPRESSION". */
static int run_case(const char *name, char lines[][MAX_LINE], size_t n,
		    struct arena *arena)
{
	static char want_buf[MAX_LINE];
	const char *text, *expect;
	struct expr_columns ec;
	struct expr *e = NULL;
	struct cond *c = NULL;
	struct bs_value out;
	struct bs_err err;
	struct cols cols;
	int is_cond, truth, rc, ok = 1;
	size_t k;

	memset(&cols, 0, sizeof(cols));
	bs_err_clear(&err);
	ec.resolve = resolve;
	ec.ctx = &cols;
	if (!strncmp(lines[0], "if ", 3)) {
		is_cond = 1;
		text = lines[0] + 3;
	} else if (!strncmp(lines[0], "= ", 2)) {
		is_cond = 0;
		text = lines[0] + 2;
	} else {
		printf("#   %s: a case starts with 'if ' or '= '\n", name);
		return 0;
	}
	if (n < 2) {
		printf("#   %s: malformed case\n", name);
		return 0;
	}
	expect = lines[n - 1];
	if (is_cond)
		c = cond_parse(text, arena, &ec, &err);
	else
		e = expr_parse(text, arena, &ec, &err);
	if (!strncmp(expect, "%%CONFIG ", 9)) {
		if (c || e) {
			printf("#   %s: expected a configuration error\n", name);
			ok = 0;
		} else {
			ok = error_is(name, &err, BS_E_CONFIG, expect + 9);
		}
		goto done;
	}
	if (!c && !e) {
		printf("#   %s: does not parse: %s\n", name, err.msg);
		ok = 0;
		goto done;
	}
	for (k = 1; k + 1 < n; k++) {
		char *eq = strchr(lines[k], '=');
		size_t idx;

		if (lines[k][0] != '@' || !eq) {
			printf("#   %s: expected @COLUMN=VALUE: %s\n", name,
			       lines[k]);
			ok = 0;
			goto done;
		}
		*eq = '\0';
		if (resolve(&cols, lines[k] + 1, &idx, &err) < 0 ||
		    read_value(eq + 1, &cols.v[idx], cols.text[idx],
			       sizeof(cols.text[0])) < 0) {
			printf("#   %s: bad value: %s\n", name, eq + 1);
			ok = 0;
			goto done;
		}
	}
	if (is_cond)
		rc = cond_eval(c, cols.v, arena, &truth, &err);
	else
		rc = expr_eval(e, cols.v, arena, &out, &err);
	if (!strncmp(expect, "%%FAIL ", 7)) {
		if (rc == 0) {
			printf("#   %s: expected the row to be rejected\n", name);
			ok = 0;
		} else {
			ok = error_is(name, &err, BS_E_ROW, expect + 7);
		}
		goto done;
	}
	if (rc < 0) {
		printf("#   %s: unexpected error: %s\n", name, err.msg);
		ok = 0;
		goto done;
	}
	if (is_cond) {
		if (strcmp(expect, "true") && strcmp(expect, "false")) {
			printf("#   %s: a condition expects true or false\n",
			       name);
			ok = 0;
		} else if (truth != !strcmp(expect, "true")) {
			printf("#   %s: got %s, want %s\n", name,
			       truth ? "true" : "false", expect);
			ok = 0;
		}
		goto done;
	}
	{
		struct bs_value w;

		if (read_value(expect, &w, want_buf, sizeof(want_buf)) < 0) {
			printf("#   %s: malformed expected value\n", name);
			ok = 0;
		} else if ((w.kind == BS_V_NULL) != (out.kind == BS_V_NULL) ||
			   out.len != w.len || memcmp(out.s, w.s, w.len) ||
			   out.s[out.len]) {
			print_value("got", &out);
			print_value("want", &w);
			ok = 0;
		}
	}
done:
	cond_free(c);
	expr_free(e);
	arena_reset(arena);
	return ok;
}

static void run_file(const char *path, struct arena *arena)
{
	static char lines[MAX_CASE_LINES][MAX_LINE];
	char line[MAX_LINE], name[600];
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
				ok = n <= MAX_CASE_LINES &&
				     run_case(name, lines, n, arena);
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
		if (n < MAX_CASE_LINES)
			snprintf(lines[n], MAX_LINE, "%s", line);
		n++;
	}
	fclose(f);
}

/* expr_is_column / expr_is_constant tell plain terms from the rest. */
static void test_shape(void)
{
	struct cols cols;
	struct expr_columns ec = { resolve, &cols };
	struct arena a;
	struct bs_err err;
	struct expr *e;
	const char *v;
	size_t idx;

	memset(&cols, 0, sizeof(cols));
	arena_init(&a, 1024);
	e = expr_parse("b", &a, &ec, &err);
	CHECK(e && expr_is_column(e, &idx) && idx == 0);
	expr_free(e);
	e = expr_parse("\"x\"", &a, &ec, &err);
	CHECK(e && expr_is_constant(e, &v) && !strcmp(v, "x"));
	CHECK(e && !expr_is_column(e, &idx));
	expr_free(e);
	e = expr_parse("concat(b, \"x\")", &a, &ec, &err);
	CHECK(e && !expr_is_column(e, &idx) && !expr_is_constant(e, &v));
	expr_free(e);
	arena_release(&a);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *files[MAX_FILES];
	size_t n = 0, i;
	struct dirent *de;
	struct arena arena;
	DIR *d = opendir(CASE_DIR);

	if (!d) {
		printf("not ok 1 - cannot open %s (run from the repository "
		       "root)\n", CASE_DIR);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < MAX_FILES) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".txt")) {
			files[n] = malloc(sizeof(CASE_DIR) + len + 1);
			if (!files[n])
				break;
			snprintf(files[n], sizeof(CASE_DIR) + len + 1, "%s/%s",
				 CASE_DIR, de->d_name);
			n++;
		}
	}
	closedir(d);
	if (!n) {
		printf("not ok 1 - no case files in %s\n", CASE_DIR);
		return 1;
	}
	qsort(files, n, sizeof(files[0]), cmp_str);
	RUN(test_shape);
	arena_init(&arena, 4096);
	for (i = 0; i < n; i++) {
		run_file(files[i], &arena);
		free(files[i]);
	}
	arena_release(&arena);
	return tap_done();
}
