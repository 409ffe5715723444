/* mapset.c - loading a set of mappings and ordering them parents first. */
#include "mapset.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/sbuf.h"
#include "formats/strsim.h"

struct mapset {
	struct mapping **m;    /* load order */
	unsigned *level;
	size_t n;
	int files_ok;          /* every file loaded without a mistake of its own */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_map_file(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".map") && name[0] != '.';
}

/* The *.map files of dir, sorted by name, in *paths (freed with
 * free_paths); -1 with the error in errs. */
static long list_dir(const char *dir, char ***paths, struct bs_errlist *errs)
{
	struct dirent *de;
	struct bs_err e;
	char **v = NULL;
	size_t n = 0, alloc = 0;
	DIR *d;

	*paths = NULL;
	d = opendir(dir);
	if (!d) {
		bs_err_at(&e, BS_E_CONFIG, dir, 0, "cannot open the mappings "
			  "folder");
		bs_errlist_add(errs, &e);
		return -1;
	}
	while ((de = readdir(d))) {
		struct sbuf sb;

		if (!is_map_file(de->d_name))
			continue;
		if (n == alloc) {
			char **np = realloc(v, (alloc = alloc ? alloc * 2 : 16) *
					    sizeof(*np));
			if (!np)
				goto nomem;
			v = np;
		}
		sbuf_init(&sb, 0);
		if (sbuf_addf(&sb, "%s%s%s", dir,
			      dir[strlen(dir) - 1] == '/' ? "" : "/",
			      de->d_name) < 0) {
			sbuf_release(&sb);
			goto nomem;
		}
		v[n++] = sbuf_detach(&sb, NULL);
	}
	closedir(d);
	if (!n) {
		free(v);
		bs_err_at(&e, BS_E_CONFIG, dir, 0, "no mapping files (*.map)");
		bs_errlist_add(errs, &e);
		return -1;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*paths = v;
	return (long)n;
nomem:
	closedir(d);
	while (n)
		free(v[--n]);
	free(v);
	bs_err_set(&e, BS_E_NOMEM, "out of memory");
	bs_errlist_add(errs, &e);
	return -1;
}

static void free_paths(char **paths, long n)
{
	while (n > 0)
		free(paths[--n]);
	free(paths);
}

static struct mapset *load_set(const char *const *paths, size_t n,
			       struct bs_errlist *errs, int keep);

static struct mapset *load_dir(const char *dir, struct bs_errlist *errs,
			       int keep)
{
	struct mapset *s;
	char **paths;
	long n = list_dir(dir, &paths, errs);

	if (n < 0)
		return NULL;
	s = load_set((const char *const *)paths, (size_t)n, errs, keep);
	free_paths(paths, n);
	return s;
}

struct mapset *mapset_load_dir(const char *dir, struct bs_errlist *errs)
{
	return load_dir(dir, errs, 0);
}

struct mapset *mapset_check_dir(const char *dir, struct bs_errlist *errs)
{
	return load_dir(dir, errs, 1);
}

struct mapset *mapset_load_files(const char *const *paths, size_t n,
				 struct bs_errlist *errs)
{
	return load_set(paths, n, errs, 0);
}

struct mapset *mapset_check_files(const char *const *paths, size_t n,
				  struct bs_errlist *errs)
{
	return load_set(paths, n, errs, 1);
}

/* ---- the lookup graph -------------------------------------------------- */

/* Index of the mapping of object, or -1 (mappings without a valid name are
 * never found). */
static long find_raw(struct mapping *const *m, size_t n, const char *object)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mapping_object(m[i]) &&
		    !strcasecmp(mapping_object(m[i]), object))
			return (long)i;
	return -1;
}

/* The line of the first field of m that goes through lookup l. */
static unsigned long lookup_line(const struct mapping *m,
				 const struct map_lookup *l)
{
	const struct map_field *f;
	size_t nf = mapping_fields(m, &f), i;

	for (i = 0; i < nf; i++)
		if (f[i].relationship &&
		    !strcasecmp(f[i].relationship, l->relationship))
			return f[i].line;
	return l->line;
}

static void duplicate_objects(struct mapping *const *m, size_t n,
			      struct bs_errlist *errs)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; mapping_object(m[i]) && j < i; j++) {
			if (!mapping_object(m[j]) ||
			    strcasecmp(mapping_object(m[i]), mapping_object(m[j])))
				continue;
			mapping_mistake(errs, m[i],
					mapping_key_line(m[i], "name"), NULL,
					"object '%s' is already mapped by %s:%lu",
					mapping_object(m[i]), mapping_file(m[j]),
					mapping_key_line(m[j], "name"));
			break;
		}
	}
}

