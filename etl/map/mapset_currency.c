/* mapset_currency.c - CurrencyIsoCode for the mappings of a multi-currency
 * org (mapset_add_currency_codes, mapset.h): above both the set and the
 * Salesforce types (sftype.h), which looks mappings up in a set. */
#include <stdio.h>
#include <strings.h>

#include "expr.h"
#include "mapping.h"
#include "mapset.h"
#include "sftype.h"

size_t mapset_add_currency_codes(struct mapset *s, struct bs_errlist *errs)
{
	const struct map_field *f;
	char expr[300];
	const char *col;
	size_t i, j, n, bad = 0;
	struct bs_err e;
	int len;

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
		bs_err_clear(&e);
		len = expr_column_text(col, expr, sizeof(expr) - 8);
		if (len < 0) {
			bs_err_set(&e, BS_E_CONFIG, "%s: the currency column "
				   "'%.40s...' is too long a name",
				   mapping_file(m), col);
		} else {
			snprintf(expr + len, sizeof(expr) - (size_t)len,
				 " | upper");
			if (mapping_add_field(m, "CurrencyIsoCode", expr,
					      &e) == 0)
				continue;
		}
		bs_errlist_add(errs, &e);
		bad++;
	}
	return bad;
}
