/* plan_diff.c - a changed record's field diff: its mapped row now against
 * the values the state kept from its last sync (see plan.h and state.h,
 * "Kept values"). */
#include "plan_int.h"

#include <stdlib.h>
#include <string.h>

#include "formats/csvw.h"
#include "formats/input.h"
#include "formats/rowsrc.h"
#include "formats/sbuf.h"
#include "map/decimal.h"
#include "map/mapping.h"

void plan_changes_free(struct plan_change *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++) {
		free(c[i].field);
		free(c[i].was);
		free(c[i].now);
	}
	free(c);
}

/* The kept value of field, or NULL. */
static const struct bs_value *kept(const struct state_values *kv,
				   const char *field)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (!strcmp(kv->names[i], field))
			return &kv->values[i];
	return NULL;
}

static int add_change(struct plan_key *k, const char *field,
		      const struct bs_value *was, const struct bs_value *now)
{
	struct plan_change *c = realloc(k->changes,
					(k->nchanges + 1) * sizeof(*c));

	if (!c)
		return -1;
	k->changes = c;
	c += k->nchanges++;
	c->field = strdup(field);
	c->was = was ? strndup(was->s, was->len) : NULL;
	c->now = strndup(now->s, now->len);
	return c->field && (!was || c->was) && c->now ? 0 : -1;
}

/* Salesforce sends a number field back re-serialised as a Java double
 * ("30" as "30.0", 912260031 as "9.12260031E8"): a kept value written so
 * (with a point) is the same as a value now of the same number. */
static int same_number(const struct bs_value *was, const struct bs_value *now)
{
	struct dec a, b;
	struct bs_err e;

	return memchr(was->s, '.', was->len) &&
	       dec_parse(&a, was->s, was->len, &e) == 0 &&
	       dec_parse(&b, now->s, now->len, &e) == 0 && dec_cmp(&a, &b) == 0;
}

static int differs(const struct bs_value *was, const struct bs_value *now)
{
	return !was || ((was->len != now->len ||
			 memcmp(was->s, now->s, was->len)) &&
			!same_number(was, now));
}

/* The fields of row (m's encoded CSV record) that differ from kv. */
static int compare(const struct mapping *m, const char *row, size_t row_len,
		   const struct state_values *kv, struct plan_key *k,
		   struct bs_err *err)
{
	const struct map_field *f;
	size_t nf = mapping_fields(m, &f), i;
	const char **names = calloc(nf ? nf : 1, sizeof(*names));
	struct rowsrc *rs = NULL;
	struct rowsrc_row r;
	struct input *in;
	struct sbuf csv;
	int rc = -1;

	sbuf_init(&csv, 0);
	for (i = 0; names && i < nf; i++)
		names[i] = f[i].target;
	if (!names || csvw_record_strs(&csv, names, NULL, nf, 0, err) < 0 ||
	    sbuf_add(&csv, row, row_len) < 0) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	in = input_open_mem("row.csv", csv.buf, csv.len, 0, err);
	rs = in ? rowsrc_open_input(in, "row.csv", NULL, err) : NULL;
	if (!rs || rowsrc_next(rs, &r, err) != ROWSRC_ROW || r.n != nf) {
		if (err->kind == BS_E_NONE)
			bs_err_set(err, BS_E_INTERNAL, "%s: a mapped record "
				   "could not be read back", mapping_object(m));
		goto out;
	}
	for (i = 0; i < nf; i++) {
		const struct bs_value *was = kept(kv, names[i]);

		if (differs(was, &r.v[i]) &&
		    add_change(k, names[i], was, &r.v[i]) < 0) {
			bs_err_set(err, BS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	rowsrc_free(rs);
	sbuf_release(&csv);
	free(names);
	return rc;
}

int plan_diff(struct planner *p, const struct mapping *m, const char *key,
	      size_t key_len, const char *row, size_t row_len,
	      struct plan_key *k, struct bs_err *err)
{
	struct state_values kv;
	int found;

	k->values = PLAN_VALUES_HASHES;
	if (!mapping_keep_values(m))
		return 0;
	found = state_values_get(p->c.st, mapping_object(m), key, key_len,
				 &kv, err);
	if (found < 0)
		return -1;
	k->values = found ? PLAN_VALUES_KEPT : PLAN_VALUES_NONE_YET;
	return found ? compare(m, row, row_len, &kv, k, err) : 0;
}
