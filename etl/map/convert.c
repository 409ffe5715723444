/* convert.c - the converter table, argument checks at load time, and the
 * helpers the converter families share (see convert.h, convert_int.h; the
 * converters are in conv_text.c, conv_number.c, conv_time.c and
 * conv_other.c). */
#include "convert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/strsim.h"
#include "formats/utf8.h"
#include "datetime.h"
#include "tz.h"

const struct bs_value cv_null_value = { "", 0, BS_V_NULL };

/* ---- helpers ---- */

/* s[0..len) for a message: at most QUOTE_MAX characters and QUOTE_BYTES
 * bytes, control characters escaped, "..." when cut. */
const char *cv_quote(char buf[QUOTE_SIZE], const char *s, size_t len)
{
	size_t cut = utf8_prefix_chars(s, len, QUOTE_MAX), i, o = 0;

	cut = utf8_prefix_bytes(s, cut, QUOTE_BYTES);
	for (i = 0; i < cut; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r' || ch == '\t') {
			buf[o++] = '\\';
			buf[o++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (cut < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* Rewrites the reason left in err by a parser as
 * "cannot read 'VALUE' as WHAT (reason)". */
int cv_cannot_read(struct bs_err *err, const struct bs_value *in,
		   const char *what)
{
	char reason[BS_ERR_MSG_MAX], q[QUOTE_SIZE];

	if (!err)
		return -1;
	memcpy(reason, err->msg, sizeof(reason));
	return bs_err_set(err, BS_E_ROW, "cannot read '%s' as %s (%s)",
			  cv_quote(q, in->s, in->len), what, reason);
}

int cv_out_of_memory(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* *out = s[0..len), which stays valid (static, input or conv memory) and
 * has a NUL at s[len]. */
int cv_put_ref(struct bs_value *out, const char *s, size_t len)
{
	out->s = s;
	out->len = len;
	out->kind = BS_V_TEXT;
	return 0;
}

/* *out = a copy of s[0..len) in the arena. */
int cv_put_copy(struct bs_value *out, const struct conv_env *env,
		const char *s, size_t len, struct bs_err *err)
{
	char *p = arena_strndup(env->arena, s, len);

	if (!p)
		return cv_out_of_memory(err);
	return cv_put_ref(out, p, len);
}

char *cv_xstrdup(const char *s, size_t *len, struct bs_err *err)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (!p) {
		cv_out_of_memory(err);
		return NULL;
	}
	memcpy(p, s, n + 1);
	if (len)
		*len = n;
	return p;
}

/* The value of key=value among the arguments, or NULL. */
const char *cv_arg_get(const struct args *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->all[i].key && strcmp(a->all[i].key, key) == 0)
			return a->all[i].value;
	return NULL;
}

/* A whole number lo..hi written in plain digits. */
int cv_parse_count(const char *s, long lo, long hi, long *out)
{
	long v = 0;
	const char *p = s;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

int cv_setup_scale(const char *name, const char *s, int *scale,
		   struct bs_err *err)
{
	long v;

	if (cv_parse_count(s, 0, DEC_MAX_SCALE, &v) < 0)
		return bs_err_set(err, BS_E_CONFIG, "%s: expected a scale from "
				  "0 to %d, found '%s'", name, DEC_MAX_SCALE,
				  s);
	*scale = (int)v;
	return 0;
}

/* ---- the table ---- */

static const char *const keys_truncate[] = { "units", NULL };
static const char *const keys_integer[] = { "min", "max", NULL };
static const char *const keys_money[] = { "scale", NULL };
static const char *const keys_when[] = { "format", "tz", NULL };

#define TYPED (F_EMPTY_NULL)

/* Sorted by name (bsearch). */
static const struct conv_def defs[] = {
	{ "boolean", "boolean", 0, 0, NULL, TYPED, NULL, cv_apply_boolean },
	{ "date", "date[(tz=Zone, format=\"MM/DD/YYYY\")]", 0, 0, keys_when,
	  TYPED, cv_setup_when, cv_apply_date },
	{ "datetime", "datetime[(tz=Zone, format=\"MM/DD/YYYY HH:mm\")]", 0,
	  0, keys_when, TYPED, cv_setup_when, cv_apply_datetime },
	{ "decimal", "decimal[(SCALE)]", 0, 1, NULL, TYPED, cv_setup_decimal,
	  cv_apply_decimal },
	{ "default", "default(\"TEXT\")", 1, 1, NULL, F_NULL_IN | F_JSON_IN,
	  cv_setup_default, cv_apply_default },
	{ "integer", "integer[(min=N, max=N)]", 0, 0, keys_integer, TYPED,
	  cv_setup_integer, cv_apply_integer },
	{ "json", "json", 0, 0, NULL, TYPED | F_JSON_IN, NULL, cv_apply_json },
	{ "lower", "lower", 0, 0, NULL, 0, NULL, cv_apply_lower },
	{ "map", "map(value=Label, ..., default=Label)", 0, 0, NULL,
	  TYPED | F_ANY_KEYS, cv_setup_map, cv_apply_map },
	{ "money", "money(CURRENCY_COLUMN[, scale=N])", 1, 1, keys_money,
	  TYPED, cv_setup_money, cv_apply_money },
	{ "month", "month(tz=Zone[, format=\"MM/DD/YYYY\"])", 0, 0, keys_when,
	  TYPED, cv_setup_bucket, cv_apply_month },
	{ "replace", "replace(\"FROM\", \"TO\")", 2, 2, NULL, 0,
	  cv_setup_replace, cv_apply_replace },
	{ "required", "required", 0, 0, NULL, F_NULL_IN | F_JSON_IN, NULL,
	  cv_apply_required },
	{ "sfid", "sfid", 0, 0, NULL, TYPED, NULL, cv_apply_sfid },
	{ "trim", "trim", 0, 0, NULL, 0, NULL, cv_apply_trim },
	{ "truncate", "truncate(N[, units=utf16|chars|bytes])", 1, 1,
	  keys_truncate, 0, cv_setup_truncate, cv_apply_truncate },
	{ "upper", "upper", 0, 0, NULL, 0, NULL, cv_apply_upper },
	{ "week", "week(tz=Zone[, format=\"MM/DD/YYYY\"])", 0, 0, keys_when,
	  TYPED, cv_setup_bucket, cv_apply_week },
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static const char *const names[] = {
	"boolean", "date", "datetime", "decimal", "default", "integer",
	"json", "lower", "map", "money", "month", "replace", "required",
	"sfid", "trim", "truncate", "upper", "week"
};

_Static_assert(sizeof(names) / sizeof(names[0]) == NDEFS,
	       "names[] must list every converter of defs[]");

size_t conv_names(const char *const **out)
{
	*out = names;
	return NDEFS;
}

static int cmp_def(const void *key, const void *elem)
{
	return strcmp(key, ((const struct conv_def *)elem)->name);
}

/* Checks the arguments against def and sorts them out into *a. */
static int check_args(const struct conv_def *def, const struct conv_arg *args,
		      size_t nargs, struct args *a, struct bs_err *err)
{
	size_t i, j;
	int k;

	if (nargs > CONV_MAX_ARGS)
		return bs_err_set(err, BS_E_CONFIG, "%s: more than %d "
				  "arguments", def->name, CONV_MAX_ARGS);
	a->all = args;
	a->n = nargs;
	a->npos = 0;
	for (i = 0; i < nargs; i++) {
		const char *key = args[i].key;

		if (!key) {
			if (a->npos >= (size_t)def->pos_max) {
				if (def->flags & F_ANY_KEYS)
					return bs_err_set(err, BS_E_CONFIG,
							  "%s: expected value="
							  "Label, found '%s'",
							  def->name,
							  args[i].value);
				return bs_err_set(err, BS_E_CONFIG, "%s: too "
						  "many arguments (usage: %s)",
						  def->name, def->usage);
			}
			a->pos[a->npos++] = &args[i];
			continue;
		}
		for (j = 0; j < i; j++)
			if (args[j].key && strcmp(args[j].key, key) == 0)
				return bs_err_set(err, BS_E_CONFIG, "%s: '%s' "
						  "is given twice", def->name,
						  key);
		if (def->flags & F_ANY_KEYS)
			continue;
		for (k = 0; def->keys && def->keys[k]; k++)
			if (strcmp(def->keys[k], key) == 0)
				break;
		if (!def->keys || !def->keys[k]) {
			const char *hint = def->keys ? strsim_closest(key,
				def->keys, (size_t)k) : NULL;

			if (hint)
				return bs_err_set(err, BS_E_CONFIG, "%s: unknown "
						  "argument '%s'; did you mean "
						  "'%s'?", def->name, key, hint);
			return bs_err_set(err, BS_E_CONFIG, "%s: unknown "
					  "argument '%s' (usage: %s)",
					  def->name, key, def->usage);
		}
	}
	if (a->npos < (size_t)def->pos_min)
		return bs_err_set(err, BS_E_CONFIG, "%s: missing argument "
				  "(usage: %s)", def->name, def->usage);
	return 0;
}

struct conv *conv_new(const char *name, const struct conv_arg *args,
		      size_t nargs, conv_need_fn need, void *need_ctx,
		      struct bs_err *err)
{
	const struct conv_def *def;
	struct args a;
	struct conv *c;

	def = bsearch(name, defs, NDEFS, sizeof(defs[0]), cmp_def);
	if (!def) {
		const char *hint = strsim_closest(name, names, NDEFS);

		if (hint)
			bs_err_set(err, BS_E_CONFIG, "unknown converter '%s'; "
				   "did you mean '%s'?", name, hint);
		else
			bs_err_set(err, BS_E_CONFIG, "unknown converter '%s'",
				   name);
		return NULL;
	}
	memset(&a, 0, sizeof(a));
	if (check_args(def, args, nargs, &a, err) < 0)
		return NULL;
	a.need = need;
	a.need_ctx = need_ctx;
	c = calloc(1, sizeof(*c));
	if (!c) {
		cv_out_of_memory(err);
		return NULL;
	}
	c->def = def;
	if (def->setup && def->setup(c, &a, err) < 0) {
		conv_free(c);
		return NULL;
	}
	return c;
}

int conv_apply(const struct conv *c, const struct bs_value *in,
	       struct bs_value *out, const struct conv_env *env,
	       struct bs_err *err)
{
	unsigned flags = c->def->flags;
	char q[QUOTE_SIZE];

	if (in->kind == BS_V_NULL && !(flags & F_NULL_IN)) {
		*out = cv_null_value;
		return 0;
	}
	if (in->kind == BS_V_JSON && !(flags & F_JSON_IN))
		return bs_err_set(err, BS_E_ROW, "%s cannot take a JSON object "
				  "or array ('%s')", c->def->name,
				  cv_quote(q, in->s, in->len));
	if ((flags & F_EMPTY_NULL) && in->len == 0) {
		*out = cv_null_value;
		return 0;
	}
	return c->def->apply(c, in, out, env, err);
}

int conv_reads_from(const struct conv *c, size_t lo)
{
	return c->def->setup == cv_setup_money && c->num >= lo;
}

const char *conv_name(const struct conv *c)
{
	return c->def->name;
}

void conv_describe(const struct conv *c, struct conv_info *info)
{
	const char *n = c->def->name;

	memset(info, 0, sizeof(*info));
	info->name = n;
	info->scale = -1;
	if (!strcmp(n, "truncate")) {
		info->length = c->num;
		info->length_utf16 = c->units == U_UTF16;
	} else if (!strcmp(n, "decimal") || !strcmp(n, "money")) {
		info->scale = c->scale;
		info->column = c->s1;
	} else if (!strcmp(n, "integer")) {
		info->scale = 0;
	} else if (!strcmp(n, "default")) {
		info->text = c->s1;
	}
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t conv_map_labels(const struct conv *c, const char **labels, size_t max)
{
	size_t i, j, n = 0, all = c->nmap + (c->fallback != NULL);

	if (strcmp(c->def->name, "map") != 0)
		return 0;
	/* the entries (the fallback sits right after them), distinct */
	for (i = 0; i < all; i++) {
		const char *v = c->map[i].val;

		for (j = 0; j < i && strcmp(c->map[j].val, v); j++)
			;
		if (j < i)
			continue;
		if (n < max)
			labels[n] = v;
		n++;
	}
	qsort(labels, n < max ? n : max, sizeof(*labels), label_cmp);
	return n;
}

void conv_free(struct conv *c)
{
	size_t i;

	if (!c)
		return;
	free(c->s1);
	free(c->s2);
	tz_free(c->tz);
	dt_pattern_free(c->pat);
	for (i = 0; c->map && i < c->nmap; i++)
		free(c->map[i].mem);
	if (c->fallback)
		free(c->fallback->mem);
	free(c->map);
	free(c->keys);
	free(c);
}
