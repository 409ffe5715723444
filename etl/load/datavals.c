/* datavals.c - distinct values of dataset columns (see datavals.h). */
#include "datavals.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export/dataset.h"
#include "map/decimal.h"

#define DATAVALS_MAX_COLS 16

struct column {
	char **v;
	size_t n;
	int more, flags;
	/* DATAVALS_NUMBERS */
	size_t count;
	int intdigits;
	char *widest, *notnum;
};

struct datavals {
	struct column c[DATAVALS_MAX_COLS];
	size_t n, max;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *copy(const struct bs_value *val)
{
	char *s = malloc(val->len + 1);

	if (s) {
		memcpy(s, val->s, val->len);
		s[val->len] = '\0';
	}
	return s;
}

/* A value of a column read as numbers; -1 when out of memory. */
static int add_number(struct column *c, const struct bs_value *val)
{
	struct bs_err e;
	struct dec d;
	int digits;

	c->count++;
	bs_err_clear(&e);
	if (dec_parse(&d, val->s, val->len, &e) < 0) {
		if (!c->notnum && !(c->notnum = copy(val)))
			return -1;
		return 0;
	}
	digits = d.n && d.exp + d.n > 0 ? d.exp + d.n : 0;
	if (digits > c->intdigits || !c->widest) {
		free(c->widest);
		c->intdigits = digits;
		if (!(c->widest = copy(val)))
			return -1;
	}
	return 0;
}

/* -1 when out of memory. */
static int add(struct column *c, const struct bs_value *val, size_t max)
{
	size_t i;
	char *s;

	if (val->kind == BS_V_NULL || val->kind == BS_V_JSON || !val->len)
		return 0;
	if (c->flags & DATAVALS_NUMBERS)
		return add_number(c, val);
	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == val->len &&
		    (c->flags & DATAVALS_UPPER ? !strncasecmp(c->v[i], val->s, val->len)
			      : !memcmp(c->v[i], val->s, val->len)))
			return 0;
	if (c->n == max) {
		c->more = 1;
		return 0;
	}
	if (!(s = copy(val)))
		return -1;
	for (i = 0; c->flags & DATAVALS_UPPER && s[i]; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 'a' + 'A');
	c->v[c->n++] = s;
	return 0;
}

struct datavals *datavals_scan(const struct config *cfg, const char *dataset,
			       const char *const *cols, size_t n,
			       const int *flags, size_t max,
			       struct bs_err *err)
{
	struct datavals *d = calloc(1, sizeof(*d));
	struct dataset *ds = NULL;
	struct rowsrc_row row;
	size_t i;
	int r = -1;

	if (!d || n > DATAVALS_MAX_COLS) {
		free(d);
		bs_err_set(err, n > DATAVALS_MAX_COLS ? BS_E_INTERNAL : BS_E_NOMEM,
			   "datavals: %s", d ? "too many columns" : "out of memory");
		return NULL;
	}
	d->n = n;
	d->max = max;
	for (i = 0; i < n; i++) {
		d->c[i].flags = flags[i];
		if (!(d->c[i].v = calloc(max ? max : 1, sizeof(char *))))
			goto out;
	}
	ds = dataset_open(cfg, dataset, err);
	if (!ds || dataset_select(ds, cols, n, err) < 0)
		goto out;
	while ((r = dataset_next(ds, &row, err)) != ROWSRC_DONE) {
		if (r == ROWSRC_ERROR)
			goto out;
		if (r == ROWSRC_BAD)
			continue;
		for (i = 0; i < n && i < row.n; i++)
			if (add(&d->c[i], &row.v[i], max) < 0) {
				bs_err_set(err, BS_E_NOMEM, "out of memory");
				r = ROWSRC_ERROR;
				goto out;
			}
	}
	for (i = 0; i < n; i++)
		qsort(d->c[i].v, d->c[i].n, sizeof(char *), cmp_str);
out:
	dataset_free(ds);
	if (r != ROWSRC_DONE) {
		if (err->kind == BS_E_NONE)
			bs_err_set(err, BS_E_NOMEM, "out of memory");
		datavals_free(d);
		return NULL;
	}
	return d;
}

void datavals_free(struct datavals *d)
{
	size_t i, j;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < d->c[i].n; j++)
			free(d->c[i].v[j]);
		free(d->c[i].v);
		free(d->c[i].widest);
		free(d->c[i].notnum);
	}
	free(d);
}

size_t datavals_get(const struct datavals *d, size_t i,
		    const char *const **vals, int *more)
{
	*vals = (const char *const *)d->c[i].v;
	*more = d->c[i].more;
	return d->c[i].n;
}

size_t datavals_numbers(const struct datavals *d, size_t i, int *intdigits,
			const char **widest, const char **notnum)
{
	*intdigits = d->c[i].intdigits;
	*widest = d->c[i].widest;
	*notnum = d->c[i].notnum;
	return d->c[i].count;
}
