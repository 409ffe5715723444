/* test_convert.c - data-driven converter tests: runs every case of every
 * tests/convert/NAME.txt file (run from the repository root) and prints one
 * TAP line per case, named FILE:LINE.
 *
 * A file is blocks separated by blank lines; '#' lines between blocks are
 * comments.  A block is
 *
 *     CHAIN                 e.g. decimal(2) or trim | truncate(3)
 *     @COLUMN=VALUE         other columns of the row (money), optional
 *     INPUT
 *     EXPECTED
 *
 * or, for a mistake caught when the mapping is loaded, just
 *
 *     CHAIN
 *     %%CONFIG part of the message
 *
 * INPUT is text as written, or "a JSON string" (so white space, escapes
 * and empty text can be seen), or %null, %number 1.5e-7, %bool true,
 * %json {"a": 1} for the other kinds of source value.
 * EXPECTED is text as written, a "JSON string", %null, or
 * %%FAIL part of the message (the row is rejected).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../etl/convert.h"
#include "../../etl/jtext.h"
#include "../../formats/arena.h"

#define CASE_DIR "tests/convert"
#define MAX_FILES 64
#define MAX_LINE 4096
#define MAX_CHAIN 8
#define MAX_ARGS 64
#define MAX_COLS 8

struct cols {
	char name[MAX_COLS][64];
	struct bs_value v[MAX_COLS];
	char text[MAX_COLS][256];
	size_t n;
};

static int need_col(void *ctx, const char *column, size_t *index,
		    struct bs_err *err)
{
	struct cols *c = ctx;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], column) == 0)
			break;
	if (i == c->n) {
		if (c->n == MAX_COLS)
			return bs_err_set(err, BS_E_CONFIG, "too many columns");
		snprintf(c->name[c->n], sizeof(c->name[0]), "%s", column);
		c->v[c->n].s = "";
		c->v[c->n].len = 0;
		c->v[c->n].kind = BS_V_NULL;
		c->n++;
	}
	*index = i;
	return 0;
}

static const struct bs_value *get_col(void *ctx, size_t index)
{
	struct cols *c = ctx;

	return index < c->n ? &c->v[index] : NULL;
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

/* Decodes a JSON string literal at s (starting with '"') into out; the
 * length, or -1. */
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
		case 'r': out[o++] = '\r'; break;
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

/* Splits "name(a, k=v, "q")" into a converter name and arguments, in
 * place; 0 or -1. */
static int parse_call(char *s, char **name, struct conv_arg *args,
		      size_t *nargs)
{
	char *p = s, *end;

	*nargs = 0;
	while (*p == ' ')
		p++;
	*name = p;
	while (*p && *p != '(' && *p != ' ')
		p++;
	end = p;
	while (*p == ' ')
		p++;
	if (!*p) {
		*end = '\0';
		return 0;
	}
	if (*p != '(')
		return -1;
	*end = '\0';
	p++;
	for (;;) {
		struct conv_arg *a = &args[*nargs];
		char *tok, *w;
		int quoted = 0;

		while (*p == ' ')
			p++;
		if (*p == ')' && *nargs == 0) {
			p++;
			break;
		}
		if (*nargs == MAX_ARGS)
			return -1;
		/* one token, possibly quoted, up to '=', ',' or ')' */
		a->key = NULL;
	again:
		tok = w = p;
		quoted = 0;
		if (*p == '"') {
			quoted = 1;
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				*w++ = *p++;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != '=' && *p != ',' && *p != ')')
				*w++ = *p++;
			while (w > tok && w[-1] == ' ')
				w--;
		}
		while (*p == ' ')
			p++;
		if (*p == '=' && !a->key) {
			*w = '\0';
			a->key = tok;
			p++;
			while (*p == ' ')
				p++;
			goto again;
		}
		if (*p != ',' && *p != ')')
			return -1;
		{
			char sep = *p;

			*w = '\0';
			a->value = tok;
			a->quoted = quoted;
			(*nargs)++;
			p++;
			if (sep == ')')
				break;
		}
	}
	while (*p == ' ')
		p++;
	return *p ? -1 : 0;
}

struct chain {
	struct conv *c[MAX_CHAIN];
	size_t n;
};

