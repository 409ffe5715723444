/*
 * convert.h - the converters of the mapping language.
 *
 * A converter turns one value into another: `total | money(currency)`,
 * `name | truncate(80)`, `invoice_date | date(tz=Europe/Paris)`.  Converters
 * are looked up by name in a sorted table (convert.c) when a mapping is
 * loaded; conv_new checks the arguments then, so a mistake stops the run
 * before anything is read or sent.  conv_apply is then a pure function of
 * its input, its arguments and (for a few converters) other columns of the
 * same row: it never depends on the machine's time zone, locale or clock,
 * and never goes through a double.
 *
 * Values are struct bs_value (formats/rowsrc.h).  A converter's result is
 * BS_V_TEXT, or BS_V_NULL for "no value".  Null in gives null out, except
 * for converters whose job is nulls (default, required).
 *
 * More precisely (docs/converters.md lists every converter):
 *   - the typed converters (decimal, integer, money, boolean, date,
 *     datetime, map, json, sfid) also take empty text as null;
 *   - default and required hand a non-empty value through unchanged, kind
 *     included, so `meta | required | json` still sees a BS_V_JSON;
 *   - BS_V_NUMBER and BS_V_BOOL are read as their text; BS_V_JSON is
 *     refused with a row error by all but json, default and required.
 * conv_new resolves everything a converter needs (time zone files, the
 * pattern, the map, the column index), so conv_apply does no lookup by
 * name and allocates only from env->arena.
 *
 * Errors: conv_new fails with BS_E_CONFIG and a message such as
 * "unknown converter 'decmal'; did you mean 'decimal'?" or
 * "truncate: expected a length, found 'x'" (the mapping parser adds the
 * file and line).  conv_apply fails with BS_E_ROW and a message naming the
 * value: "cannot read '2024-02-30' as a date" (the pipeline adds source
 * file, line and target field).
 */
#ifndef CONVERT_H
#define CONVERT_H

#include <stddef.h>

#include "formats/arena.h"
#include "formats/bs_err.h"
#include "formats/rowsrc.h"

/* One argument as written in the mapping file. */
struct conv_arg {
	const char *key;    /* "tz" in date(tz=Europe/Paris); NULL if positional */
	const char *value;  /* the text, quotes removed */
	int quoted;         /* the value was written in double quotes */
};

/* How a converter asks, at conv_new time, for another source column of the
 * row (money(currency) needs the currency column): the mapping adds the
 * column to what it reads and gives back an index for conv_env.column.
 * Returns 0, or -1 with err set. */
typedef int (*conv_need_fn)(void *ctx, const char *column, size_t *index,
			    struct bs_err *err);

/* What conv_apply may use besides its input. */
struct conv_env {
	struct arena *arena;   /* results are allocated here (reset per row) */
	/* the value of a column asked for through conv_need_fn */
	const struct bs_value *(*column)(void *ctx, size_t index);
	void *ctx;
};

struct conv;

/* Creates the converter `name(args)`.  need/need_ctx may be NULL when the
 * caller has no row (then converters that need a column fail). */
struct conv *conv_new(const char *name, const struct conv_arg *args,
		      size_t nargs, conv_need_fn need, void *need_ctx,
		      struct bs_err *err);

/* Applies c to in; *out points into env->arena, at static/input memory,
 * or into c itself (a map label, a default text), and is valid until the
 * arena is reset (and while c and the input live). */
int conv_apply(const struct conv *c, const struct bs_value *in,
	       struct bs_value *out, const struct conv_env *env,
	       struct bs_err *err);

/* The converter's name as in the table. */
const char *conv_name(const struct conv *c);

/* What a converter produces, for describing a field (`billsync schema`,
 * `check --org`); filled by conv_describe. */
struct conv_info {
	const char *name;     /* "truncate" */
	size_t length;        /* truncate: its length (in units); else 0 */
	int length_utf16;     /* truncate counts UTF-16 units (Salesforce's) */
	int scale;            /* decimal(N): N; money(c, scale=N): N; integer:
				 0; -1: decimal's own digits, or money's
				 currency's */
	const char *column;   /* money: the currency column; else NULL */
	const char *text;     /* default: its text; else NULL */
};
void conv_describe(const struct conv *c, struct conv_info *info);
/* map: the distinct labels it can produce (its default's too), sorted,
 * at most max of them in labels (pointers into c); returns how many
 * there are.  0 for other converters. */
size_t conv_map_labels(const struct conv *c, const char **labels, size_t max);

void conv_free(struct conv *c);

/* 1 when c reads another column (money's currency) of index lo or
 * above. */
int conv_reads_from(const struct conv *c, size_t lo);

struct dt_instant;

/* For month(tz=...) and week(tz=...): the instant the month or week that
 * holds t starts, in the converter's zone (a group mapping's watermark
 * reads whole buckets).  -1 for any other converter. */
int conv_bucket_start(const struct conv *c, const struct dt_instant *t,
		      struct dt_instant *start);

/* All converter names, sorted (for hints and docs). */
size_t conv_names(const char *const **names);

#endif