/* The relationship names that lead to the mapped objects: Foo__r for each
 * Foo__c, and those [lookups] lists for a mapped object; each string in
 * *out allocated (free_paths frees them).  -1 when out of memory. */
static long mapped_relationships(struct mapping *const *m, size_t n,
				 char ***out)
{
	const struct map_lookup *l;
	size_t nv = 0, cap = n, i, k, nl, len;
	char **v;

	for (i = 0; i < n; i++)
		cap += mapping_lookups(m[i], &l);
	v = calloc(cap ? cap : 1, sizeof(*v));
	*out = v;
	if (!v)
		return -1;
	for (i = 0; i < n; i++) {
		const char *obj = mapping_object(m[i]);

		if (!obj || (len = strlen(obj)) < 4 ||
		    strcasecmp(obj + len - 3, "__c"))
			continue;
		if (!(v[nv] = strdup(obj)))
			goto nomem;
		v[nv++][len - 1] = 'r';
	}
	for (i = 0; i < n; i++) {
		nl = mapping_lookups(m[i], &l);
		for (k = 0; k < nl; k++) {
			if (!l[k].declared || find_raw(m, n, l[k].object) < 0)
				continue;
			if (!(v[nv++] = strdup(l[k].relationship)))
				goto nomem;
		}
	}
	return (long)nv;
nomem:
	free_paths(v, (long)nv);
	*out = NULL;
	return -1;
}

/* 1 when m maps field (not a lookup). */
static int sets_field(const struct mapping *m, const char *field)
{
	const struct map_field *f;
	size_t nf = mapping_fields(m, &f), i;

	for (i = 0; i < nf; i++)
		if (!f[i].relationship && !strcasecmp(f[i].target, field))
			return 1;
	return 0;
}

/* Each lookup field against the mapping of its parent: an upserted parent
 * is found through its external_id, or another field its mapping sets
 * (`check --org` tells whether that one is an External ID); a relationship
 * that no mapping loads but is a near miss of one that does is a
 * misspelling.  (A parent that no mapping loads, e.g. Account, is taken as
 * already in Salesforce.)  -1 when out of memory. */
static int check_lookups(struct mapping *const *m, size_t n,
			 struct bs_errlist *errs)
{
	char **rels;
	long nrel = mapped_relationships(m, n, &rels);
	size_t i, j, k, nf, nl;

	if (nrel < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct map_field *f;
		const struct map_lookup *l;

		nf = mapping_fields(m[i], &f);
		nl = mapping_lookups(m[i], &l);
		for (j = 0; j < nf; j++) {
			const struct mapping *p;
			const char *key, *hint;
			long pi;

			if (!f[j].relationship)
				continue;
			for (k = 0; k < nl; k++)
				if (!strcasecmp(l[k].relationship,
						f[j].relationship))
					break;
			if (k == nl)
				continue;
			pi = find_raw(m, n, l[k].object);
			if (pi < 0) {
				if (l[k].declared)
					continue;   /* said to be outside */
				hint = strsim_closest(f[j].relationship,
						      (const char *const *)rels,
						      (size_t)nrel);
				if (hint && strcasecmp(hint, f[j].relationship))
					mapping_mistake(errs, m[i], f[j].line,
						  NULL, "lookup '%s': no mapping loads "
						  "'%s'; did you mean '%s'? (a "
						  "parent outside billsync goes in "
						  "[lookups])", f[j].target,
						  l[k].object, hint);
				continue;
			}
			p = m[pi];
			key = mapping_key_field(p);
			if (mapping_op(p) != MAP_UPSERT || !key ||
			    !strcasecmp(key, f[j].parent_field) ||
			    sets_field(p, f[j].parent_field))
				continue;
			mapping_mistake(errs, m[i], f[j].line, NULL,
					"lookup '%s': the mapping of %s (%s) "
					"does not set '%s'; did you mean its "
					"external_id, '%s.%s'?", f[j].target,
					mapping_object(p), mapping_file(p),
					f[j].parent_field, f[j].relationship,
					key);
		}
	}
	free_paths(rels, nrel);
	return 0;
}

/* The lookup graph: edge[i] lists the mappings i looks up (itself and
 * repeats left out), with the line of the field each goes through. */
