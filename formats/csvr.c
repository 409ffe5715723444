/* csvr.c - CSV records through libcsv, with start lines, limits and
 * resynchronisation after a bad record (see csvr.h). */
#include "csvr.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "strsim.h"
#include "utf8.h"

#define CSVR_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
/* A UTF-8 byte order mark; linerd.h drops the first at the start. */
#define BOM "\xEF\xBB\xBF"
/* Step by which libcsv grows its field buffer (it never shrinks). */
#define CSVR_GROW ((size_t)4096)

/* What a callback found wrong in a record. */
enum csvr_fail {
	CSVR_OK = 0,
	CSVR_FIELD_LONG,    /* a field over lim.max_field */
	CSVR_BAD_UTF8,      /* a field that is not UTF-8 */
	CSVR_NUL,           /* a field holding a NUL byte */
	CSVR_TOO_MANY,      /* a header over lim.max_columns */
	CSVR_NOMEM
};

/* Where a copied field is in vals. */
struct csvr_span {
	size_t off, len;
};

struct csvr {
	struct linerd *lr;
	struct rowsrc_limits lim;
	struct csv_parser parser;

	/* the record being read */
	struct sbuf rec;            /* its text; one byte over the limit fits */
	int too_long;               /* rec was cut */
	int has_quote;              /* rec holds a '"' */
	unsigned long start;        /* line it starts on */
	unsigned long long index;   /* records read, header not counted */

	/* what the libcsv callbacks gather */
	int header;                 /* the record is the header */
	int check_utf8;             /* the record has invalid UTF-8 somewhere */
	int check_nul;              /* the record holds a NUL byte somewhere */
	size_t nfields;             /* fields seen */
	size_t nends;               /* record ends seen */
	enum csvr_fail fail;
	size_t fail_field, fail_off;
	struct sbuf vals;           /* copied fields, each NUL-terminated */
	struct csvr_span *spans;    /* per header column */
	unsigned char *want;        /* per header column: copy it */

	/* the header */
	size_t ncols;
	const char **names;
	char *names_buf;
	unsigned long header_line;

	/* the selected columns */
	int selected;
	size_t nsel;
	size_t *sel;                /* header column of each selected one */
	struct bs_value *v;
};

static int no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static int is_lf(unsigned char ch)
{
	return ch == '\n';
}

