/*
 * gen.h - billsync-gen's generator: a billing export of seven datasets
 * (the ones of samples/), deterministic for a seed and a size,
 * referentially consistent, with its rows grouped by parent the way an
 * export is.  main.c drives it: gen_new, gen_open, gen_run, gen_close,
 * gen_free.
 */
#ifndef GEN_H
#define GEN_H

#include <stdint.h>

#define GEN_MIN_DLIR 100ULL
#define GEN_MAX_DLIR 1000000000ULL       /* keeps N x weights within 64 bits */
#define GEN_DEFAULT_DLIR 3000000ULL

#define GEN_DATASETS 7

struct gen;

/* A generator of dlir_rows daily revenue rows (GEN_MIN_DLIR to
 * GEN_MAX_DLIR) from seed, with the bad rows of --bad-rows when bad_rows
 * is set; NULL when out of memory.  The caller owns it. */
struct gen *gen_new(uint64_t dlir_rows, uint64_t seed, int bad_rows);
/* Closes its files if open (their errors are lost: call gen_close first)
 * and frees it; NULL is harmless. */
void gen_free(struct gen *g);

/* Creates the datasets' files in dir, which exists (DIR/NAME.csv, or
 * NAME.csv.gz through gzip when gzip is set), and writes their header
 * lines: 0, or -1 with errno and *failed the file that failed. */
int gen_open(struct gen *g, const char *dir, int gzip, const char **failed);
/* Writes every row; returns the daily revenue rows written, which is
 * dlir_rows unless something is wrong with the generator itself. */
uint64_t gen_run(struct gen *g);
/* Flushes and closes the files: 0, or -1 with errno and *failed the first
 * file that failed (the others are closed all the same). */
int gen_close(struct gen *g, const char **failed);

/* Dataset k's name (0 to GEN_DATASETS - 1) and the rows written to it. */
const char *gen_dataset(int k);
uint64_t gen_rows(const struct gen *g, int k);

#endif
