/*
 * orgcheck.h - `billsync check --org`: the mappings against the org's own
 * description of its objects (GET .../sobjects/OBJECT/describe), before
 * anything is sent.
 *
 * Each mapped field must exist and be writable; a lookup
 * `Rel__r.Field__c` must name a relationship of the object that points at
 * the mapping's parent, through a field of the parent that is an External
 * ID (or another idLookup field); the upsert key must be an External ID;
 * fields the org requires on create must be mapped.  Mistakes go to errs
 * at the mapping's file and line, with did-you-mean hints.
 */
#ifndef ORGCHECK_H
#define ORGCHECK_H

#include "formats/bs_err.h"

struct config;
struct mapset;

/* Reads every mapped object's describe (and its lookups' parents') and
 * checks the mappings; data: also read the source data (the values of
 * picklist, currency and number columns).  Returns the number of mistakes
 * added to errs, or -1 with err when Salesforce could not be asked. */
long orgcheck_run(const struct config *cfg, const struct mapset *maps,
		  int data, struct bs_errlist *errs, struct bs_err *err);

#endif