static int nomem(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* Takes field number nfields of the record: checks it, and copies it when
 * it is a header name or a selected column. */
static void take_field(struct csvr *c, const char *s, size_t len)
{
	size_t i = c->nfields++, off;
	struct sbuf *sb = &c->vals;
	const char *q;

	if (c->fail)
		return;
	if (len > c->lim.max_field) {
		c->fail = CSVR_FIELD_LONG;
		c->fail_field = i;
		return;
	}
	if (c->check_utf8 && (off = utf8_check(s, len)) != len) {
		c->fail = CSVR_BAD_UTF8;
		c->fail_field = i;
		c->fail_off = off;
		return;
	}
	if (c->check_nul && (q = memchr(s, '\0', len)) != NULL) {
		c->fail = CSVR_NUL;
		c->fail_field = i;
		c->fail_off = (size_t)(q - s);
		return;
	}
	if (c->header && i >= c->lim.max_columns) {
		c->fail = CSVR_TOO_MANY;
		return;
	}
	if (!c->header && (i >= c->ncols || !c->want[i]))
		return;
	if (!c->header) {
		c->spans[i].off = sb->len;
		c->spans[i].len = len;
	}
	if (sbuf_grow(sb, len + 1) < 0) {
		c->fail = CSVR_NOMEM;
		return;
	}
	memcpy(sb->buf + sb->len, s, len);     /* with a NUL after it */
	sb->len += len;
	sb->buf[sb->len++] = '\0';
	sb->buf[sb->len] = '\0';
}

static void on_field(void *s, size_t len, void *data)
{
	take_field(data, s, len);
}

static void on_end(int ch, void *data)
{
	struct csvr *c = data;

	(void)ch;
	c->nends++;
}

/* Puts libcsv back at the start of a record after a parse error. */
static void parser_reset(struct csvr *c)
{
	csv_set_opts(&c->parser, CSVR_OPTS & ~CSV_STRICT_FINI);
	csv_fini(&c->parser, NULL, NULL, NULL);
	csv_set_opts(&c->parser, CSVR_OPTS);
}

/* Where a record is, as far as finding its end goes. */
enum csvr_qstate {
	CSVR_Q_START,       /* at the start of a field */
	CSVR_Q_PLAIN,       /* in an unquoted field */
	CSVR_Q_QUOTED,      /* in a quoted field */
	CSVR_Q_QUOTE        /* just after a '"' in a quoted field */
};

/* The state after p[0..n), from state st.  RFC 4180: a '"' opens a quoted
 * field only at the start of a field; inside one, '""' is a quote and a
 * single '"' closes it.  A stray '"' elsewhere is taken as data here (the
 * parser rejects the record), so that it does not swallow the records that
 * follow.  Jumps from quote to quote: a line without one costs a memchr. */
static enum csvr_qstate scan_quotes(enum csvr_qstate st, const char *p,
				    size_t n, int *seen)
{
	const char *e = p + n, *q;

	while (p < e) {
		if (st == CSVR_Q_QUOTED) {
			q = memchr(p, '"', (size_t)(e - p));
			if (!q)
				return st;
			*seen = 1;
			st = CSVR_Q_QUOTE;
			p = q + 1;
		} else if (st == CSVR_Q_QUOTE) {
			st = *p == '"' ? CSVR_Q_QUOTED
			   : *p == ',' ? CSVR_Q_START : CSVR_Q_PLAIN;
			p++;
		} else {
			q = memchr(p, '"', (size_t)(e - p));
			if (!q)
				return e[-1] == ',' ? CSVR_Q_START : CSVR_Q_PLAIN;
			*seen = 1;
			if (q > p)
				st = q[-1] == ',' ? CSVR_Q_START : CSVR_Q_PLAIN;
			st = st == CSVR_Q_START ? CSVR_Q_QUOTED : CSVR_Q_PLAIN;
			p = q + 1;
		}
	}
	return st;
}

/* Reads the next record into rec: 1, 0 at the end, -1 on error.  A record
 * ends at a line end outside a quoted field, whatever else is wrong with
 * it, which is how reading goes on after a bad record. */
static int read_record(struct csvr *c, struct bs_err *err)
{
	enum csvr_qstate st = CSVR_Q_START;
	int started = 0, eol, r;
	const char *p;
	size_t n;

	sbuf_reset(&c->rec);
	c->too_long = c->has_quote = 0;
	for (;;) {
		r = linerd_next(c->lr, &p, &n, &eol, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (!started)
				return 0;
			return bs_err_at(err, BS_E_INPUT, csvr_name(c), c->start,
					 "quoted field not closed before the end of the file");
		}
		if (!started) {
			c->start = linerd_lineno(c->lr);
			started = 1;
		}
		st = scan_quotes(st, p, n, &c->has_quote);
		if (linerd_keep(&c->rec, p, n, &c->too_long) < 0)
			return nomem(err);
		if (!eol)
			continue;
		if (st == CSVR_Q_QUOTED) {      /* a line break inside quotes */
			if (linerd_keep(&c->rec, "\n", 1, &c->too_long) < 0)
				return nomem(err);
			continue;
		}
		linerd_chomp(&c->rec, c->lim.max_record, &c->too_long);
		if (c->too_long || c->rec.len)
			return 1;
		started = 0;                    /* a blank line */
		st = CSVR_Q_START;
	}
}

/* 1 when s[0..n) is valid UTF-8; looks at 8 bytes at a time while they
 * are ASCII. */
static int valid_utf8(const char *s, size_t n)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080u)
			break;
	}
	return utf8_check(s + i, n - i) == n - i;
}

/* Splits a record without any '"' at its commas: what libcsv would do
 * with it, several times faster. */
static void split_plain(struct csvr *c)
{
	const char *s = c->rec.buf, *e = s + c->rec.len, *q;

	for (;;) {
		q = memchr(s, ',', (size_t)(e - s));
		if (!q) {
			take_field(c, s, (size_t)(e - s));
			break;
		}
		take_field(c, s, (size_t)(q - s));
		s = q + 1;
	}
	c->nends = 1;
}

/* Splits rec into fields.  Returns 0, or -1 when it is not well-formed CSV
 * with *bad at the offending byte. */
static int parse_record(struct csvr *c, size_t *bad)
{
	size_t n = c->rec.len, got;

	c->nfields = c->nends = 0;
	c->fail = CSVR_OK;
	sbuf_reset(&c->vals);
	c->check_utf8 = !valid_utf8(c->rec.buf, n);
	c->check_nul = memchr(c->rec.buf, '\0', n) != NULL;
	if (!c->has_quote) {
		split_plain(c);
		return 0;
	}
	got = csv_parse(&c->parser, c->rec.buf, n, on_field, on_end, c);
	if (got == n)
		got += csv_parse(&c->parser, "\n", 1, on_field, on_end, c);
	if (got == n + 1 && c->nends == 1)
		return 0;
	parser_reset(c);
	*bad = got;
	return -1;
}

