/*
 * mapping.h - one mapping file: how a source dataset becomes a Salesforce
 * object.  docs/mappings.md describes the format for the data team.
 *
 *     [object]
 *     name        = OrbInvoice__c
 *     source      = invoices
 *     operation   = upsert            # upsert (default), insert, update, delete
 *     external_id = OrbId__c
 *     nulls       = keep              # keep: empty cell; clear: #N/A
 *     watermark   = timeframe_start   # optional pre-filter of incremental
 *     lookback    = 3d                # runs, with its late-row window
 *
 *     [filter]
 *     zero_total  = skip if total == 0
 *
 *     [fields]
 *     OrbId__c                = id
 *     OrbCustomer__r.OrbId__c = customer_id
 *     Total__c                = total | money(currency)
 *
 * Loading checks everything that can be checked without data: sections and
 * keys (with did-you-mean hints), Salesforce API names, converters and their
 * arguments, expressions, the operation's key field.  Every mistake is
 * collected with its file and line; nothing is half-loaded.
 *
 * Applying a mapping to a row is a pure function of the row's values (the
 * columns mapping_columns lists, in that order) and allocates only from the
 * arena it is given.
 */
#ifndef MAPPING_H
#define MAPPING_H

#include <stdarg.h>
#include <stddef.h>

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "maptypes.h"


struct expr;
struct cond;

struct map_field {
	const char *target;        /* API name, e.g. "OrbCustomer__r.OrbId__c" */
	unsigned long line;
	struct expr *expr;
	const char *relationship;  /* "OrbCustomer__r" for a lookup, else NULL */
	const char *parent_field;  /* "OrbId__c" for a lookup, else NULL */
	int clear_nulls;           /* a null is written #N/A (never on lookups) */
};


/* A lookup's parent object, from [lookups] or the __r -> __c rule. */
struct map_lookup {
	const char *relationship;  /* "OrbCustomer__r" */
	const char *object;        /* "OrbCustomer__c" */
	unsigned long line;        /* the [lookups] line, or the first field's */
	int declared;              /* 1: listed in [lookups] */
};

/* A [schema] line as written: `Field__c.type = Text(40)`,
 * `Field__c.label = ...`, `label = ...` (the object's).  sftype.h reads
 * and checks them. */
struct map_decl {
	const char *key;           /* "Total__c.type", "plural_label" */
	const char *value;
	unsigned long line;
};

struct mapping;

/* Loads and checks one file.  On any mistake returns NULL with every error
 * appended to errs (each with file and line).  The mapping is the caller's
 * to mapping_free; it copies what it keeps of path and text, and owns every
 * string and array the mapping_* functions return (valid until
 * mapping_free).  errs is used during the call only. */
struct mapping *mapping_load(const char *path, struct bs_errlist *errs);
/* The same from text in memory (tests); name stands for the file. */
struct mapping *mapping_load_text(const char *name, const char *text,
				  struct bs_errlist *errs);
void mapping_free(struct mapping *m);

/* For `billsync check`: like mapping_load (every mistake appended to errs),
 * but the mapping is returned even when it has mistakes, so that checks
 * against the data and the other mappings can go on with what is right in
 * it.  Its fields and filters are those that parsed (the columns only a
 * failed line used are left out); mapping_object, mapping_source and
 * mapping_key_field are NULL when missing or invalid.  mapping_errors says
 * how many mistakes it has: one that has any is for checking only, never
 * to be applied.  NULL when the file cannot be read (errs says why) or
 * memory runs out. */
struct mapping *mapping_check(const char *path, struct bs_errlist *errs);
/* The same from text in memory (tests). */
struct mapping *mapping_check_text(const char *name, const char *text,
				   struct bs_errlist *errs);
size_t mapping_errors(const struct mapping *m);
/* Adds to errs a configuration mistake of m (a loaded mapping) at its
 * file and line, about field (NULL: none): what `billsync check` and
 * `check --org` find beyond the mapping's own syntax. */
void mapping_mistake(struct bs_errlist *errs, const struct mapping *m,
		     unsigned long line, const char *field, const char *fmt,
		     ...) BS_PRINTF(5, 6);
