/*
 * bulkfile.h - the bytes of a bulk file: streaming one as the body of an
 * upload, and writing a smaller one from some of its rows.
 *
 * An upload body is read from the file as it goes out, in fixed-size
 * pieces, so a 100 MB bulk file is never held in memory.  A gzipped bulk
 * file (NAME.csv.gz) is sent as it is when the org takes gzip (the caller
 * then sends Content-Encoding: gzip), or decompressed on the fly when it
 * does not; a plain .csv file is sent as it is.  The body's exact length is
 * known before sending (for a decompressed body, by reading the file once
 * first), so no chunked encoding is needed.
 */
#ifndef BULKFILE_H
#define BULKFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "formats/bs_err.h"

struct bulkfile_body;

/* Opens path for sending; want_gzip asks for the compressed form.  Errors
 * are BS_E_IO (cannot open) or BS_E_INPUT (a damaged .gz). */
struct bulkfile_body *bulkfile_body_open(const char *path, int want_gzip,
					 struct bs_err *err);
/* 1 when the body's bytes are gzip (send Content-Encoding: gzip). */
int bulkfile_body_gzip(const struct bulkfile_body *b);
/* The exact number of bytes bulkfile_body_read gives from the start. */
long long bulkfile_body_len(const struct bulkfile_body *b);
/* An http_read_fn (http.h): ctx is the struct bulkfile_body. */
ssize_t bulkfile_body_read(void *ctx, void *buf, size_t n, struct bs_err *err);
/* Starts again from the first byte (for another attempt). */
int bulkfile_body_rewind(struct bulkfile_body *b, struct bs_err *err);
/* Closes; NULL is harmless. */
void bulkfile_body_free(struct bulkfile_body *b);

/* Decides whether a row goes into the new file, by its key. */
typedef int (*bulkfile_want_fn)(void *ctx, const char *key, size_t len);

/* Writes dst: the header of the bulk file src, then each row of src whose
 * key_field value want() accepts, byte for byte as it is in src (a row is
 * never re-encoded).  dst is gzipped when its name ends in ".gz" (a bulk
 * file like the others: bulkfile_body_open sends it either way), else
 * plain CSV.  *rows receives the count. */
int bulkfile_copy_rows(const char *src, const char *key_field,
		       bulkfile_want_fn want, void *ctx, const char *dst,
		       unsigned long long *rows, struct bs_err *err);

#endif
