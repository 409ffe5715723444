/* sha256.c - SHA-256 digests in hex through OpenSSL EVP (see sha256.h). */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define SHA256_READ_BUF 65536

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *sha256_new(struct bs_err *err)
{
	struct sha256 *h = calloc(1, sizeof(*h));

	if (!h || !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		bs_err_set(err, BS_E_NOMEM, "out of memory for a sha-256 context");
		return NULL;
	}
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		sha256_free(h);
		bs_err_set(err, BS_E_INTERNAL, "cannot start a sha-256 digest");
		return NULL;
	}
	return h;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	/* EVP_DigestUpdate cannot fail for an initialised software digest. */
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

int sha256_final(struct sha256 *h, char hex[SHA256_HEX_SIZE],
		 struct bs_err *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32 ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		return bs_err_set(err, BS_E_INTERNAL, "cannot finish a sha-256 digest");
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}

void sha256_free(struct sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int sha256_file(const char *path, char hex[SHA256_HEX_SIZE],
		struct bs_err *err)
{
	unsigned char *buf;
	struct sha256 *h;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot open: %s",
				 strerror(errno));
	buf = malloc(SHA256_READ_BUF);
	h = buf ? sha256_new(err) : NULL;
	if (!buf)
		bs_err_set(err, BS_E_NOMEM, "out of memory for a read buffer");
	while (h) {
		n = read(fd, buf, SHA256_READ_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bs_err_at(err, BS_E_IO, path, 0, "cannot read: %s",
				  strerror(errno));
			break;
		}
		if (n == 0) {
			rc = sha256_final(h, hex, err);
			break;
		}
		sha256_update(h, buf, (size_t)n);
	}
	sha256_free(h);
	free(buf);
	close(fd);
	return rc;
}