void mapping_vmistake(struct bs_errlist *errs, const struct mapping *m,
		      unsigned long line, const char *field, const char *fmt,
		      va_list ap) BS_PRINTF(5, 0);

const char *mapping_file(const struct mapping *m);
const char *mapping_object(const struct mapping *m);
const char *mapping_source(const struct mapping *m);
/* 1 when name chooses the mapping on a command line: its object in any
 * case (orbinvoice__c) or its dataset (invoices). */
int mapping_named(const struct mapping *m, const char *name);
/* 1 when one of names[0..n-1] chooses it; any mapping when n is 0. */
int mapping_chosen(const struct mapping *m, const char *const *names,
		   size_t n);
enum map_op mapping_op(const struct mapping *m);
/* The upsert key field (NULL unless upsert), or "Id" for update/delete. */
const char *mapping_key_field(const struct mapping *m);
/* The line where [object] key ("name", "source", "external_id", ...) is
 * set, or 0. */
unsigned long mapping_key_line(const struct mapping *m, const char *key);
/* Column of a date for --since/--until backfills ([object] since), or NULL. */
const char *mapping_since_column(const struct mapping *m);
/* [object] watermark: the date column an incremental run pre-filters on
 * (rows older than the newest value of the last successful run less the
 * lookback are not read further), or NULL.  Always set with a lookback. */
const char *mapping_watermark_column(const struct mapping *m);
/* [object] lookback in seconds (0 without a watermark), and as written
 * ("3d"; NULL without). */
long long mapping_lookback(const struct mapping *m);
const char *mapping_lookback_text(const struct mapping *m);

/* [object] keep_values: 1 when the sync state keeps the values each
 * record was last synced with (for billsync plan's field diffs); by
 * default yes, but no for a mapping with a watermark (declared
 * append-only: its records do not change once synced). */
int mapping_keep_values(const struct mapping *m);

size_t mapping_fields(const struct mapping *m, const struct map_field **f);
size_t mapping_filters(const struct mapping *m, const struct map_filter **f);
/* The [delete] section (mapdelete.h); its line is 0 without one. */
struct map_delete;
const struct map_delete *mapping_delete(const struct mapping *m);
size_t mapping_lookups(const struct mapping *m, const struct map_lookup **l);
/* The parent object of relationship rel ("OrbCustomer__r"), or NULL. */
const char *mapping_lookup_object(const struct mapping *m, const char *rel);
/* The [schema] lines, in file order. */
size_t mapping_decls(const struct mapping *m, const struct map_decl **d);
/* [object] currency: the source column holding each row's ISO 4217
 * currency code, or NULL (sftype_currency_column also looks at the
 * money converters). */
const char *mapping_currency_column(const struct mapping *m);
/* [object] description, or NULL. */
const char *mapping_description(const struct mapping *m);
/* Adds the field target = expr (an expression of the mapping language)
 * after the file's own, as if written there; for fields that follow from
 * the configuration (CurrencyIsoCode in a multi-currency org).  The
 * mapping must have loaded without mistakes.  -1 with err when target is
 * mapped already or expr does not parse. */
int mapping_add_field(struct mapping *m, const char *target,
		      const char *expr, struct bs_err *err);
/* The source columns rows must carry, in order (rowsrc_select). */
size_t mapping_columns(const struct mapping *m, const char *const **cols);
/* The mapping line where column i is first used. */
unsigned long mapping_column_line(const struct mapping *m, size_t i);
/* A column name as a mapping writes it, into buf: bare when it can be
 * (letters, digits, '_' and '.', not starting with a digit or '.'), else
 * col("...") with '"' and '\\' escaped (for did-you-mean hints). */
void mapping_column_written(const char *name, char *buf, size_t size);
/* The fields whose values group child rows (lookups, outermost parent
 * first: group_by = A, B keeps A's rows together and, within them, B's);
 * their indexes in the fields go to *idx.  0: rows stay in source order. */
#define MAP_GROUP_MAX 4
size_t mapping_group_fields(const struct mapping *m, const long **idx);
/* Index of the key field in the fields, or -1 (insert). */
long mapping_key_index(const struct mapping *m);

