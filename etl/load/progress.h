/*
 * progress.h - the load's progress line, as a terminal shows it:
 *
 *   files 2/7  rows 1200/5000  created 800  updated 390  failed 10
 *   unprocessed 0  api calls 34  jobs: 2 InProgress  |  12s elapsed
 *   100 rows/s  ETA 38s  |  OrbInvoice__c-0001 InProgress 400/1000, ...
 *
 * (one line): the counters, the jobs by state, the time since the load
 * started, Salesforce's processing rate and the time left at that rate,
 * then each running job's file with its state and the records processed
 * at its last poll.  The caller draws it (base/msg.h).
 */
#ifndef LOAD_PROGRESS_H
#define LOAD_PROGRESS_H

#include "base/rate.h"
#include "formats/sbuf.h"
#include "loadtypes.h"

/* Appends the line for p to sb; r (the caller's, rate_init'ed when the
 * load started) is updated with the rows processed as of now_ms. */
void load_progress_line(struct sbuf *sb, const struct loader_progress *p,
			struct rate *r, unsigned long long now_ms);

#endif
