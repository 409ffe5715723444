/*
 * mapping_int.h - what the parts of the mapping loader share, private to
 * etl/map (mapping.h is the interface).
 *
 *   mapping.c         load, free, accessors, collecting errors
 *   mapping_object.c  the [object] section
 *   mapping_parse.c   names, columns, [fields], [filter], [lookups],
 *                     [delete] (its keys: mapdelete.c)
 *   mapping_check.c   the checks made once the whole file is read
 *   mapping_apply.c   one row through filters and fields
 */
#ifndef MAPPING_INT_H
#define MAPPING_INT_H

#include <stddef.h>

#include "formats/ini.h"
#include "mapdelete.h"
#include "mapping.h"

#define MAPPING_MAX_FIELDS 800
#define MAPPING_MAX_FILTERS 100
#define MAPPING_MAX_COLUMNS 1000
#define MAPPING_MAX_LOOKUPS 100
#define MAPPING_MAX_GROUP 100        /* [group] keys, and [aggregate]s */
#define MAPPING_MAX_DECLS 2400

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Salesforce's limits on a custom name: the part before the suffix (__c,
 * __r, ...) and the namespace prefix. */
#define SF_NAME_MAX 40
#define SF_NAMESPACE_MAX 15

enum object_key {
	K_NAME, K_SOURCE, K_OPERATION, K_EXTERNAL_ID, K_NULLS, K_CLEAR_NULLS,
	K_KEEP_NULLS, K_GROUP_BY, K_SINCE, K_WATERMARK, K_LOOKBACK,
	K_DESCRIPTION, K_ROW_KEY, K_CURRENCY, K_KEEP_VALUES, K_COUNT
};

/* The longest lookback: ten years, in seconds. */
#define MAPPING_MAX_LOOKBACK (3660LL * 86400)

/* A [fields] line that failed to parse: later checks that name its
 * target (external_id, clear_nulls, group_by, ...) say nothing more. */
struct failed_field {
	const char *target;
	unsigned long line;
};

struct mapping {
	struct arena arena;            /* everything below lives here */
	const char *file;
	const char *object, *source, *key_field, *since;
	const char *watermark, *lookback_text;  /* [object] watermark, lookback */
	const char *currency, *description;     /* [object] currency, description */
	int no_currency;                        /* [object] currency = none */
	long long lookback;                     /* seconds */
	enum map_op op;
	int clear_nulls;               /* [object] nulls = clear */
	int keep_values;               /* [object] keep_values: 1 yes, 0 no,
					  -1 not given */
	unsigned long object_line;     /* line of [object], for missing keys */
	/* the line of each [object] key, 0 if not given; a misspelt key
	 * with a hint, or one outside any section, counts as given: its own
	 * error says enough, as does an invalid value's, which leaves
	 * object, source or key_field NULL */
	unsigned long key_lines[K_COUNT];
	int fields_misspelt;           /* an unknown section close to [fields] */

	struct map_field fields[MAPPING_MAX_FIELDS];
	size_t nfields;
	struct map_filter filters[MAPPING_MAX_FILTERS];
	size_t nfilters;
	struct map_lookup lookups[MAPPING_MAX_LOOKUPS];
	size_t nlookups;
	struct map_decl decls[MAPPING_MAX_DECLS];   /* [schema], as written */
	size_t ndecls;
	const char *columns[MAPPING_MAX_COLUMNS];
	unsigned long column_lines[MAPPING_MAX_COLUMNS];
	size_t ncolumns;
	unsigned long cur_line;        /* line being parsed */
	struct failed_field failed[MAPPING_MAX_FIELDS];
	size_t nfailed;

	/* names listed in clear_nulls / keep_nulls / group_by, checked last */
	const char *null_lists[2];
	unsigned long null_lines[2];
	const char *group_by;
	unsigned long group_line;
	long group_fields[MAP_GROUP_MAX];
	size_t ngroup;
	long key_index;
	struct map_delete del;         /* [delete]; its `when` is filters[0]
					  when it deletes (del_filter) */
	int del_filter;

	/* a group mapping: its [group] keys, then its [aggregate]s, are
	 * what its fields read (mapping_group.c) */
	struct map_group_key keys[MAPPING_MAX_GROUP];
	size_t nkeys;
	struct map_aggregate aggs[MAPPING_MAX_GROUP];
	size_t naggs;
	unsigned long group_section_line; /* first [group] or [aggregate] */
	unsigned long first_field_line;   /* first [fields] line, or 0 */
	long row_key;                     /* [object] row_key column, or -1 */

	struct bs_errlist *errs;       /* while loading */
	size_t nerrs;
};

/* The [object] keys, in the order of enum object_key. */
extern const char *const mp_object_keys[K_COUNT];

/* Errors: each is added to m->errs at line of m's file and counted. */
void mp_add_error(struct mapping *m, unsigned long line,
		  const struct bs_err *e);
void mp_errorf(struct mapping *m, unsigned long line, const char *fmt,
	       ...) BS_PRINTF(3, 4);

/* s copied into the mapping's arena (NULL when out of memory). */
const char *mp_dup(struct mapping *m, const char *s);

/* Salesforce API names (mapping_parse.c): NAME_OK, NAME_BAD, or NAME_LONG
 * with why saying which part is over the limit. */
enum { NAME_OK, NAME_BAD, NAME_LONG };
int mp_api_name_check(const char *s, int rel, char *why, size_t size);
int mp_dataset_name_ok(const char *s);
/* Reports a name that is not an API name (what says which kind, e.g.
 * "object", "field") or too long; 0 when it is fine. */
int mp_check_name(struct mapping *m, unsigned long line, const char *name,
		  int rel, const char *what, const char *example);
/* The index of source column name, added at the line being parsed when
 * it is new (an expr_columns resolver; ctx is the mapping). */
int mp_resolve_column(void *ctx, const char *name, size_t *index,
		      struct bs_err *err);
/* The failed [fields] line for target (in any case), or NULL. */
const struct failed_field *mp_failed_field(const struct mapping *m,
					   const char *target);
/* 1 when a failed [fields] line is a lookup through rel. */
int mp_failed_relationship(const struct mapping *m, const char *rel);

/* One line of the file (an ini_parse callback; ctx is the mapping). */
int mp_on_item(void *ctx, const struct ini_item *it, struct bs_err *err);
/* A line of [object] (mapping_object.c). */
void mp_object_key(struct mapping *m, const struct ini_item *it);
/* A key before the first section. */
void mp_outside_key(struct mapping *m, const struct ini_item *it);

/* The checks made once the whole file is read (mapping_check.c). */
void mp_check_whole(struct mapping *m);

/* Group mappings (mapping_group.c): a [group] (agg 0) or [aggregate]
 * (agg 1) line; the resolver of the names [fields] read in a group
 * mapping (ctx is the mapping); the checks of a whole group mapping. */
void mp_group_line(struct mapping *m, const struct ini_item *it, int agg);
int mp_resolve_group(void *ctx, const char *name, size_t *index,
		     struct bs_err *err);
void mp_check_group(struct mapping *m);
/* 1 when the value of a field starts with an aggregate (sum(...)): said
 * once, with where aggregates go. */
int mp_aggregate_misplaced(struct mapping *m, const struct ini_item *it);
/* The fields of one row of values (mapping_apply.c). */
int mp_apply_fields(const struct mapping *m, const struct bs_value *vals,
		    struct arena *a, struct map_result *res,
		    struct bs_err *err);

#endif
