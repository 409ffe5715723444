/*
 * dates.h - billsync-gen's days: billing anchors (the day of the month a
 * subscription bills on) and ISO 8601 timestamps.  Days count from
 * 1970-01-01 (day 0), instants in seconds likewise (etl/base/calendar.h).
 * Pure functions.
 */
#ifndef GEN_DATES_H
#define GEN_DATES_H

#include <stddef.h>
#include <stdint.h>

#define DAY 86400LL

/* The day of month `anchor` (1..28) in the month `delta` months after day z's. */
int64_t anchor_in_month(int64_t z, int anchor, int delta);
/* The first billing anchor strictly after day z. */
int64_t next_anchor(int64_t z, int anchor);
/* The last billing anchor on or before day z. */
int64_t last_anchor(int64_t z, int anchor);

/* How a timestamp is written: ...Z, ...+00:00, or in Tokyo time ...+09:00. */
enum tstyle { TS_Z, TS_UTC, TS_JST };

/* Writes t (seconds since the epoch) as ISO 8601 into b (32 bytes are
 * enough; not terminated); returns the length. */
size_t fmt_ts(char *b, int64_t t, enum tstyle st);

#endif
