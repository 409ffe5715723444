/*
 * orgcheck_int.h - orgcheck's checks apart from how the describes are
 * fetched, for tests (tests/fuzz/fuzz_describe.c); not part of orgcheck.h.
 *
 * orgcheck_run (orgcheck.h) fetches each describe from Salesforce through
 * sf_api and hands them to orgcheck_maps; a test hands it any text as the
 * answer instead.
 */
#ifndef ORGCHECK_INT_H
#define ORGCHECK_INT_H

#include <stddef.h>

#include "formats/bs_err.h"

struct config;
struct mapset;

/* The body of GET .../sobjects/OBJECT/describe: 1 with *text and *len set
 * (the fetcher's, valid until its next call), 0 when the org has no such
 * object, -1 with err when it could not be asked. */
typedef int (*orgcheck_fetch_fn)(void *ctx, const char *object,
				 const char **text, size_t *len,
				 struct bs_err *err);

/* Checks maps against the describes fetch gives (each object asked once),
 * as orgcheck_run does; multi: the org has multiple currencies.  Returns
 * the number of mistakes added to errs (warnings are added too, with kind
 * BS_E_NONE, and not counted), or -1 with err. */
long orgcheck_maps(const struct config *cfg, const struct mapset *maps,
		   int data, int multi, orgcheck_fetch_fn fetch, void *ctx,
		   struct bs_errlist *errs, struct bs_err *err);

#endif
