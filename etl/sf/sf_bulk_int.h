/*
 * sf_bulk_int.h - sf_bulk.c's readers of Salesforce's answers, internal
 * to the sf layer and its tests (tests/fuzz/fuzz_sf.c): the calls of
 * sf_bulk.h use them on the response bodies they receive.
 */
#ifndef SF_BULK_INT_H
#define SF_BULK_INT_H

#include "http.h"
#include "sf_bulk.h"

/* Reads a JobInfo answer (POST/GET /jobs/ingest[/ID]) into *job;
 * BS_E_REMOTE when it is not an object with a job id. */
int sf_bulk_parse_job(const struct http_resp *resp, struct sf_job *job,
		      struct bs_err *err);

/* Calls fn for each job of one page of GET /jobs/ingest; next (of size
 * bytes) gets the next page's path, or "" after the last.  BS_E_REMOTE
 * when the page cannot be read; fn's -1 stops the listing. */
int sf_bulk_parse_list(const struct http_resp *resp, char *next, size_t size,
		       int (*fn)(void *, const struct sf_job_entry *,
				 struct bs_err *),
		       void *ctx, struct bs_err *err);

/* Reads a GET /limits answer into *lim (zeroed first; what is missing
 * stays unknown). */
void sf_bulk_parse_limits(const struct http_resp *resp, struct sf_limits *lim);

#endif
