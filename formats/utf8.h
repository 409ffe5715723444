/*
 * utf8.h - UTF-8 validation and character-boundary arithmetic.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF.  Lengths are in bytes unless a name says chars
 * (code points) or width (terminal columns).
 *
 * Widths are display widths for aligned text on a terminal, decided by
 * tables of Unicode 14.0 in utf8.c, never by the machine's locale: 2 for
 * East Asian Wide and Fullwidth characters (CJK ideographs, kana, Hangul
 * syllables, fullwidth forms, most emoji), 0 for combining marks (Mn, Me),
 * format characters (Cf, such as the zero width joiner, but not the soft
 * hyphen) and conjoining Hangul vowels and finals, 1 for everything else,
 * East Asian Ambiguous characters included.  A byte that is not valid
 * UTF-8 counts as one column.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns len when s[0..len) is valid UTF-8, else the byte offset of the
 * first invalid sequence. */
size_t utf8_check(const char *s, size_t len);

/* Number of characters (code points) in valid UTF-8. */
size_t utf8_chars(const char *s, size_t len);

/* Byte length of the longest prefix holding at most max_chars characters:
 * never cuts a multi-byte character. */
size_t utf8_prefix_chars(const char *s, size_t len, size_t max_chars);

/* Byte length of the longest prefix of at most max_bytes bytes that ends on
 * a character boundary. */
size_t utf8_prefix_bytes(const char *s, size_t len, size_t max_bytes);

/* Columns the code point cp takes: 0, 1 or 2 (see above). */
int utf8_cp_width(uint32_t cp);

/* Columns s[0..len) takes on a terminal. */
size_t utf8_width(const char *s, size_t len);

/* Byte length of the longest prefix at most max_cols columns wide, with the
 * zero-width characters that follow it (a base letter keeps its accents);
 * never cuts a multi-byte character. */
size_t utf8_prefix_width(const char *s, size_t len, size_t max_cols);

#endif