struct graph {
	size_t n;
	long *to;               /* n * n: to[i * n + k], -1 ends the row */
	unsigned long *line;    /* same shape */
};

static int graph_build(struct graph *g, struct mapping *const *m, size_t n)
{
	size_t i, k, nl, e;

	g->n = n;
	g->to = malloc((n ? n * n : 1) * sizeof(*g->to));
	g->line = malloc((n ? n * n : 1) * sizeof(*g->line));
	if (!g->to || !g->line)
		return -1;
	for (i = 0; i < n; i++) {
		const struct map_lookup *l;

		nl = mapping_lookups(m[i], &l);
		e = 0;
		for (k = 0; k < nl && e < n; k++) {
			long p = find_raw(m, n, l[k].object);
			size_t x;

			if (p < 0 || (size_t)p == i)
				continue;
			for (x = 0; x < e; x++)
				if (g->to[i * n + x] == p)
					break;
			if (x < e)
				continue;
			g->to[i * n + e] = p;
			g->line[i * n + e] = lookup_line(m[i], &l[k]);
			e++;
		}
		if (e < n)
			g->to[i * n + e] = -1;
	}
	return 0;
}

/* Depth-first walk state: 0 unvisited, 1 on the path, 2 done. */
struct walk {
	const struct graph *g;
	struct mapping *const *m;
	char *state;
	size_t *path;           /* the mappings on the current path */
	size_t *edge;           /* path[d] left through its edge[d]-th edge */
	size_t depth;
	struct bs_errlist *errs;
	int nomem;              /* a cycle's path ran out of memory */
};

/* The edge u -> v closes a cycle v -> ... -> u -> v: reported at v's
 * file, on the line of its lookup to the next object of the cycle. */
static void report_cycle(struct walk *w, size_t v)
{
	const struct graph *g = w->g;
	struct sbuf path;
	size_t d, from;

	for (from = 0; from < w->depth && w->path[from] != v; from++)
		;
	sbuf_init(&path, 4096);
	for (d = from; d < w->depth; d++)
		sbuf_addf(&path, "%s -> ", mapping_object(w->m[w->path[d]]));
	sbuf_adds(&path, mapping_object(w->m[v]));
	if (sbuf_failed(&path))
		w->nomem = 1;
	else
		mapping_mistake(w->errs, w->m[v],
				g->line[v * g->n + w->edge[from]], NULL,
				"lookup cycle: %s (each object needs the next "
				"one loaded first; remove one of these lookups)",
				path.buf);
	sbuf_release(&path);
}

/* Walks from start without recursion; every edge back to the path is a
 * cycle, and leaving those edges out leaves no cycle: so every cycle is
 * reported, none twice. */
static void walk_from(struct walk *w, size_t start)
{
	const struct graph *g = w->g;

	w->depth = 0;
	w->path[w->depth] = start;
	w->edge[w->depth++] = 0;
	w->state[start] = 1;
	while (w->depth) {
		size_t u = w->path[w->depth - 1], k = w->edge[w->depth - 1];
		long v = k < g->n ? g->to[u * g->n + k] : -1;

		if (v < 0) {
			w->state[u] = 2;
			w->depth--;
			if (w->depth)
				w->edge[w->depth - 1]++;
			continue;
		}
		if (w->state[v] == 0) {
			w->state[v] = 1;
			w->path[w->depth] = (size_t)v;
			w->edge[w->depth++] = 0;
			continue;
		}
		if (w->state[v] == 1)
			report_cycle(w, (size_t)v);
		w->edge[w->depth - 1]++;
	}
}

/* -1 when out of memory. */
static int find_cycles(const struct graph *g, struct mapping *const *m,
		       struct bs_errlist *errs)
{
	struct walk w = { g, m, NULL, NULL, NULL, 0, errs, 0 };
	size_t i, n = g->n;
	int rc = -1;

	w.state = calloc(n ? n : 1, 1);
	w.path = malloc((n ? n : 1) * sizeof(*w.path));
	w.edge = malloc((n ? n : 1) * sizeof(*w.edge));
	if (w.state && w.path && w.edge) {
		for (i = 0; i < n; i++)
			if (!w.state[i])
				walk_from(&w, i);
		rc = w.nomem ? -1 : 0;
	}
	free(w.state);
	free(w.path);
	free(w.edge);
	return rc;
}

