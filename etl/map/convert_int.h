/*
 * convert_int.h - what the converter families share, private to etl/map
 * (convert.h is the interface).
 *
 * convert.c holds the table of converters (name, usage, arguments, the
 * setup and apply functions of each), the argument checks made at load
 * time and the helpers below; each family of converters lives in its own
 * file and is reached only through the table.
 */
#ifndef CONVERT_INT_H
#define CONVERT_INT_H

#include <stddef.h>

#include "convert.h"
#include "decimal.h"

struct tz;
struct dt_pattern;

#define CONV_MAX_ARGS 256          /* arguments of one converter (map) */
#define CONV_TRUNCATE_MAX 10000000 /* truncate(N) */
#define CONV_KEYS_LIST_MAX 200     /* map keys quoted in an error */
#define QUOTE_MAX 60               /* characters of a value in a message */
#define QUOTE_BYTES (QUOTE_MAX * 2)  /* and bytes */
#define QUOTE_SIZE (QUOTE_BYTES * 4 + 8)  /* every byte may become \xNN */

enum conv_flags {
	F_NULL_IN = 1 << 0,    /* apply sees nulls (default, required) */
	F_JSON_IN = 1 << 1,    /* takes JSON objects and arrays */
	F_EMPTY_NULL = 1 << 2, /* empty text is null (typed converters) */
	F_ANY_KEYS = 1 << 3    /* any key=value (map) */
};

enum trunc_units { U_CHARS, U_UTF16, U_BYTES };

struct map_ent {
	const char *key, *val;
	size_t klen, vlen;
	char *mem;        /* owns key and value; NULL in a search key */
};

struct conv {
	const struct conv_def *def;
	size_t num;              /* truncate: length; money: column index */
	int scale;               /* decimal, money: scale; see setup */
	enum trunc_units units;
	char *s1, *s2;           /* default: s1; replace: s1 -> s2; money: column */
	size_t l1, l2;
	struct dec min, max;     /* integer */
	struct tz *tz;           /* date, datetime; NULL is UTC */
	struct dt_pattern *pat;  /* date, datetime */
	struct map_ent *map;     /* map: sorted by key */
	size_t nmap;
	const struct map_ent *fallback;  /* map: default=, or NULL */
	char *keys;              /* map: "issued, paid, void" */
};

/* What setup functions get besides the conv: the arguments, sorted out. */
struct args {
	const struct conv_arg *pos[2];
	size_t npos;
	const struct conv_arg *all;
	size_t n;
	conv_need_fn need;
	void *need_ctx;
};

typedef int (*setup_fn)(struct conv *c, const struct args *a,
			struct bs_err *err);
typedef int (*apply_fn)(const struct conv *c, const struct bs_value *in,
			struct bs_value *out, const struct conv_env *env,
			struct bs_err *err);

struct conv_def {
	const char *name;
	const char *usage;
	int pos_min, pos_max;
	const char *const *keys;   /* allowed keys, NULL-terminated, or NULL */
	unsigned flags;
	setup_fn setup;
	apply_fn apply;
};

/* A null result, for converters that hand one back. */
extern const struct bs_value cv_null_value;

/* s[0..len) for a message: at most QUOTE_MAX characters and QUOTE_BYTES
 * bytes, control characters escaped, "..." when cut; returns buf. */
const char *cv_quote(char buf[QUOTE_SIZE], const char *s, size_t len);
/* Rewrites the reason left in err by a parser as
 * "cannot read 'VALUE' as WHAT (reason)"; returns -1. */
int cv_cannot_read(struct bs_err *err, const struct bs_value *in,
		   const char *what);
/* Sets err to "out of memory"; returns -1. */
int cv_out_of_memory(struct bs_err *err);
/* *out = s[0..len), which stays valid (static, input or conv memory) and
 * has a NUL at s[len]. */
int cv_put_ref(struct bs_value *out, const char *s, size_t len);
/* *out = a copy of s[0..len) in the arena. */
int cv_put_copy(struct bs_value *out, const struct conv_env *env,
		const char *s, size_t len, struct bs_err *err);
/* A malloc'd copy of s (its length in *len unless NULL); the caller frees
 * it. */
char *cv_xstrdup(const char *s, size_t *len, struct bs_err *err);
/* The value of key=value among the arguments, or NULL. */
const char *cv_arg_get(const struct args *a, const char *key);
/* A whole number lo..hi written in plain digits. */
int cv_parse_count(const char *s, long lo, long hi, long *out);
/* A scale argument 0..DEC_MAX_SCALE of converter name. */
int cv_setup_scale(const char *name, const char *s, int *scale,
		   struct bs_err *err);

/* The converters, by family. */
/* conv_text.c: trim, upper, lower, truncate, default, required, replace */
int cv_setup_truncate(struct conv *c, const struct args *a,
		      struct bs_err *err);
int cv_setup_default(struct conv *c, const struct args *a,
		     struct bs_err *err);
int cv_setup_replace(struct conv *c, const struct args *a,
		     struct bs_err *err);
int cv_apply_trim(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err);
int cv_apply_upper(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err);
int cv_apply_lower(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err);
int cv_apply_truncate(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err);
int cv_apply_default(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err);
int cv_apply_required(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err);
int cv_apply_replace(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err);

/* conv_number.c: decimal, integer, money, boolean */
int cv_setup_decimal(struct conv *c, const struct args *a,
		     struct bs_err *err);
int cv_setup_integer(struct conv *c, const struct args *a,
		     struct bs_err *err);
int cv_setup_money(struct conv *c, const struct args *a,
		   struct bs_err *err);
int cv_apply_decimal(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err);
int cv_apply_integer(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err);
int cv_apply_money(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err);
int cv_apply_boolean(const struct conv *c, const struct bs_value *in,
		     struct bs_value *out, const struct conv_env *env,
		     struct bs_err *err);

/* conv_time.c: date, datetime (setup_when reads tz= and format=), month,
 * week (setup_bucket: the same, tz= required) */
int cv_setup_when(struct conv *c, const struct args *a,
		  struct bs_err *err);
int cv_setup_bucket(struct conv *c, const struct args *a,
		    struct bs_err *err);
int cv_apply_month(const struct conv *c, const struct bs_value *in,
		   struct bs_value *out, const struct conv_env *env,
		   struct bs_err *err);
int cv_apply_week(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err);
int cv_apply_date(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err);
int cv_apply_datetime(const struct conv *c, const struct bs_value *in,
		      struct bs_value *out, const struct conv_env *env,
		      struct bs_err *err);

/* conv_other.c: map, json, sfid */
int cv_setup_map(struct conv *c, const struct args *a,
		 struct bs_err *err);
int cv_apply_map(const struct conv *c, const struct bs_value *in,
		 struct bs_value *out, const struct conv_env *env,
		 struct bs_err *err);
int cv_apply_json(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err);
int cv_apply_sfid(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err);

#endif
