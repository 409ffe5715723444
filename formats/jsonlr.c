/* jsonlr.c - JSON lines through jansson, numbers kept exact by parsing them
 * as marked strings (see jsonlr.h). */
#include "jsonlr.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/*
 * jansson turns numbers into doubles and integers, losing their text.  So
 * before parsing, every number outside strings is rewritten into a string
 * that starts with a NUL: 1.5e-7 becomes "\u00001.5e-7".  A NUL cannot
 * start a string of the input, because strings holding \u0000 are refused,
 * so such a string is always a number.  Dumps turn them back.
 */
#define MARK_OPEN "\"\\u0000"
#define MARK_OPEN_LEN 7
#define MARK_EXTRA (MARK_OPEN_LEN + 1)      /* the opening mark, the '"' */

#define LOAD_FLAGS (JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

struct jsonlr {
	struct linerd *lr;
	struct rowsrc_limits lim;
	struct sbuf line;           /* the line; one byte over the limit fits */
	int too_long;               /* line was cut */
	unsigned long start;        /* its line number */
	unsigned long long index;   /* lines read, blank ones not counted */

	struct sbuf rw;             /* the line with numbers marked */
	json_t *root;               /* the parsed line */
	struct sbuf out;            /* compact JSON of selected values */
	size_t dump_start;          /* where the value being dumped starts */
	int dump_long;              /* that value is over the limit */

	size_t nsel;
	const char **paths;         /* the selected paths, in paths_buf */
	char *paths_buf;
	size_t *json_off;           /* per selected: its offset in out */
	struct bs_value *v;
};

