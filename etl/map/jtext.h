/*
 * jtext.h - JSON text checked and rewritten in one compact canonical form,
 * without building a tree and without reading numbers.
 *
 * The `json` converter keeps a JSON value as text for a Long Text Area
 * field.  jtext_compact validates s (RFC 8259, any value at the top, valid
 * UTF-8, nesting at most JTEXT_MAX_DEPTH) and writes it again with:
 *   - no white space outside strings;
 *   - object keys in their original order (duplicates kept);
 *   - numbers exactly as written ("1.50", "1e-7" and
 *     "123456789012345678901234567890" stay as they are: no double);
 *   - strings with the shortest escapes: \" \\ \b \f \n \r \t, \u00XX for
 *     other control characters, everything else as UTF-8 (so "\u00e9" and
 *     "é" both become "é", and "\/" becomes "/").  A \u escape of a lone
 *     surrogate cannot be written as UTF-8 and is refused.
 * The result is never longer than the input.
 */
#ifndef JTEXT_H
#define JTEXT_H

#include <stddef.h>

#include "formats/bs_err.h"

#define JTEXT_MAX_DEPTH 128

/* Writes the canonical form of s[0..len) into out, which must have room
 * for len + 1 bytes; sets *out_len and NUL-terminates.  On invalid JSON
 * returns -1 with err (BS_E_ROW) set to the reason and 1-based position,
 * e.g. "unexpected '}' at position 9". */
int jtext_compact(const char *s, size_t len, char *out, size_t *out_len,
		  struct bs_err *err);

#endif
