/* test_expr.c - data-driven tests of the expression language (etl/map/expr.h):
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "map/expr.h"
#include "formats/arena.h"

#define CASE_DIR "tests/expr"
#define MAX_COLS 16

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

/* Reads a case's @COLUMN=VALUE lines (lines[1..n-2]) into cols; 0, or -1
 * after saying what is wrong. */
static int read_columns(const char *name, char lines[][CASE_MAX_LINE],
			size_t n, struct cols *cols)
{
	struct bs_err err;
	size_t k;

	for (k = 1; k + 1 < n; k++) {
		char *eq = strchr(lines[k], '=');
		size_t idx;

		if (lines[k][0] != '@' || !eq) {
			printf("#   %s: expected @COLUMN=VALUE: %s\n", name,
			       lines[k]);
			return -1;
		}
		*eq = '\0';
		if (resolve(cols, lines[k] + 1, &idx, &err) < 0 ||
		    case_read_value(eq + 1, &cols->v[idx], cols->text[idx],
			       sizeof(cols->text[0])) < 0) {
			printf("#   %s: bad value: %s\n", name, eq + 1);
			return -1;
		}
	}
	return 0;
}

/* 1 when what a case evaluated to (truth for a condition, out for an
 * expression) is expect ("true"/"false", or a value). */
static int check_outcome(const char *name, const char *expect, int is_cond,
			 int truth, const struct bs_value *out)
{
	static char want_buf[CASE_MAX_LINE];
	struct bs_value w;

	if (is_cond) {
		if (strcmp(expect, "true") && strcmp(expect, "false")) {
			printf("#   %s: a condition expects true or false\n",
			       name);
			return 0;
		}
		if (truth != !strcmp(expect, "true")) {
			printf("#   %s: got %s, want %s\n", name,
			       truth ? "true" : "false", expect);
			return 0;
		}
		return 1;
	}
	if (case_read_value(expect, &w, want_buf, sizeof(want_buf)) < 0) {
		printf("#   %s: malformed expected value\n", name);
		return 0;
	}
	if ((w.kind == BS_V_NULL) != (out->kind == BS_V_NULL) ||
	    out->len != w.len || memcmp(out->s, w.s, w.len) ||
	    out->s[out->len]) {
		case_print_value("got", out);
		case_print_value("want", &w);
		return 0;
	}
	return 1;
}

/* Evaluates the parsed condition c or expression e on the row of cols; 1
 * when the outcome is expect (%%FAIL part of the message, or the value). */
static int eval_case(const char *name, const char *expect,
		     const struct cond *c, const struct expr *e,
		     const struct cols *cols, struct arena *arena)
{
	struct bs_value out;
	struct bs_err err;
	int truth = 0, rc;

	bs_err_clear(&err);
	memset(&out, 0, sizeof(out));
	if (c)
		rc = cond_eval(c, cols->v, arena, &truth, &err);
	else
		rc = expr_eval(e, cols->v, arena, &out, &err);
	if (!strncmp(expect, "%%FAIL ", 7)) {
		if (rc == 0) {
			printf("#   %s: expected the row to be rejected\n", name);
			return 0;
		}
		return error_is(name, &err, BS_E_ROW, expect + 7);
	}
	if (rc < 0) {
		printf("#   %s: unexpected error: %s\n", name, err.msg);
		return 0;
	}
	return check_outcome(name, expect, c != NULL, truth, &out);
}

/* One case: lines[0] is "if CONDITION" or "= EXPRESSION", the last line
 * what is expected. */
static int run_case(const char *name, char lines[][CASE_MAX_LINE], size_t n,
		    void *ctx)
{
	struct arena *arena = ctx;
	const char *expect;
	struct expr_columns ec;
	struct expr *e = NULL;
	struct cond *c = NULL;
	struct bs_err err;
	struct cols cols;
	int ok;

	memset(&cols, 0, sizeof(cols));
	bs_err_clear(&err);
	ec.resolve = resolve;
	ec.ctx = &cols;
	if (strncmp(lines[0], "if ", 3) && strncmp(lines[0], "= ", 2)) {
		printf("#   %s: a case starts with 'if ' or '= '\n", name);
		return 0;
	}
	if (n < 2) {
		printf("#   %s: malformed case\n", name);
		return 0;
	}
	expect = lines[n - 1];
	if (lines[0][0] == 'i')
		c = cond_parse(lines[0] + 3, arena, &ec, &err);
	else
		e = expr_parse(lines[0] + 2, arena, &ec, &err);
	if (!strncmp(expect, "%%CONFIG ", 9)) {
		ok = !c && !e && error_is(name, &err, BS_E_CONFIG, expect + 9);
		if (c || e)
			printf("#   %s: expected a configuration error\n", name);
	} else if (!c && !e) {
		printf("#   %s: does not parse: %s\n", name, err.msg);
		ok = 0;
	} else {
		ok = read_columns(name, lines, n, &cols) == 0 &&
		     eval_case(name, expect, c, e, &cols, arena);
	}
	cond_free(c);
	expr_free(e);
	arena_reset(arena);
	return ok;
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

int main(void)
{
	struct arena arena;

	RUN(test_shape);
	arena_init(&arena, 4096);
	case_run_dir(CASE_DIR, run_case, &arena);
	arena_release(&arena);
	return tap_done();
}