/* Fills err with what is wrong with the parsed record, if anything; the
 * kind is BS_E_ROW for rows and BS_E_INPUT for the header. */
static int check_record(struct csvr *c, size_t bad, int parsed,
			struct bs_err *err)
{
	enum bs_errkind kind = c->header ? BS_E_INPUT : BS_E_ROW;
	const char *name = csvr_name(c);
	char ch;

	if (!parsed) {
		ch = bad < c->rec.len ? c->rec.buf[bad] : '\n';
		if (ch == '"')
			return bs_err_at(err, kind, name, c->start,
					 "'\"' inside an unquoted field (byte %zu of the record)",
					 bad + 1);
		return bs_err_at(err, kind, name, c->start,
				 "unexpected %s after a closing quote (byte %zu of the record)",
				 ch == '\r' ? "carriage return" : "character",
				 bad + 1);
	}
	if (c->fail == CSVR_NOMEM)
		return nomem(err);
	if (c->fail == CSVR_TOO_MANY)
		return bs_err_at(err, kind, name, c->start,
				 "more than %zu columns", c->lim.max_columns);
	if (!c->header && c->nfields != c->ncols)
		return bs_err_at(err, kind, name, c->start,
				 "expected %zu fields, found %zu", c->ncols,
				 c->nfields);
	if (c->fail == CSVR_FIELD_LONG)
		bs_err_at(err, kind, name, c->start,
			  "value is longer than %zu bytes", c->lim.max_field);
	else if (c->fail == CSVR_BAD_UTF8)
		bs_err_at(err, kind, name, c->start,
			  "invalid UTF-8 at byte %zu", c->fail_off + 1);
	else if (c->fail == CSVR_NUL)
		bs_err_at(err, kind, name, c->start,
			  "NUL byte at byte %zu: NUL is not allowed in a value",
			  c->fail_off + 1);
	else
		return 0;
	if (!c->header)
		bs_err_field(err, c->names[c->fail_field]);
	else
		bs_err_prefix(err, "column %zu of the header", c->fail_field + 1);
	return -1;
}

/* Takes the header names out of vals, which holds them NUL-separated. */
static int take_header(struct csvr *c, struct bs_err *err)
{
	const char *name = csvr_name(c);
	size_t i, j, n = c->nfields;
	char *s;

	c->ncols = n;
	c->names = calloc(n, sizeof(*c->names));
	c->spans = calloc(n, sizeof(*c->spans));
	c->want = calloc(n, 1);
	if (!c->names || !c->spans || !c->want)
		return nomem(err);
	c->names_buf = sbuf_detach(&c->vals, NULL);
	for (i = 0, s = c->names_buf; i < n; s += strlen(s) + 1, i++) {
		c->names[i] = s;
		if (strncmp(s, BOM, 3) == 0)
			return bs_err_at(err, BS_E_INPUT, name, c->start,
					 "column %zu of the header begins with a byte order mark%s",
					 i + 1, i ? "" : " (the file has two at its start)");
		if (!*s)
			return bs_err_at(err, BS_E_INPUT, name, c->start,
					 "column %zu of the header has no name",
					 i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(c->names[j], s) == 0)
				return bs_err_at(err, BS_E_INPUT, name, c->start,
						 "duplicate column '%s' in the "
						 "header (columns %zu and %zu)",
						 s, j + 1, i + 1);
	}
	return 0;
}

/* Reads and checks the header.  A CR in it is taken for a file whose
 * lines end with CR alone: it would otherwise read as one long header. */
static int read_header(struct csvr *c, struct bs_err *err)
{
	size_t bad = 0;
	int r = read_record(c, err);
	const char *cr;

	if (r < 0)
		return -1;
	if (r == 0)
		return bs_err_at(err, BS_E_INPUT, csvr_name(c), 0,
				 "empty file: expected a header row");
	c->header_line = c->start;
	cr = memchr(c->rec.buf, '\r', c->rec.len);
	if (cr)
		return bs_err_at(err, BS_E_INPUT, csvr_name(c), c->start,
				 "carriage return inside the header (byte %zu): "
				 "lines must end with LF or CRLF, not CR alone",
				 (size_t)(cr - c->rec.buf) + 1);
	if (c->too_long)
		return bs_err_at(err, BS_E_INPUT, csvr_name(c), c->start,
				 "header is longer than %zu bytes",
				 c->lim.max_record);
	c->header = 1;
	r = parse_record(c, &bad);
	if (check_record(c, bad, r == 0, err) < 0)
		return -1;
	c->header = 0;
	return take_header(c, err);
}

struct csvr *csvr_new(struct linerd *lr, const struct rowsrc_limits *lim,
		      struct bs_err *err)
{
	struct csvr *c = calloc(1, sizeof(*c));