static void chain_free(struct chain *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		conv_free(ch->c[i]);
	ch->n = 0;
}

/* Builds the chain "a | b(1) | c"; 0 or -1 with err set. */
static int chain_new(struct chain *ch, const char *text, struct cols *cols,
		     struct bs_err *err)
{
	char buf[MAX_LINE], *p = buf, *bar;
	struct conv_arg args[MAX_ARGS];
	size_t nargs;
	char *name;

	ch->n = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (;;) {
		int inq = 0;

		for (bar = p; *bar && (inq || *bar != '|'); bar++) {
			if (*bar == '\\' && inq && bar[1])
				bar++;
			else if (*bar == '"')
				inq = !inq;
		}
		if (*bar)
			*bar = '\0';
		else
			bar = NULL;
		if (ch->n == MAX_CHAIN || parse_call(p, &name, args, &nargs) < 0)
			return bs_err_set(err, BS_E_INTERNAL, "test file: "
					  "cannot read the chain '%s'", text);
		ch->c[ch->n] = conv_new(name, args, nargs, need_col, cols, err);
		if (!ch->c[ch->n])
			return -1;
		ch->n++;
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

/* Reads an INPUT line into *v (text in buf). */
static int read_input(const char *line, struct bs_value *v, char *buf,
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

	if (strcmp(line, "%null") == 0) {
		v->s = "";
		v->len = 0;
		v->kind = BS_V_NULL;
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].prefix);
		if (strncmp(line, kinds[i].prefix, n) == 0) {
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

/* One case: lines[0] is the chain. */
static void run_case(const char *name, char lines[][MAX_LINE], size_t n,
		     struct arena *arena)
{
	static char inbuf[MAX_LINE], want[MAX_LINE];
	struct bs_value in, out, cur;
	struct cols cols;
	struct conv_env env;
	struct chain ch = { { NULL }, 0 };
	struct bs_err err;
	size_t i, k = 1;
	int ok = 1, rc = 0;
	const char *expect;

	memset(&cols, 0, sizeof(cols));
	bs_err_clear(&err);
	if (n == 2 && strncmp(lines[1], "%%CONFIG ", 9) == 0) {
		if (chain_new(&ch, lines[0], &cols, &err) == 0) {
			printf("#   %s: expected a configuration error\n", name);
			ok = 0;
		} else if (err.kind != BS_E_CONFIG ||
			   !strstr(err.msg, lines[1] + 9)) {
			printf("#   %s: error \"%s\", want \"%s\"\n", name,
			       err.msg, lines[1] + 9);
			ok = 0;
		}
		goto done;
	}
	/* @column=value lines; the columns exist before the chain asks */
	while (k < n && lines[k][0] == '@') {
		char *eq = strchr(lines[k], '=');
		size_t idx = cols.n;

		if (!eq || idx == MAX_COLS)
			break;
		cols.n++;
		*eq = '\0';
		snprintf(cols.name[idx], sizeof(cols.name[0]), "%s", lines[k] + 1);
		if (read_input(eq + 1, &cols.v[idx], cols.text[idx],
			       sizeof(cols.text[0])) < 0)
			break;
		k++;
	}
	if (n - k != 2 || read_input(lines[k], &in, inbuf, sizeof(inbuf)) < 0) {
		printf("#   %s: malformed case\n", name);
		ok = 0;
		goto done;
	}
	expect = lines[k + 1];
	if (chain_new(&ch, lines[0], &cols, &err) < 0) {
		printf("#   %s: %s\n", name, err.msg);
		ok = 0;
		goto done;
	}
	env.arena = arena;
	env.column = get_col;
	env.ctx = &cols;
	cur = in;
	for (i = 0; i < ch.n && rc == 0; i++) {
		rc = conv_apply(ch.c[i], &cur, &out, &env, &err);
		cur = out;
	}
	if (strncmp(expect, "%%FAIL ", 7) == 0) {
		if (rc == 0) {
			printf("#   %s: expected the row to be rejected\n", name);
			print_value("got", &cur);
			ok = 0;
		} else if (err.kind != BS_E_ROW || !strstr(err.msg, expect + 7)) {
			printf("#   %s: error \"%s\", want \"%s\"\n", name,
			       err.msg, expect + 7);
			ok = 0;
		}
		goto done;
	}
	if (rc != 0) {
		printf("#   %s: unexpected error: %s\n", name, err.msg);
		ok = 0;
		goto done;
	}
	if (strcmp(expect, "%null") == 0) {
		if (cur.kind != BS_V_NULL) {
			printf("#   %s: expected %%null\n", name);
			print_value("got", &cur);
			ok = 0;
		}
		goto done;
	}
	{
		struct bs_value w;

		if (read_input(expect, &w, want, sizeof(want)) < 0 ||
		    w.kind != BS_V_TEXT) {
			printf("#   %s: malformed expected value\n", name);
			ok = 0;
		} else if (cur.kind == BS_V_NULL || cur.len != w.len ||
			   memcmp(cur.s, w.s, w.len) != 0 || cur.s[cur.len]) {
			print_value("got", &cur);
			print_value("want", &w);
			ok = 0;
		}
	}
done:
	chain_free(&ch);
	arena_reset(arena);
	tap.n++;
	if (!ok)
		tap.failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", tap.n, name);
}

static void run_file(const char *path, struct arena *arena)
{
	static char lines[16][MAX_LINE];
	char line[MAX_LINE], name[600];
	unsigned long lineno = 0, start = 0;
	size_t n = 0, len;
	FILE *f = fopen(path, "r");
	int eof = 0;

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
				run_case(name, lines, n, arena);
			}
			n = 0;
			continue;
		}
		if (n == 0 && line[0] == '#')
			continue;
		if (n == 0)
			start = lineno;
		if (n < 16)
			snprintf(lines[n++], MAX_LINE, "%s", line);
	}
	fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conv_names is sorted and names what conv_new knows. */
static void test_names(void)
{
	const char *const *names;
	size_t n = conv_names(&names), i;
	struct bs_err err;

	CHECK_INT(n, 16);
	for (i = 0; i < n; i++) {
		struct conv *c;

		if (i)
			CHECK(strcmp(names[i - 1], names[i]) < 0);
		c = conv_new(names[i], NULL, 0, need_col, NULL, &err);
		if (!c) {   /* it needs an argument, and says so by name */
			size_t len = strlen(names[i]);

			CHECK(strncmp(err.msg, names[i], len) == 0 &&
			      err.msg[len] == ':');
		} else {
			CHECK_STR(conv_name(c), names[i]);
		}
		conv_free(c);
	}
}

/* Random JSON-ish text: what is accepted comes out no longer, and
 * compacting the result again changes nothing. */
static void test_json_random(void)
{
	static const char alphabet[] = "{}[]\",:01-.eE \\u00e9nulltrue\n";
	char text[64], out[64], again[64];
	uint32_t seed = 7;
	size_t n, n2;
	struct bs_err err;
	int i, k, len, ok = 0, bad = 0;

	for (i = 0; i < 300000; i++) {
		seed = seed * 1103515245 + 12345;
		len = (int)(seed >> 16) % 24 + 1;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			text[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (jtext_compact(text, (size_t)len, out, &n, &err) < 0)
			continue;
		ok++;
		if (n > (size_t)len ||
		    jtext_compact(out, n, again, &n2, &err) < 0 || n2 != n ||
		    memcmp(out, again, n) != 0)
			bad++;
	}
	CHECK(ok > 1000);
	CHECK_INT(bad, 0);
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

		if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0) {
			files[n] = malloc(sizeof(CASE_DIR) + len + 1);
			if (!files[n])
				break;
			snprintf(files[n], sizeof(CASE_DIR) + len + 1, "%s/%s",
				 CASE_DIR, de->d_name);
			n++;
		}
	}
	closedir(d);
	qsort(files, n, sizeof(files[0]), cmp_str);
	RUN(test_names);
	RUN(test_json_random);
	arena_init(&arena, 4096);
	for (i = 0; i < n; i++) {
		run_file(files[i], &arena);
		free(files[i]);
	}
	arena_release(&arena);
	if (n == 0) {
		printf("not ok 1 - no case files in %s\n", CASE_DIR);
		return 1;
	}
	return tap_done();
}
