/* table.c - aligned text tables for terminal reports (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "formats/sbuf.h"
#include "formats/utf8.h"

struct table {
	size_t ncols;
	char **cells;          /* rows * ncols, row 0 = headers */
	size_t rows, alloc;    /* rows includes the header row */
	unsigned char *right;
	struct arena arena;
};

/* A cell made printable: line breaks and tabs become visible marks. */
static char *clean(struct arena *a, const char *s, size_t len)
{
	struct sbuf sb;
	char *out;
	size_t i;

	sbuf_init(&sb, 0);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			sbuf_adds(&sb, "\xE2\x8F\x8E");      /* ⏎ */
		else if (s[i] == '\r')
			continue;
		else if (s[i] == '\t')
			sbuf_adds(&sb, "\xE2\x86\x92");      /* → */
		else if ((unsigned char)s[i] < 0x20)
			sbuf_addc(&sb, '?');
		else
			sbuf_addc(&sb, s[i]);
	}
	out = sbuf_failed(&sb) ? NULL : arena_strndup(a, sb.buf, sb.len);
	sbuf_release(&sb);
	return out;
}

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->right = calloc(ncols ? ncols : 1, 1);
	arena_init(&t->arena, 32 * 1024);
	if (!t->right || table_add(t, headers, NULL) < 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	arena_release(&t->arena);
	free(t->cells);
	free(t->right);
	free(t);
}

void table_align_right(struct table *t, size_t col)
{
	if (col < t->ncols)
		t->right[col] = 1;
}

int table_add(struct table *t, const char *const *cells, const size_t *lens)
{
	size_t i;

	if (t->rows == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 16;
		char **nc = realloc(t->cells, na * t->ncols * sizeof(*nc));

		if (!nc)
			return -1;
		t->cells = nc;
		t->alloc = na;
	}
	for (i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		char *v = clean(&t->arena, c, lens && cells[i] ? lens[i] :
				strlen(c));

		if (!v)
			return -1;
		t->cells[t->rows * t->ncols + i] = v;
	}
	t->rows++;
	return 0;
}

size_t table_rows(const struct table *t)
{
	return t->rows - 1;
}

/* Terminal columns, not bytes or code points: 株 takes two, a combining
 * accent none (utf8.h). */
static size_t columns(const char *s)
{
	return utf8_width(s, strlen(s));
}

static size_t col_width(const struct table *t, size_t col, size_t max)
{
	size_t r, w = 0, c;

	for (r = 0; r < t->rows; r++) {
		c = columns(t->cells[r * t->ncols + col]);
		if (c > w)
			w = c;
	}
	return max && w > max ? max : w;
}

/* Prints s in width columns: padded, or cut with … (and padded when a
 * wide character did not fit before the …). */
static void put_cell(FILE *f, const char *s, size_t width, int right,
		     int last)
{
	size_t len = strlen(s), n = columns(s), keep = len, pad;
	int cut = n > width;

	if (cut) {
		keep = utf8_prefix_width(s, len, width ? width - 1 : 0);
		n = utf8_width(s, keep) + 1;
	}
	pad = width > n ? width - n : 0;
	if (right)
		while (pad--)
			fputc(' ', f);
	fwrite(s, 1, keep, f);
	if (cut)
		fputs("\xE2\x80\xA6", f);                      /* … */
	if (!right && !last)
		while (pad--)
			fputc(' ', f);
}

size_t table_width(const struct table *t, size_t max_width)
{
	size_t c, w = 0;

	for (c = 0; c < t->ncols; c++)
		w += col_width(t, c, max_width) + (c ? 2 : 0);
	return w;
}

void table_print(const struct table *t, FILE *f, size_t max_width)
{
	size_t widths[512], r, c, nc = t->ncols < 512 ? t->ncols : 512;

	for (c = 0; c < nc; c++)
		widths[c] = col_width(t, c, max_width);
	for (r = 0; r < t->rows; r++) {
		for (c = 0; c < nc; c++) {
			if (c)
				fputs("  ", f);
			put_cell(f, t->cells[r * t->ncols + c], widths[c],
				 r && t->right[c], c + 1 == nc);
		}
		fputc('\n', f);
		if (r == 0) {
			for (c = 0; c < nc; c++) {
				size_t k;

				if (c)
					fputs("  ", f);
				for (k = 0; k < widths[c]; k++)
					fputc('-', f);
			}
			fputc('\n', f);
		}
	}
}

void table_print_vertical(const struct table *t, FILE *f, size_t max_width,
			  const char *const *row_titles)
{
	size_t hw = 0, r, c, n;

	for (c = 0; c < t->ncols; c++) {
		n = columns(t->cells[c]);
		if (n > hw)
			hw = n;
	}
	for (r = 1; r < t->rows; r++) {
		fprintf(f, "-- %s\n", row_titles && row_titles[r - 1] ?
			row_titles[r - 1] : "row");
		for (c = 0; c < t->ncols; c++) {
			put_cell(f, t->cells[c], hw, 0, 0);
			fputs("  ", f);
			put_cell(f, t->cells[r * t->ncols + c],
				 max_width ? max_width : 100000, 0, 1);
			fputc('\n', f);
		}
	}
}