	if (!c) {
		linerd_free(lr);
		nomem(err);
		return NULL;
	}
	c->lr = lr;
	c->lim = *lim;
	sbuf_init(&c->rec, lim->max_record + 1);
	sbuf_init(&c->vals, lim->max_record + lim->max_columns + 1);
	if (csv_init(&c->parser, CSVR_OPTS) != 0) {
		nomem(err);
		csvr_free(c);
		return NULL;
	}
	csv_set_space_func(&c->parser, no_space);
	csv_set_term_func(&c->parser, is_lf);
	csv_set_blk_size(&c->parser, CSVR_GROW);
	if (read_header(c, err) < 0) {
		csvr_free(c);
		return NULL;
	}
	return c;
}

size_t csvr_header(const struct csvr *c, const char *const **names)
{
	if (names)
		*names = c->names;
	return c->ncols;
}

static int find_column(const struct csvr *c, const char *col)
{
	size_t j;

	for (j = 0; j < c->ncols; j++)
		if (strcmp(c->names[j], col) == 0)
			return (int)j;
	return -1;
}

int csvr_select(struct csvr *c, const char *const *cols, size_t n,
		struct bs_err *err)
{
	const char *hint;
	size_t i;
	int j;

	if (c->selected)
		return bs_err_set(err, BS_E_INTERNAL,
				  "columns selected twice for '%s'", csvr_name(c));
	free(c->sel);
	free(c->v);
	memset(c->want, 0, c->ncols);
	c->sel = calloc(n ? n : 1, sizeof(*c->sel));
	c->v = calloc(n ? n : 1, sizeof(*c->v));
	if (!c->sel || !c->v)
		return nomem(err);
	for (i = 0; i < n; i++) {
		j = cols ? find_column(c, cols[i]) : (int)i;
		if (j >= 0) {
			c->sel[i] = (size_t)j;
			c->want[j] = 1;
			continue;
		}
		hint = strsim_closest(cols[i], c->names, c->ncols);
		if (hint)
			return bs_err_at(err, BS_E_CONFIG, csvr_name(c),
					 c->header_line,
					 "no column '%s' in the header; did you mean '%s'?",
					 cols[i], hint);
		return bs_err_at(err, BS_E_CONFIG, csvr_name(c), c->header_line,
				 "no column '%s' in the header", cols[i]);
	}
	c->nsel = n;
	c->selected = 1;
	return 0;
}

/* Sets the row's values from the parsed record. */
static void fill_values(struct csvr *c)
{
	const struct csvr_span *sp;
	size_t i;

	for (i = 0; i < c->nsel; i++) {
		sp = &c->spans[c->sel[i]];
		c->v[i].len = sp->len;
		c->v[i].s = sp->len ? c->vals.buf + sp->off : "";
		c->v[i].kind = sp->len ? BS_V_TEXT : BS_V_NULL;
	}
}

int csvr_next(struct csvr *c, struct rowsrc_row *row, struct bs_err *err)
{
	size_t bad = 0;
	int r;

	if (!c->selected && csvr_select(c, NULL, c->ncols, err) < 0)
		return ROWSRC_ERROR;
	r = read_record(c, err);
	if (r <= 0)
		return r < 0 ? ROWSRC_ERROR : ROWSRC_DONE;
	row->file = csvr_name(c);
	row->line = c->start;
	row->index = c->index++;
	row->n = 0;
	row->v = c->v;
	if (c->rec.len > c->lim.max_record)
		c->rec.buf[c->rec.len = c->lim.max_record] = '\0';
	row->raw = c->rec.buf;
	row->raw_len = c->rec.len;
	if (c->too_long) {
		bs_err_at(err, BS_E_ROW, row->file, row->line,
			  "record is longer than %zu bytes", c->lim.max_record);
		return ROWSRC_BAD;
	}
	r = parse_record(c, &bad);
	if (check_record(c, bad, r == 0, err) < 0)
		return c->fail == CSVR_NOMEM ? ROWSRC_ERROR : ROWSRC_BAD;
	fill_values(c);
	row->n = c->nsel;
	return ROWSRC_ROW;
}

unsigned long long csvr_position(const struct csvr *c)
{
	return linerd_position(c->lr);
}

const char *csvr_name(const struct csvr *c)
{
	return linerd_name(c->lr);
}

void csvr_free(struct csvr *c)
{
	if (!c)
		return;
	csv_free(&c->parser);
	linerd_free(c->lr);
	sbuf_release(&c->rec);
	sbuf_release(&c->vals);
	free(c->spans);
	free(c->want);
	free(c->names);
	free(c->names_buf);
	free(c->sel);
	free(c->v);
	free(c);
}
