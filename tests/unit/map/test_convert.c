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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "map/convert.h"
#include "map/jtext.h"
#include "formats/arena.h"

#define CASE_DIR "tests/convert"
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

/* Reads one argument at *pp, [KEY =] VALUE with VALUE possibly "quoted",
 * NUL-terminating it in place, up to the ',' or ')' after it: returns
 * that character (*pp just after it), or -1. */
static int parse_arg(char **pp, struct conv_arg *a)
{
	char *p = *pp, *tok, *w, sep;
	int quoted;

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
	sep = *p;          /* before the NUL: w may be p */
	*w = '\0';
	a->value = tok;
	a->quoted = quoted;
	*pp = p + 1;
	return sep;
}

/* Splits "name(a, k=v, "q")" into a converter name and arguments, in
 * place; 0 or -1. */
static int parse_call(char *s, char **name, struct conv_arg *args,
		      size_t *nargs)
{
	char *p = s, *end;
	int sep;

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
		while (*p == ' ')
			p++;
		if (*p == ')' && *nargs == 0) {
			p++;
			break;
		}
		if (*nargs == MAX_ARGS)
			return -1;
		sep = parse_arg(&p, &args[*nargs]);
		if (sep < 0)
			return -1;
		(*nargs)++;
		if (sep == ')')
			break;
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
	char buf[CASE_MAX_LINE], *p = buf, *bar;
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

/* A case "CHAIN / %%CONFIG part of the message": building the chain
 * fails with that message; 1 if so. */
static int config_case(const char *name, const char *chain, const char *want)
{
	struct chain ch = { { NULL }, 0 };
	struct cols cols;
	struct bs_err err;
	int ok = 1;

	memset(&cols, 0, sizeof(cols));
	bs_err_clear(&err);
	if (chain_new(&ch, chain, &cols, &err) == 0) {
		printf("#   %s: expected a configuration error\n", name);
		ok = 0;
	} else if (err.kind != BS_E_CONFIG || !strstr(err.msg, want)) {
		printf("#   %s: error \"%s\", want \"%s\"\n", name, err.msg,
		       want);
		ok = 0;
	}
	chain_free(&ch);
	return ok;
}

/* Reads a case's @COLUMN=VALUE lines into cols (the columns exist before
 * the chain asks for them) and its INPUT line into *in; returns the index
 * of its EXPECTED line, or 0 when the case is malformed. */
static size_t read_row(char lines[][CASE_MAX_LINE], size_t n,
		       struct cols *cols, struct bs_value *in)
{
	static char inbuf[CASE_MAX_LINE];
	size_t k = 1;

	while (k < n && lines[k][0] == '@') {
		char *eq = strchr(lines[k], '=');
		size_t idx = cols->n;

		if (!eq || idx == MAX_COLS)
			break;
		cols->n++;
		*eq = '\0';
		snprintf(cols->name[idx], sizeof(cols->name[0]), "%s",
			 lines[k] + 1);
		if (case_read_value(eq + 1, &cols->v[idx], cols->text[idx],
			       sizeof(cols->text[0])) < 0)
			break;
		k++;
	}
	if (n - k != 2 || case_read_value(lines[k], in, inbuf,
					  sizeof(inbuf)) < 0)
		return 0;
	return k + 1;
}

/* 1 when what the chain did (rc, its value cur or its error err) is
 * expect: %%FAIL part of the message, %null, or the value. */
static int check_outcome(const char *name, const char *expect, int rc,
			 const struct bs_value *cur, const struct bs_err *err)
{
	static char want[CASE_MAX_LINE];
	struct bs_value w;

	if (strncmp(expect, "%%FAIL ", 7) == 0) {
		if (rc == 0) {
			printf("#   %s: expected the row to be rejected\n", name);
			case_print_value("got", cur);
			return 0;
		}
		if (err->kind != BS_E_ROW || !strstr(err->msg, expect + 7)) {
			printf("#   %s: error \"%s\", want \"%s\"\n", name,
			       err->msg, expect + 7);
			return 0;
		}
		return 1;
	}
	if (rc != 0) {
		printf("#   %s: unexpected error: %s\n", name, err->msg);
		return 0;
	}
	if (strcmp(expect, "%null") == 0) {
		if (cur->kind != BS_V_NULL) {
			printf("#   %s: expected %%null\n", name);
			case_print_value("got", cur);
			return 0;
		}
		return 1;
	}
	if (case_read_value(expect, &w, want, sizeof(want)) < 0 ||
	    w.kind != BS_V_TEXT) {
		printf("#   %s: malformed expected value\n", name);
		return 0;
	}
	if (cur->kind == BS_V_NULL || cur->len != w.len ||
	    memcmp(cur->s, w.s, w.len) != 0 || cur->s[cur->len]) {
		case_print_value("got", cur);
		case_print_value("want", &w);
		return 0;
	}
	return 1;
}

/* One case: lines[0] is the chain. */
static int run_case(const char *name, char lines[][CASE_MAX_LINE], size_t n,
		    void *ctx)
{
	struct arena *arena = ctx;
	struct bs_value in, out, cur;
	struct cols cols;
	struct conv_env env;
	struct chain ch = { { NULL }, 0 };
	struct bs_err err;
	size_t i, k;
	int ok = 0, rc = 0;

	if (n == 2 && strncmp(lines[1], "%%CONFIG ", 9) == 0)
		return config_case(name, lines[0], lines[1] + 9);
	memset(&cols, 0, sizeof(cols));
	bs_err_clear(&err);
	k = read_row(lines, n, &cols, &in);
	if (!k) {
		printf("#   %s: malformed case\n", name);
		return 0;
	}
	if (chain_new(&ch, lines[0], &cols, &err) < 0) {
		printf("#   %s: %s\n", name, err.msg);
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
	ok = check_outcome(name, lines[k], rc, &cur, &err);
done:
	chain_free(&ch);
	arena_reset(arena);
	return ok;
}

/* conv_names is sorted and names what conv_new knows. */
static void test_names(void)
{
	const char *const *names;
	size_t n = conv_names(&names), i;
	struct bs_err err;

	CHECK_INT(n, 18);
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
	struct arena arena;

	RUN(test_names);
	RUN(test_json_random);
	arena_init(&arena, 4096);
	case_run_dir(CASE_DIR, run_case, &arena);
	arena_release(&arena);
	return tap_done();
}