/* Orders the set parents first (Kahn's algorithm, taking the first ready
 * mapping in file order so the order is stable; a level is one more than
 * the deepest parent's), then by level, file order within one: still
 * parents first.  Mappings on a cycle (only in a set kept for check) are
 * taken in file order when nothing else is ready.  -1 when out of memory. */
static int order(struct mapset *s, struct mapping **raw, const struct graph *g)
{
	size_t n = g->n, i, j, k;
	char *placed = calloc(n ? n : 1, 1);
	unsigned *lvl = calloc(n ? n : 1, sizeof(*lvl));

	if (!placed || !lvl) {
		free(placed);
		free(lvl);
		return -1;
	}
	for (s->n = 0; s->n < n; s->n++) {
		long pick = -1, first = -1;
		unsigned level = 0;

		for (i = 0; i < n && pick < 0; i++) {
			int ready = 1;

			if (placed[i])
				continue;
			if (first < 0)
				first = (long)i;
			level = 0;
			for (k = 0; k < n && g->to[i * n + k] >= 0; k++) {
				size_t p = (size_t)g->to[i * n + k];

				if (!placed[p])
					ready = 0;
				else if (lvl[p] + 1 > level)
					level = lvl[p] + 1;
			}
			if (ready)
				pick = (long)i;
		}
		if (pick < 0) {       /* a cycle */
			pick = first;
			level = 0;
		}
		placed[pick] = 1;
		lvl[pick] = level;
		s->m[s->n] = raw[pick];
		s->level[s->n] = level;
	}
	for (i = 1; i < n; i++) {
		struct mapping *mi = s->m[i];
		unsigned li = s->level[i];

		for (j = i; j > 0 && s->level[j - 1] > li; j--) {
			s->m[j] = s->m[j - 1];
			s->level[j] = s->level[j - 1];
		}
		s->m[j] = mi;
		s->level[j] = li;
	}
	free(placed);
	free(lvl);
	return 0;
}

/* Loads every file, then checks the set: objects mapped twice, lookups
 * against their parents' mappings, cycles.  Every mistake goes to errs.
 * keep: the set is returned with whatever loaded (for check). */
static struct mapset *load_set(const char *const *paths, size_t n,
			       struct bs_errlist *errs, int keep)
{
	struct mapping **raw = calloc(n ? n : 1, sizeof(*raw));
	struct mapset *s = calloc(1, sizeof(*s));
	struct graph g = { 0, NULL, NULL };
	size_t i, nraw = 0, nerr0 = errs->n + errs->dropped;
	struct bs_err e;
	int nomem = !raw || !s;

	if (!nomem) {
		for (i = 0; i < n; i++) {
			struct mapping *m = mapping_check(paths[i], errs);

			if (m)
				raw[nraw++] = m;
		}
		s->files_ok = errs->n + errs->dropped == nerr0;
		s->m = calloc(nraw ? nraw : 1, sizeof(*s->m));
		s->level = calloc(nraw ? nraw : 1, sizeof(*s->level));
		nomem = !s->m || !s->level;
	}
	if (!nomem) {
		duplicate_objects(raw, nraw, errs);
		nomem = check_lookups(raw, nraw, errs) < 0 ||
			graph_build(&g, raw, nraw) < 0 ||
			find_cycles(&g, raw, errs) < 0 ||
			order(s, raw, &g) < 0;
	}
	free(g.to);
	free(g.line);
	if (nomem) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(errs, &e);
	} else if (keep || errs->n + errs->dropped == nerr0) {
		free(raw);
		return s;
	}
	for (i = 0; i < nraw; i++)
		mapping_free(raw[i]);
	free(raw);
	if (s) {
		free(s->m);
		free(s->level);
		free(s);
	}
	return NULL;
}

struct mapping *mapset_mapping(struct mapset *s, size_t i)
{
	return s->m[i];
}


void mapset_free(struct mapset *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		mapping_free(s->m[i]);
	free(s->m);
	free(s->level);
	free(s);
}

size_t mapset_count(const struct mapset *s) { return s->n; }
int mapset_files_ok(const struct mapset *s) { return s->files_ok; }
const struct mapping *mapset_at(const struct mapset *s, size_t i) { return s->m[i]; }
unsigned mapset_level(const struct mapset *s, size_t i) { return s->level[i]; }

long mapset_index(const struct mapset *s, const char *object)
{
	return find_raw(s->m, s->n, object);
}

const struct mapping *mapset_find(const struct mapset *s, const char *object)
{
	long i = mapset_index(s, object);

	return i < 0 ? NULL : s->m[i];
}
