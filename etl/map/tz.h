/*
 * tz.h - IANA time zones, read from TZif files without touching the
 * process's TZ (no setenv, tzset or localtime).
 *
 * tz_load reads the zone's file from the zoneinfo folder ($TZDIR if set,
 * else /usr/share/zoneinfo): the 64-bit section of version 2+ files (the
 * 32-bit one of version 1 files), and the POSIX TZ rule at the end of the
 * file ("CET-1CEST,M3.5.0,M10.5.0/3") for instants after the last listed
 * transition, so 2040 dates follow the zone's current rules.  "UTC" needs
 * no file.  A zone is loaded once (when a mapping is loaded) and is
 * immutable afterwards, so one struct tz may serve any number of threads.
 *
 * Local time to UTC (tz_local_to_utc) has two awkward cases:
 *   - overlap (clocks go back: 01:30 happens twice in New York on
 *     2024-11-03): the earlier instant is taken (the offset before the
 *     change, here EDT);
 *   - gap (clocks go forward: 02:30 never happens in New York on
 *     2024-03-10): the time is moved forward by the length of the gap
 *     (02:30 EST, that is 03:30 EDT).
 * This is what java.time and Python's fold=0 do.  Both assume at most one
 * change of offset within a day of the instant, which holds for every zone
 * in the IANA database since 1970.
 *
 * Instants are seconds since 1970-01-01T00:00:00Z (POSIX time: no leap
 * seconds).  Offsets are seconds east of UTC (Paris in winter: 3600).
 */
#ifndef TZ_H
#define TZ_H

#include <stdint.h>

#include "formats/bs_err.h"

#define TZ_NAME_MAX 255
#define TZ_FILE_MAX ((long)1 << 20)    /* bytes in a TZif file */
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"

struct tz;

/* Loads the zone called name ("Europe/Paris").  A name that is not a
 * plain relative path (leading '/', "..", odd characters) is refused.
 * Errors are BS_E_CONFIG: "unknown time zone 'Europe/Pari'; did you mean
 * 'Europe/Paris'?".  The caller frees the result with tz_free. */
struct tz *tz_load(const char *name, struct bs_err *err);

/* Like tz_load, with the zoneinfo folder given (for tests). */
struct tz *tz_load_dir(const char *dir, const char *name, struct bs_err *err);

void tz_free(struct tz *z);

/* The name the zone was loaded with. */
const char *tz_name(const struct tz *z);

/* The offset from UTC in force at instant t.  z NULL means UTC. */
int32_t tz_offset_at(const struct tz *z, int64_t t);

/* The instant at which local wall-clock time `local` (seconds since
 * 1970-01-01T00:00:00 local) happens, with the overlap and gap rules
 * above.  z NULL means UTC. */
int64_t tz_local_to_utc(const struct tz *z, int64_t local);

#endif
