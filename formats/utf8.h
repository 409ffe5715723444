/*
 * utf8.h - UTF-8 validation and character-boundary arithmetic.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF.  Lengths are in bytes unless a name says chars.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

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

#endif