enum map_status {
	MAP_ERROR = -1,     /* not the row's fault (out of memory) */
	MAP_ROW = 0,        /* res->v holds the values to write */
	MAP_FILTERED = 1,   /* res->filter says which filter */
	MAP_REJECTED = 2,   /* err says why, with err->field the target, or
			       res->filter the filter */
	MAP_SPOILT = 3      /* mapping_group_row: res->v holds the keys, but
			       an aggregate's input could not be computed
			       (err says why, err->field the aggregate): the
			       row spoils its whole group */
};

struct map_result {
	struct bs_value *v;               /* one per field, in field order */
	const struct map_filter *filter;  /* MAP_FILTERED: the filter that left
					     the row out; MAP_REJECTED: the
					     filter whose condition could not
					     be read (NULL: a field rejected) */
	struct bs_value key;              /* MAP_FILTERED: the row's key when
					     it can be made, else null */
};

/* Applies filters then fields to one row (vals: the mapping_columns values).
 * Not for a group mapping (MAP_ERROR): see below. */
int mapping_apply(const struct mapping *m, const struct bs_value *vals,
		  struct arena *a, struct map_result *res, struct bs_err *err);

/*
 * Group mappings roll source rows up before anything is written
 * (docs/mappings.md, "Roll-ups"):
 *
 *     [group]                      # the keys rows are grouped by
 *     line_item = line_item_id
 *     month     = timeframe_start | month(tz=America/New_York)
 *     currency  = currency
 *
 *     [aggregate]                  # what each group's rows fold into
 *     amount    = sum(amount)
 *     first_day = min(timeframe_start | date(tz=America/New_York))
 *     days      = count()
 *
 *     [fields]                     # one record per group, from the names
 *     OrbId__c  = join("-", line_item, month, currency)     # keys only
 *     Amount__c = amount | money(currency)
 *
 * Filters apply to the source rows, before grouping.  The fields of a
 * group mapping read its keys and aggregates by name (nothing else), and
 * its external_id field is built from keys alone.
 */
struct map_group_key {
	const char *name;
	unsigned long line;
	struct expr *expr;         /* over the source row */
};

struct map_aggregate {
	const char *name;
	unsigned long line;
	int fn;                    /* enum agg_fn (aggregate.h) */
	struct expr *expr;         /* over the source row; NULL for count() */
};

/* The [group] keys (0: not a group mapping) and the [aggregate]s.  The
 * last aggregate may be one the mapping adds: AGG_CURRENCY over the
 * currency column (named after it), when a mapping that sums amounts names
 * that column but has no [group] key or same() of it, so that a group
 * mixing currencies is rejected; no field reads it. */
size_t mapping_group_keys(const struct mapping *m,
			  const struct map_group_key **k);
size_t mapping_aggregates(const struct mapping *m,
			  const struct map_aggregate **a);
/* [object] row_key: the index in mapping_columns of the column naming a
 * source row (a row read again later replaces it), or -1. */
long mapping_row_key(const struct mapping *m);
/* A group mapping reads whole groups: a bound on column (its watermark or
 * since, which a [group] key buckets by month or week) moved to the start
 * of its bucket, or with upper set, to the start of the next bucket unless
 * it is a bucket's start already; as "YYYY-MM-DDTHH:MM:SS.sssZ" into
 * out.  -1 when text is not a date or no key buckets column. */
int mapping_group_bound(const struct mapping *m, const char *column,
			const char *text, int upper, char out[32]);

/* Filters, then the keys and aggregate inputs of one source row: res->v
 * holds the mapping_group_keys values then one per aggregate (count():
 * "1").  Returns as mapping_apply (err->field names the key that
 * rejected the row), or MAP_SPOILT when an aggregate's input cannot be
 * computed once the keys are; a row a filter left out (MAP_FILTERED) still
 * has its keys in res->v, aggregate inputs null, so its group knows it
 * (res->v NULL when a key cannot be computed for it). */
int mapping_group_row(const struct mapping *m, const struct bs_value *vals,
		      struct arena *a, struct map_result *res,
		      struct bs_err *err);
/* The fields of one group: gvals holds its keys then its aggregates'
 * results.  MAP_ROW, or MAP_REJECTED (the key is empty, a converter
 * refused a value). */
int mapping_apply_group(const struct mapping *m, const struct bs_value *gvals,
			struct arena *a, struct map_result *res,
			struct bs_err *err);

#endif