static int nomem(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* Rejects the current line: sets err and returns 1. */
static int bad_row(struct jsonlr *j, struct bs_err *err, const char *fmt, ...)
	BS_PRINTF(3, 4);

static int bad_row(struct jsonlr *j, struct bs_err *err, const char *fmt, ...)
{
	char msg[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bs_err_at(err, BS_E_ROW, jsonlr_name(j), j->start, "%s", msg);
	return 1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_number_char(char c)
{
	return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' ||
	       c == 'E';
}

static size_t skip_digits(const char *s, size_t i, size_t n)
{
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int number_ok(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && is_digit(s[i]))
		i = skip_digits(s, i, n);
	else
		return 0;
	if (i < n && s[i] == '.') {
		d = skip_digits(s, ++i, n);
		if (d == i)
			return 0;
		i = d;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = skip_digits(s, i, n);
		if (d == i)
			return 0;
		i = d;
	}
	return i == n;
}

/* Finds the next number token outside strings in s[*i..n): 1 with it in
 * s[*b..*e), 0 when there is none, -1 when a string holds \u0000 (at *b).
 * A token is a run of number characters starting with '-' or a digit. */
static int next_number(const char *s, size_t n, size_t *i, size_t *b,
		       size_t *e)
{
	size_t k = *i;

	while (k < n) {
		if (s[k] == '"') {
			for (k++; k < n && s[k] != '"'; k++) {
				if (s[k] != '\\')
					continue;
				if (n - k >= 6 && memcmp(s + k, "\\u0000", 6) == 0) {
					*b = k;
					return -1;
				}
				k++;
			}
			k++;
		} else if (s[k] == '-' || is_digit(s[k])) {
			*b = k;
			while (k < n && is_number_char(s[k]))
				k++;
			*e = *i = k;
			return 1;
		} else {
			k++;
		}
	}
	*i = n;
	return 0;
}

/* Copies the line into rw with its numbers marked: 0, 1 for a bad row (a
 * malformed number, a \u0000), -1 when out of memory. */
static int mark_numbers(struct jsonlr *j, struct bs_err *err)
{
	const char *s = j->line.buf;
	size_t n = j->line.len, i = 0, prev = 0, b = 0, e = 0;
	int r;

	sbuf_reset(&j->rw);
	while ((r = next_number(s, n, &i, &b, &e)) == 1) {
		if (!number_ok(s + b, e - b))
			return bad_row(j, err,
				       "malformed number '%.*s' at column %zu",
				       (int)(e - b > 40 ? 40 : e - b), s + b,
				       b + 1);
		if (sbuf_add(&j->rw, s + prev, b - prev) < 0 ||
		    sbuf_add(&j->rw, MARK_OPEN, MARK_OPEN_LEN) < 0 ||
		    sbuf_add(&j->rw, s + b, e - b) < 0 ||
		    sbuf_addc(&j->rw, '"') < 0)
			return nomem(err);
		prev = e;
	}
	if (r < 0)
		return bad_row(j, err,
			       "string holds \\u0000 at column %zu: NUL is not allowed",
			       b + 1);
	if (sbuf_add(&j->rw, s + prev, n - prev) < 0)
		return nomem(err);
	return 0;
}

/* The offset in the line of offset pos of rw (a position in a marked
 * number is the end of that number). */
static size_t line_offset(const struct jsonlr *j, size_t pos)
{
	size_t i = 0, b, e, shift = 0;

	while (next_number(j->line.buf, j->line.len, &i, &b, &e) == 1) {
		if (pos < b + shift)
			break;
		if (pos <= e + shift + MARK_EXTRA)
			return e;
		shift += MARK_EXTRA;
	}
	return pos - shift;
}

/* Turns every marked number in s[0..n) back into the number; returns the
 * new length.  In jansson's output a '"' just before \u0000 can only open a
 * marked number: a '"' inside a string is escaped and a NUL only starts
 * one. */
static size_t unmark(char *s, size_t n)
{
	size_t r = 0, w = 0, k;
	char *q;

	while (r < n && (q = memchr(s + r, '"', n - r)) != NULL) {
		k = (size_t)(q - s);
		if (n - k < MARK_OPEN_LEN || memcmp(q, MARK_OPEN, MARK_OPEN_LEN)) {
			k++;
			memmove(s + w, s + r, k - r);
			w += k - r;
			r = k;
			continue;
		}
		memmove(s + w, s + r, k - r);
		w += k - r;
		for (r = k + MARK_OPEN_LEN; r < n && s[r] != '"'; r++)
			s[w++] = s[r];
		r++;
	}
	if (r < n) {
		memmove(s + w, s + r, n - r);
		w += n - r;
	}
	return w;
}

static int is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Reads the next non-blank line: 1, 0 at the end, -1 on error. */
static int read_line(struct jsonlr *j, struct bs_err *err)
{
	const char *p;
	size_t n;
	int eol, r;

	for (;;) {
		sbuf_reset(&j->line);
		j->too_long = 0;
		do {
			r = linerd_next(j->lr, &p, &n, &eol, err);
			if (r <= 0)
				return r;
			if (linerd_keep(&j->line, p, n, &j->too_long) < 0)
				return nomem(err);
		} while (!eol);
		j->start = linerd_lineno(j->lr);
		linerd_chomp(&j->line, j->lim.max_record, &j->too_long);
		if (j->too_long || !is_blank(j->line.buf, j->line.len))
			return 1;
	}
}

static const char *type_name(const json_t *x)
{
	switch (json_typeof(x)) {
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return json_string_length(x) && !json_string_value(x)[0]
		       ? "a number" : "a string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	default:
		return "a number";
	}
}

/* Parses the marked line into root: 0, or 1 for a bad row. */
static int parse_line(struct jsonlr *j, struct bs_err *err)
{
	json_error_t je;
	size_t col;

	j->root = json_loadb(j->rw.buf, j->rw.len, LOAD_FLAGS, &je);
	if (!j->root) {
		col = line_offset(j, je.position > 0 ? (size_t)je.position : 0);
		je.text[unmark(je.text, strlen(je.text))] = '\0';
		return bad_row(j, err, "malformed JSON at column %zu: %s", col,
			       je.text);
	}
	if (!json_is_object(j->root))
		return bad_row(j, err, "expected a JSON object, found %s",
			       type_name(j->root));
	return 0;
}

/* The value at a dotted path, or NULL. */
static json_t *lookup(json_t *x, const char *path)
{
	const char *dot;
	size_t len;

	for (;;) {
		if (!json_is_object(x))
			return NULL;
		dot = strchr(path, '.');
		len = dot ? (size_t)(dot - path) : strlen(path);
		x = json_object_getn(x, path, len);
		if (!x || !dot)
			return x;
		path = dot + 1;
	}
}

static int dump_piece(const char *buf, size_t size, void *data)
{
	struct jsonlr *j = data;

	/* A dump longer than this cannot shrink back under max_field: a
	 * marked number is at most nine times its text. */
	if (j->out.len - j->dump_start + size > 9 * j->lim.max_field + 8) {
		j->dump_long = 1;
		return -1;
	}
	return sbuf_add(&j->out, buf, size);
}

/* Appends x as compact JSON text to out; its length in *len. */
static int dump_value(struct jsonlr *j, const json_t *x, size_t *len,
		      struct bs_err *err)
{
	j->dump_start = j->out.len;
	j->dump_long = 0;
	if (json_dump_callback(x, dump_piece, j, DUMP_FLAGS) < 0) {
		if (!j->dump_long)
			return nomem(err);
		*len = j->lim.max_field + 1;
		return 0;
	}
	*len = unmark(j->out.buf + j->dump_start, j->out.len - j->dump_start);
	j->out.len = j->dump_start + *len;
	j->out.buf[j->out.len] = '\0';
	if (sbuf_addc(&j->out, '\0') < 0)
		return nomem(err);
	return 0;
}

/* Sets v[i] from the value x (NULL when missing): 0, 1 for a bad row, -1
 * when out of memory. */
static int set_value(struct jsonlr *j, size_t i, const json_t *x,
		     struct bs_err *err)
{
	struct bs_value *v = &j->v[i];
	const char *s;

	v->s = "";
	v->len = 0;
	v->kind = BS_V_NULL;
	j->json_off[i] = (size_t)-1;
	switch (x ? json_typeof(x) : JSON_NULL) {
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		s = json_string_value(x);
		v->len = json_string_length(x);
		v->s = s;
		v->kind = BS_V_TEXT;
		if (v->len && !s[0]) {
			v->s = s + 1;
			v->len--;
			v->kind = BS_V_NUMBER;
		}
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		v->s = json_is_true(x) ? "true" : "false";
		v->len = strlen(v->s);
		v->kind = BS_V_BOOL;
		return 0;
	default:        /* objects and arrays; numbers are all marked */
		j->json_off[i] = j->out.len;
		v->kind = BS_V_JSON;
		if (dump_value(j, x, &v->len, err) < 0)
			return -1;
		break;
	}
	if (v->len > j->lim.max_field) {
		bad_row(j, err, "value is longer than %zu bytes",
			j->lim.max_field);
		bs_err_field(err, j->paths[i]);
		return 1;
	}
	return 0;
}

/* 0 when the row's values are set, 1 for a bad row, -1 on error. */
static int set_values(struct jsonlr *j, struct bs_err *err)
{
	size_t i;
	int r;

	sbuf_reset(&j->out);
	for (i = 0; i < j->nsel; i++) {
		r = set_value(j, i, lookup(j->root, j->paths[i]), err);
		if (r)
			return r;
	}
	for (i = 0; i < j->nsel; i++)
		if (j->json_off[i] != (size_t)-1)
			j->v[i].s = j->out.buf + j->json_off[i];
	return 0;
}

struct jsonlr *jsonlr_new(struct linerd *lr, const struct rowsrc_limits *lim,
			  struct bs_err *err)
{
	struct jsonlr *j = calloc(1, sizeof(*j));

	if (!j) {
		linerd_free(lr);
		nomem(err);
		return NULL;
	}
	j->lr = lr;
	j->lim = *lim;
	sbuf_init(&j->line, lim->max_record + 1);
	/* a number of k bytes grows by MARK_EXTRA: "1," becomes 10 bytes */
	sbuf_init(&j->rw, 5 * lim->max_record + MARK_EXTRA);
	sbuf_init(&j->out, 0);
	return j;
}

int jsonlr_select(struct jsonlr *j, const char *const *paths, size_t n,
		  struct bs_err *err)
{
	struct sbuf buf = SBUF_INIT;
	size_t i, len;
	char *s;

	if (j->paths)
		return bs_err_set(err, BS_E_INTERNAL,
				  "columns selected twice for '%s'", jsonlr_name(j));
	sbuf_init(&buf, 0);
	for (i = 0; i < n; i++) {
		len = strlen(paths[i]);
		if (!len || paths[i][0] == '.' || paths[i][len - 1] == '.' ||
		    strstr(paths[i], "..")) {
			sbuf_release(&buf);
			return bs_err_set(err, BS_E_CONFIG,
					  "bad JSON path '%s': expected names joined by '.'",
					  paths[i]);
		}
		if (sbuf_add(&buf, paths[i], len + 1) < 0) {
			sbuf_release(&buf);
			return nomem(err);
		}
	}
	j->paths = calloc(n ? n : 1, sizeof(*j->paths));
	j->json_off = calloc(n ? n : 1, sizeof(*j->json_off));
	j->v = calloc(n ? n : 1, sizeof(*j->v));
	j->paths_buf = sbuf_detach(&buf, NULL);
	if (!j->paths || !j->json_off || !j->v || !j->paths_buf)
		return nomem(err);
	for (i = 0, s = j->paths_buf; i < n; s += strlen(s) + 1, i++)
		j->paths[i] = s;
	j->nsel = n;
	return 0;
}

int jsonlr_next(struct jsonlr *j, struct rowsrc_row *row, struct bs_err *err)
{
	int r;

	if (!j->paths && jsonlr_select(j, NULL, 0, err) < 0)
		return ROWSRC_ERROR;
	json_decref(j->root);
	j->root = NULL;
	r = read_line(j, err);
	if (r <= 0)
		return r < 0 ? ROWSRC_ERROR : ROWSRC_DONE;
	row->file = jsonlr_name(j);
	row->line = j->start;
	row->index = j->index++;
	row->n = 0;
	row->v = j->v;
	if (j->line.len > j->lim.max_record)
		j->line.buf[j->line.len = j->lim.max_record] = '\0';
	row->raw = j->line.buf;
	row->raw_len = j->line.len;
	if (j->too_long) {
		bad_row(j, err, "line is longer than %zu bytes",
			j->lim.max_record);
		return ROWSRC_BAD;
	}
	r = mark_numbers(j, err);
	if (!r)
		r = parse_line(j, err);
	if (!r)
		r = set_values(j, err);
	if (r)
		return r < 0 ? ROWSRC_ERROR : ROWSRC_BAD;
	row->n = j->nsel;
	return ROWSRC_ROW;
}

unsigned long long jsonlr_position(const struct jsonlr *j)
{
	return linerd_position(j->lr);
}

const char *jsonlr_name(const struct jsonlr *j)
{
	return linerd_name(j->lr);
}

void jsonlr_free(struct jsonlr *j)
{
	if (!j)
		return;
	json_decref(j->root);
	linerd_free(j->lr);
	sbuf_release(&j->line);
	sbuf_release(&j->rw);
	sbuf_release(&j->out);
	free(j->paths);
	free(j->paths_buf);
	free(j->json_off);
	free(j->v);
	free(j);
}
