/* compare.c - ordering two values as text, exact numbers or instants, the
 * way filter conditions compare them (see compare.h). */
#include "compare.h"

#include <string.h>

#include "datetime.h"
#include "decimal.h"

int compare_literal_type(const char *s, size_t len, enum cmp_type *type)
{
	struct dt_fields f;
	struct dec d;

	if (dec_parse(&d, s, len, NULL) == 0) {
		*type = CMP_NUMBER;
		return 1;
	}
	if (dt_parse_iso(s, len, &f, NULL) == 0) {
		*type = CMP_TIME;
		return 1;
	}
	return 0;
}

static int read_number(const char *s, size_t len, struct dec *d,
		       struct bs_err *err)
{
	if (dec_parse(d, s, len, NULL) == 0)
		return 0;
	return bs_err_set(err, BS_E_ROW, "cannot read '%.*s' as a number",
			  (int)(len > 60 ? 60 : len), s);
}

static int read_instant(const char *s, size_t len, struct dt_instant *t,
			struct bs_err *err)
{
	struct dt_fields f;

	if (dt_parse_iso(s, len, &f, NULL) == 0 &&
	    dt_to_instant(&f, NULL, t, NULL) == 0)
		return 0;
	return bs_err_set(err, BS_E_ROW, "cannot read '%.*s' as a date or "
			  "time", (int)(len > 60 ? 60 : len), s);
}

int compare_values(enum cmp_type type, const char *a, size_t alen,
		   const char *b, size_t blen, int *result, struct bs_err *err)
{
	switch (type) {
	case CMP_TEXT: {
		int c = memcmp(a, b, alen < blen ? alen : blen);

		*result = c ? c : (alen > blen) - (alen < blen);
		return 0;
	}
	case CMP_NUMBER: {
		struct dec x, y;

		if (read_number(a, alen, &x, err) < 0 ||
		    read_number(b, blen, &y, err) < 0)
			return -1;
		*result = dec_cmp(&x, &y);
		return 0;
	}
	case CMP_TIME: {
		struct dt_instant x, y;

		if (read_instant(a, alen, &x, err) < 0 ||
		    read_instant(b, blen, &y, err) < 0)
			return -1;
		*result = dt_instant_cmp(&x, &y);
		return 0;
	}
	}
	return bs_err_set(err, BS_E_INTERNAL, "bad comparison type");
}
