/*
 * tz_int.h - tz.c's TZif reader on bytes in memory, internal to the map
 * layer and its tests (tests/fuzz/fuzz_tz.c); tz_load reads the file and
 * parses it the same way.
 */
#ifndef TZ_INT_H
#define TZ_INT_H

#include <stddef.h>

#include "tz.h"

/* The zone named name (used in messages only) from the TZif file p[0..len)
 * (RFC 8536, with its POSIX TZ rule footer), or UTC when p is NULL;
 * BS_E_CONFIG when it is not one billsync can use.  The caller frees the
 * result with tz_free. */
struct tz *tz_from_tzif(const char *name, const unsigned char *p, size_t len,
			struct bs_err *err);

#endif
