/*
 * mapset.h - all the mappings of a run, in load order.
 *
 * Lookups (`OrbCustomer__r.OrbId__c`) make an object depend on its parent,
 * so parents load first: the set is ordered so that every parent mapped in
 * the set comes before its children, and each mapping gets a level (0 for
 * objects with no mapped parent, else 1 + its deepest parent's level), so
 * objects of the same level can load at the same time.  A parent outside
 * the set (e.g. Account) is taken as already in Salesforce.  An object is
 * mapped once.  A lookup cycle is an error naming the objects, at the
 * lookup field's line (every cycle is reported); an object that looks
 * itself up (a hierarchy) is allowed and not a dependency.  A lookup to an
 * upserted parent goes through the parent's external_id or another field
 * the parent's mapping sets; a relationship that no mapping loads but that is a near miss
 * of one that does (OrbCustmer__r for OrbCustomer__r) is an error with a
 * did-you-mean hint, unless [lookups] names its parent.
 */
#ifndef MAPSET_H
#define MAPSET_H

#include <stddef.h>

#include "formats/bs_err.h"
#include "mapping.h"

struct mapset;

/* Loads every *.map file in dir (sorted by name). */
struct mapset *mapset_load_dir(const char *dir, struct bs_errlist *errs);
/* Loads the given files.  Either way, NULL with every error in errs. */
struct mapset *mapset_load_files(const char *const *paths, size_t n,
				 struct bs_errlist *errs);
/* For `billsync check`: the same checks, every mistake in errs, but the
 * set holds every mapping that could be read, mistakes and all (see
 * mapping_check), in load order as far as the lookups allow, so that they
 * can be checked against the data.  Never export or load from a set that
 * came with errors.  NULL only when the folder cannot be listed or memory
 * runs out. */
struct mapset *mapset_check_dir(const char *dir, struct bs_errlist *errs);
struct mapset *mapset_check_files(const char *const *paths, size_t n,
				  struct bs_errlist *errs);
/* The i-th mapping, to change (mapset_add_currency_codes). */
struct mapping *mapset_mapping(struct mapset *s, size_t i);
void mapset_free(struct mapset *s);

/* A multi-currency org ([salesforce] multi_currency): every upserted or
 * inserted mapping with a currency column (sftype_currency_column) and no
 * CurrencyIsoCode of its own gets `CurrencyIsoCode = COLUMN | upper`, so
 * that Salesforce reads its amounts in the row's currency.  Mistakes go to
 * errs; returns how many. */
size_t mapset_add_currency_codes(struct mapset *s, struct bs_errlist *errs);

size_t mapset_count(const struct mapset *s);
/* 1 when every file loaded without a mistake of its own (mistakes between
 * them, such as a cycle, aside): each mapping can be checked on its own. */
int mapset_files_ok(const struct mapset *s);
/* The i-th mapping in load order. */
const struct mapping *mapset_at(const struct mapset *s, size_t i);
unsigned mapset_level(const struct mapset *s, size_t i);
/* By object name (case-insensitive, as Salesforce names are); NULL if none. */
const struct mapping *mapset_find(const struct mapset *s, const char *object);
/* Index in load order of the mapping for object, or -1. */
long mapset_index(const struct mapset *s, const char *object);

#endif
