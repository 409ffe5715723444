/*
 * mapset.h - all the mappings of a run, in load order.
 *
 * Lookups (`OrbCustomer__r.OrbId__c`) make an object depend on its parent,
 * so parents load first: the set is ordered so that every parent mapped in
 * the set comes before its children, and each mapping gets a level (0 for
 * objects with no mapped parent, else 1 + its deepest parent's level), so
 * objects of the same level can load at the same time.  A parent outside
 * the set (e.g. Account) is taken as already in Salesforce.  A lookup cycle
 * is an error naming the objects; an object that looks itself up (a
 * hierarchy) is allowed and not a dependency.
 */
#ifndef MAPSET_H
#define MAPSET_H

#include <stddef.h>

#include "../formats/bs_err.h"
#include "mapping.h"

struct mapset;

/* Loads every *.map file in dir (sorted by name). */
struct mapset *mapset_load_dir(const char *dir, struct bs_errlist *errs);
/* Loads the given files.  Either way, NULL with every error in errs. */
struct mapset *mapset_load_files(const char *const *paths, size_t n,
				 struct bs_errlist *errs);
void mapset_free(struct mapset *s);

size_t mapset_count(const struct mapset *s);
/* The i-th mapping in load order. */
const struct mapping *mapset_at(const struct mapset *s, size_t i);
unsigned mapset_level(const struct mapset *s, size_t i);
/* By object name (case-insensitive, as Salesforce names are); NULL if none. */
const struct mapping *mapset_find(const struct mapset *s, const char *object);
/* Index in load order of the mapping for object, or -1. */
long mapset_index(const struct mapset *s, const char *object);

#endif
