/*
 * table.h - aligned text tables for terminal reports (preview, summaries,
 * status).
 *
 * Cells are copied in.  Widths are terminal columns, whatever the locale
 * (utf8_width: a CJK character takes two, a combining accent none); line
 * breaks and tabs inside a cell show as ⏎ and →, and a cell wider than the
 * column limit is cut (on a character boundary) with …  Numbers can be
 * right-aligned.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

struct table *table_new(size_t ncols, const char *const *headers);
void table_free(struct table *t);
/* Right-aligns column col (counts). */
void table_align_right(struct table *t, size_t col);
/* Adds a row of ncols cells; lens NULL means NUL-terminated cells; a NULL
 * cell is shown empty.  -1 when out of memory. */
int table_add(struct table *t, const char *const *cells, const size_t *lens);
size_t table_rows(const struct table *t);
/* Columns side by side; max_width caps a column (0: no cap). */
void table_print(const struct table *t, FILE *f, size_t max_width);
/* One block per row: "header  value" lines (for wide rows). */
void table_print_vertical(const struct table *t, FILE *f, size_t max_width,
			  const char *const *row_titles);
/* Width of the side-by-side form with that cap. */
size_t table_width(const struct table *t, size_t max_width);

#endif
