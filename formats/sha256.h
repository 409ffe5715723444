/*
 * sha256.h - SHA-256 digests in lower-case hex, incremental or of a file.
 *
 * A struct sha256 is opaque: sha256_new makes one, sha256_update feeds it
 * any number of times, sha256_final writes the digest and leaves it ready
 * for a new message, sha256_free releases it (NULL is harmless).  The work
 * is done by OpenSSL's EVP interface; this is the only file that includes
 * it for the writers.
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>

#include "bs_err.h"

/* 64 hex digits and a NUL. */
#define SHA256_HEX_SIZE 65

struct sha256;

struct sha256 *sha256_new(struct bs_err *err);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes the digest of everything fed since the last final (or new) as 64
 * lower-case hex digits and a NUL into hex, then starts a new message. */
int sha256_final(struct sha256 *h, char hex[SHA256_HEX_SIZE],
		 struct bs_err *err);
void sha256_free(struct sha256 *h);

/* The digest of the file at path, read with a fixed buffer. */
int sha256_file(const char *path, char hex[SHA256_HEX_SIZE],
		struct bs_err *err);

#endif
