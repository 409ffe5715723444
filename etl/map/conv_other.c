/* conv_other.c - the remaining converters: picklist maps, json, sfid
 * (see convert.h). */
#include "convert_int.h"

#include <stdlib.h>
#include <string.h>

#include "jtext.h"

/* ---- picklist maps ---- */

static int map_cmp(const void *a, const void *b)
{
	const struct map_ent *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->key, y->key, n);

	if (r)
		return r;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

int cv_setup_map(struct conv *c, const struct args *a,
		 struct bs_err *err)
{
	size_t i, o = 0, klen;

	c->map = calloc(a->n, sizeof(*c->map));
	c->keys = malloc(CONV_KEYS_LIST_MAX + 8);
	if (!c->map || !c->keys)
		return cv_out_of_memory(err);
	for (i = 0; i < a->n; i++) {
		const struct conv_arg *g = &a->all[i];
		struct map_ent *e;

		if (!*g->key)
			/* empty text is null, which map passes through */
			return bs_err_set(err, BS_E_CONFIG, "map: an empty key "
					  "never matches (an empty value is "
					  "null, and stays null): to label empty "
					  "values, put '| default(\"%s\")' after "
					  "map", g->value);
		if (strcmp(g->key, "default") == 0) {
			/* kept after the sorted entries, outside the search */
			e = &c->map[a->n - 1];
			c->fallback = e;
		} else {
			e = &c->map[c->nmap++];
		}
		/* the arguments are the caller's: copy key and value */
		e->klen = strlen(g->key);
		e->vlen = strlen(g->value);
		e->mem = malloc(e->klen + e->vlen + 2);
		if (!e->mem)
			return cv_out_of_memory(err);
		memcpy(e->mem, g->key, e->klen + 1);
		memcpy(e->mem + e->klen + 1, g->value, e->vlen + 1);
		e->key = e->mem;
		e->val = e->mem + e->klen + 1;
	}
	if (c->nmap == 0)
		return bs_err_set(err, BS_E_CONFIG, "map: needs at least one "
				  "value=Label");
	qsort(c->map, c->nmap, sizeof(*c->map), map_cmp);
	for (i = 1; i < c->nmap; i++)
		if (map_cmp(&c->map[i - 1], &c->map[i]) == 0)
			return bs_err_set(err, BS_E_CONFIG, "map: '%s' is "
					  "mapped twice", c->map[i].key);
	/* the mapped values in file order, for the error message */
	for (i = 0; i < a->n; i++) {
		const char *k = a->all[i].key;

		if (strcmp(k, "default") == 0)
			continue;
		klen = strlen(k);
		if (o + klen + 2 > CONV_KEYS_LIST_MAX) {
			memcpy(c->keys + o, o ? ", ..." : "...", o ? 5 : 3);
			o += o ? 5 : 3;
			break;
		}
		if (o) {
			memcpy(c->keys + o, ", ", 2);
			o += 2;
		}
		memcpy(c->keys + o, k, klen);
		o += klen;
	}
	c->keys[o] = '\0';
	return 0;
}

int cv_apply_map(const struct conv *c, const struct bs_value *in,
		 struct bs_value *out, const struct conv_env *env,
		 struct bs_err *err)
{
	struct map_ent key = { in->s, NULL, in->len, 0, NULL };
	const struct map_ent *e;
	char q[QUOTE_SIZE];

	(void)env;
	e = bsearch(&key, c->map, c->nmap, sizeof(*c->map), map_cmp);
	if (!e)
		e = c->fallback;
	if (!e)
		return bs_err_set(err, BS_E_ROW, "'%s' is not one of the mapped "
				  "values (%s)", cv_quote(q, in->s, in->len),
				  c->keys);
	return cv_put_ref(out, e->val, e->vlen);
}

/* ---- JSON ---- */

int cv_apply_json(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err)
{
	char *buf = arena_alloc(env->arena, in->len + 1);
	size_t n;

	(void)c;
	if (!buf)
		return cv_out_of_memory(err);
	if (jtext_compact(in->s, in->len, buf, &n, err) < 0)
		return cv_cannot_read(err, in, "JSON");
	return cv_put_ref(out, buf, n);
}

/* ---- Salesforce ids ---- */

static int is_alnum(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= 'a' && ch <= 'z');
}

/* The three check characters of a 15-character id. */
static void sfid_suffix(const char *id, char out[3])
{
	static const char map[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	int b, i;

	for (b = 0; b < 3; b++) {
		int n = 0;

		for (i = 0; i < 5; i++) {
			char ch = id[b * 5 + i];

			if (ch >= 'A' && ch <= 'Z')
				n |= 1 << i;
		}
		out[b] = map[n];
	}
}

int cv_apply_sfid(const struct conv *c, const struct bs_value *in,
		  struct bs_value *out, const struct conv_env *env,
		  struct bs_err *err)
{
	char q[QUOTE_SIZE], suffix[3], id[19];
	size_t i;

	(void)c;
	for (i = 0; i < in->len && is_alnum(in->s[i]); i++)
		;
	if ((in->len != 15 && in->len != 18) || i < in->len)
		return bs_err_set(err, BS_E_ROW, "'%s' is not a Salesforce id "
				  "(expected 15 or 18 letters and digits)",
				  cv_quote(q, in->s, in->len));
	sfid_suffix(in->s, suffix);
	if (in->len == 18) {
		for (i = 0; i < 3; i++) {
			char ch = in->s[15 + i];

			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			if (ch != suffix[i])
				return bs_err_set(err, BS_E_ROW, "'%s' is not a "
						  "Salesforce id (its check "
						  "characters should be '%.3s')",
						  cv_quote(q, in->s, in->len),
						  suffix);
		}
		if (memcmp(in->s + 15, suffix, 3) == 0)
			return cv_put_ref(out, in->s, 18);
	}
	memcpy(id, in->s, 15);
	memcpy(id + 15, suffix, 3);
	return cv_put_copy(out, env, id, 18, err);
}
