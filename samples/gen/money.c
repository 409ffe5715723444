/* money.c - decimal text and exact money arithmetic (money.h). */
#include "money.h"
#include "refdata.h"

size_t fmt_dec(char *b, int64_t v, int vscale, int mindec)
{
	char dig[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = 0, intlen, frac, i;
	char *p = b;

	do {
		dig[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n <= vscale)
		dig[n++] = '0';
	frac = vscale;
	while (frac > mindec && dig[vscale - frac] == '0')
		frac--;
	if (v < 0)
		*p++ = '-';
	intlen = n - vscale;
	for (i = n - 1; i >= n - intlen; i--)
		*p++ = dig[i];
	if (frac) {
		*p++ = '.';
		for (i = vscale - 1; i >= vscale - frac; i--)
			*p++ = dig[i];
	}
	return (size_t)(p - b);
}

static int64_t round_div(int64_t a, int64_t b)   /* half away from zero; b > 0 */
{
	return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static int64_t unit6(int scale)   /* the currency's smallest unit at scale 6 */
{
	static const int64_t u[] = { E6, 100000, 10000, 1000 };

	return u[scale];
}

int64_t to_unit(int64_t v6, int scale)
{
	return round_div(v6, unit6(scale)) * unit6(scale);
}

int64_t local_price(int64_t usd6, int cur)
{
	return usd6 * currencies[cur].factor / 100;
}

int64_t amount_of(int64_t q7, int64_t unit)
{
	return (q7 / E7) * unit + ((q7 % E7) * unit + E7 / 2) / E7;
}

