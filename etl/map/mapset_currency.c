/* mapset_currency.c - CurrencyIsoCode for the mappings of a multi-currency
 * org (mapset_add_currency_codes, mapset.h): above both the set and the
 * Salesforce types (sftype.h), which looks mappings up in a set. */
#include <stdio.h>
#include <strings.h>

#include "mapping.h"
#include "mapset.h"
#include "sftype.h"

size_t mapset_add_currency_codes(struct mapset *s, struct bs_errlist *errs)
{
	const struct map_field *f;
	char expr[300];
	const char *col, *c;
	size_t i, j, n, o, bad = 0;
	struct bs_err e;

	for (i = 0; i < mapset_count(s); i++) {
		struct mapping *m = mapset_mapping(s, i);
		const struct map_group_key *k;

		col = sftype_currency_column(m);
		/* a group mapping's fields read its keys: it sets its own */
		if (!col || mapping_group_keys(m, &k) ||
		    (mapping_op(m) != MAP_UPSERT && mapping_op(m) != MAP_INSERT))
			continue;
		n = mapping_fields(m, &f);
		for (j = 0; j < n && strcasecmp(f[j].target, "CurrencyIsoCode");
		     j++)
			;
		if (j < n)
			continue;       /* the mapping sets it itself */
		/* col("...") takes any column name */
		o = (size_t)snprintf(expr, sizeof(expr), "col(\"");
		for (c = col; *c && o + 12 < sizeof(expr); c++) {
			if (*c == '"' || *c == '\\')
				expr[o++] = '\\';
			expr[o++] = *c;
		}
		snprintf(expr + o, sizeof(expr) - o, "\") | upper");
		bs_err_clear(&e);
		if (mapping_add_field(m, "CurrencyIsoCode", expr, &e) < 0) {
			bs_errlist_add(errs, &e);
			bad++;
		}
	}
	return bad;
}
