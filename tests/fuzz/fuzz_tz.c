/* fuzz_tz.c - the time zone reader (etl/map/tz.c): any bytes as a TZif
 * file (RFC 8536) through tz_from_tzif, as tz_load reads a zone of the
 * zoneinfo folder; and the bytes up to the first line end as the POSIX TZ
 * rule of a TZif file without transitions ("CET-1CEST,M3.5.0,M10.5.0/3").
 * A zone that loads is asked for its offset at and around instants from
 * 1900 to 2100 and for the UTC instant of local times: offsets stay within
 * what the reader allows (26 hours, a rule's 24 hours and 59 minutes),
 * and a local time is never moved further than that. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "map/tz_int.h"

#define OFFSET_MAX (26 * 3600)
#define T_1900 (-2208988800LL)
#define T_2100 (4102444800LL)
#define STEP (86400LL * 37 + 3631)   /* about 2,000 instants, odd hours */

static void ask(const struct tz *z)
{
	int64_t t, u;
	int32_t off;

	for (t = T_1900; t < T_2100; t += STEP) {
		off = tz_offset_at(z, t);
		assert(off >= -OFFSET_MAX && off <= OFFSET_MAX);
		u = tz_local_to_utc(z, t);
		assert(u - t >= -OFFSET_MAX && u - t <= OFFSET_MAX);
	}
}

static void load(const unsigned char *p, size_t len)
{
	struct bs_err err;
	struct tz *z = tz_from_tzif("Fuzz/Zone", p, len, &err);

	if (z)
		ask(z);
	tz_free(z);
}

/* A version 2 TZif file with no transitions, one type (UTC), and the
 * rule as its footer; *len bytes (malloc'd). */
static unsigned char *with_rule(const uint8_t *data, size_t size, size_t *len)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size, at = 0;
	unsigned char *f = malloc(2 * (44 + 6) + n + 2);
	int i;

	if (!f)
		return NULL;
	for (i = 0; i < 2; i++) {   /* the 32-bit and the 64-bit header */
		memset(f + at, 0, 44 + 6);
		memcpy(f + at, "TZif2", 5);
		f[at + 39] = 1;     /* typecnt */
		at += 44 + 6;       /* one ttinfo: offset 0, no DST, index 0 */
	}
	f[at++] = '\n';
	memcpy(f + at, data, n);
	at += n;
	f[at++] = '\n';
	*len = at;
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *f;
	size_t len;

	load(data, size);
	f = with_rule(data, size, &len);
	if (f)
		load(f, len);
	free(f);
	return 0;
}
