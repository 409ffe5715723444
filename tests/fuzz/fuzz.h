/*
 * fuzz.h - what the fuzz harnesses in tests/fuzz/ share.
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput and is built two ways:
 * with clang -fsanitize=fuzzer (make fuzz), and with gcc under ASan+UBSan
 * linked to driver.c, which replays tests/fuzz/corpus/NAME/ (make check).
 * A harness never fails on bad input: it feeds the bytes to the code under
 * test and lets the sanitizers, and its own asserts, find what is wrong.
 * Test-only code: the temporary folder below is the one piece of global
 * state, kept here and not in the product.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data[0..size) to a file named NAME in a private temporary folder
 * (made on first use, removed at exit) and returns its path, which stays
 * valid until the next call with the same name; NULL on failure. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* data as a NUL-terminated string (malloc'd; NULL when out of memory). */
char *fuzz_text(const uint8_t *data, size_t size);

#endif
