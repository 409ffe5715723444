/*
 * out.h - billsync-gen's output files: CSV written through a 1 MiB buffer,
 * straight to DIR/NAME.csv or through a `gzip -1 -n` child process to
 * DIR/NAME.csv.gz.
 *
 * A write error is sticky: the put_* functions never fail on their own,
 * and out_close() reports the first error.  The caller owns a struct out
 * from out_new() to out_free().
 */
#ifndef GEN_OUT_H
#define GEN_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "dates.h"

struct out;

/* A closed output, or NULL when out of memory. */
struct out *out_new(void);
/* Closes it if open (its errors are lost: call out_close first) and frees
 * it; NULL is harmless. */
void out_free(struct out *o);

/* Creates DIR/NAME.csv, or DIR/NAME.csv.gz through gzip when gzip is set:
 * 0, or -1 with errno (out_close then releases what was made). */
int out_open(struct out *o, const char *dir, const char *name, int gzip);
/* Flushes and closes; 0, or -1 with errno of the first failure (EIO when
 * gzip failed).  A closed or never opened output closes with 0. */
int out_close(struct out *o);
/* The file's name (as far as it fitted), once out_open was called. */
const char *out_path(const struct out *o);
/* The rows ended so far. */
uint64_t out_rows(const struct out *o);

void put_mem(struct out *o, const char *s, size_t n);
void put_ch(struct out *o, char c);
void put_str(struct out *o, const char *s);
/* A CSV field: quoted (with doubled quotes) when it holds , " CR or LF. */
void put_text(struct out *o, const char *s, size_t n);
/* put_text of a string; nothing for NULL. */
void put_cstr(struct out *o, const char *s);
void put_u64(struct out *o, uint64_t v);
/* v / 10^vscale with at least mindec decimals (fmt_dec, money.h). */
void put_dec(struct out *o, int64_t v, int vscale, int mindec);
/* Money held at scale 6, written with the currency's scale. */
void put_money(struct out *o, int64_t v6, int scale);
/* A timestamp, or nothing when t is 0 (null). */
void put_ts(struct out *o, int64_t t, enum tstyle st);
void put_sep(struct out *o);
/* Ends a row (LF) and counts it. */
void end_row(struct out *o);

/* mkdir -p: 0, or -1 with errno. */
int mkdirs(const char *dir);

#endif
