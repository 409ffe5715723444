/* utf8.c - UTF-8 validation and boundary-safe prefixes (see utf8.h). */
#include "utf8.h"

/* Length of the valid sequence starting at s[i], or 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t i, size_t len)
{
	unsigned char c = s[i];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (i + 1 < len && (s[i + 1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = 0x80, hi = 0xBF;

		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* surrogates */
		if (i + 2 < len && s[i + 1] >= lo && s[i + 1] <= hi &&
		    (s[i + 2] & 0xC0) == 0x80)
			return 3;
		return 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = 0x80, hi = 0xBF;

		if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* above U+10FFFF */
		if (i + 3 < len && s[i + 1] >= lo && s[i + 1] <= hi &&
		    (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80)
			return 4;
		return 0;
	}
	return 0;
}

size_t utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = seq_len(s, i, len);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

size_t utf8_chars(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

size_t utf8_prefix_chars(const char *str, size_t len, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			if (n == max_chars)
				return i;
			n++;
		}
	}
	return len;
}

size_t utf8_prefix_bytes(const char *str, size_t len, size_t max_bytes)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;

	if (len <= max_bytes)
		return len;
	i = max_bytes;
	while (i > 0 && (s[i] & 0xC0) == 0x80)
		i--;
	return i;
}
