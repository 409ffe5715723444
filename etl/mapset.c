/* mapset.c - loading a set of mappings and ordering them parents first. */
#include "mapset.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../formats/sbuf.h"

struct mapset {
	struct mapping **m;    /* load order */
	unsigned *level;
	size_t n;
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

struct mapset *mapset_load_dir(const char *dir, struct bs_errlist *errs)
{
	struct mapset *s = NULL;
	struct dirent *de;
	struct bs_err e;
	char **paths = NULL;
	size_t n = 0, alloc = 0, i;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		bs_err_at(&e, BS_E_CONFIG, dir, 0, "cannot open the mappings "
			  "folder");
		bs_errlist_add(errs, &e);
		return NULL;
	}
	while ((de = readdir(d))) {
		struct sbuf sb;

		if (!is_map_file(de->d_name))
			continue;
		if (n == alloc) {
			char **np = realloc(paths, (alloc = alloc ? alloc * 2 : 16) *
					    sizeof(*np));
			if (!np)
				goto out;
			paths = np;
		}
		sbuf_init(&sb, 0);
		if (sbuf_addf(&sb, "%s%s%s", dir,
			      dir[strlen(dir) - 1] == '/' ? "" : "/",
			      de->d_name) < 0) {
			sbuf_release(&sb);
			goto out;
		}
		paths[n++] = sbuf_detach(&sb, NULL);
	}
	if (!n) {
		bs_err_at(&e, BS_E_CONFIG, dir, 0, "no mapping files (*.map)");
		bs_errlist_add(errs, &e);
		goto out;
	}
	qsort(paths, n, sizeof(*paths), cmp_str);
	s = mapset_load_files((const char *const *)paths, n, errs);
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return s;
}

static long find_raw(struct mapping **m, size_t n, const char *object)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(mapping_object(m[i]), object))
			return (long)i;
	return -1;
}

/* The first unplaced parent of mapping i (other than itself), or -1. */
static long unplaced_parent(struct mapping **m, size_t n, const char *placed,
			    size_t i)
{
	const struct map_lookup *l;
	size_t nl = mapping_lookups(m[i], &l), k;
	long p;

	for (k = 0; k < nl; k++) {
		p = find_raw(m, n, l[k].object);
		if (p >= 0 && (size_t)p != i && !placed[p])
			return p;
	}
	return -1;
}

/* Every unplaced mapping waits for an unplaced parent, so walking parents
 * from any of them n times lands on a cycle: report that cycle. */
static void report_cycle(struct mapping **m, size_t n, const char *placed,
			 size_t start, struct bs_errlist *errs)
{
	struct sbuf path;
	struct bs_err e;
	size_t cur = start, i;
	long p;

	for (i = 0; i < n; i++) {
		p = unplaced_parent(m, n, placed, cur);
		if (p < 0)
			break;
		cur = (size_t)p;
	}
	start = cur;
	sbuf_init(&path, 4096);
	sbuf_adds(&path, mapping_object(m[start]));
	for (i = 0; i < n; i++) {
		p = unplaced_parent(m, n, placed, cur);
		if (p < 0)
			break;
		cur = (size_t)p;
		sbuf_addf(&path, " -> %s", mapping_object(m[cur]));
		if (cur == start)
			break;
	}
	bs_err_at(&e, BS_E_CONFIG, mapping_file(m[start]), 0,
		  "lookup cycle: %s (each object needs the next one loaded "
		  "first; remove one of these lookups)", path.buf);
	bs_errlist_add(errs, &e);
	sbuf_release(&path);
}

struct mapset *mapset_load_files(const char *const *paths, size_t n,
				 struct bs_errlist *errs)
{
	struct mapping **raw = calloc(n ? n : 1, sizeof(*raw));
	struct mapset *s = calloc(1, sizeof(*s));
	char *placed = calloc(n ? n : 1, 1);
	size_t i, j, k, nerr0 = errs->n + errs->dropped, done = 0;
	struct bs_err e;
	long p;

	if (!raw || !s || !placed)
		goto fail;
	s->m = calloc(n ? n : 1, sizeof(*s->m));
	s->level = calloc(n ? n : 1, sizeof(*s->level));
	if (!s->m || !s->level)
		goto fail;
	for (i = 0; i < n; i++)
		raw[i] = mapping_load(paths[i], errs);
	for (i = 0; i < n; i++) {
		for (j = 0; raw[i] && j < i; j++) {
			if (raw[j] && !strcasecmp(mapping_object(raw[i]),
						  mapping_object(raw[j]))) {
				bs_err_at(&e, BS_E_CONFIG, paths[i], 0,
					  "object '%s' is already mapped by %s",
					  mapping_object(raw[i]), paths[j]);
				bs_errlist_add(errs, &e);
			}
		}
	}
	if (errs->n + errs->dropped != nerr0)
		goto fail;

	/* Kahn's algorithm, taking the first ready mapping in file order, so
	 * the order is stable; a level is one more than the deepest parent. */
	while (done < n) {
		int progressed = 0;

		for (i = 0; i < n; i++) {
			const struct map_lookup *l;
			size_t nl = mapping_lookups(raw[i], &l);
			unsigned level = 0;
			int ready = 1;

			if (placed[i])
				continue;
			for (k = 0; k < nl; k++) {
				p = find_raw(raw, n, l[k].object);
				if (p < 0 || (size_t)p == i)
					continue;
				if (!placed[p]) {
					ready = 0;
					break;
				}
				for (j = 0; j < done; j++)
					if (s->m[j] == raw[p] && s->level[j] + 1 > level)
						level = s->level[j] + 1;
			}
			if (!ready)
				continue;
			placed[i] = 1;
			s->m[done] = raw[i];
			s->level[done] = level;
			done++;
			progressed = 1;
			break;
		}
		if (!progressed) {
			for (i = 0; i < n; i++)
				if (!placed[i])
					break;
			report_cycle(raw, n, placed, i, errs);
			goto fail;
		}
	}
	/* by level, keeping file order within one: still parents first */
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
	s->n = n;
	free(raw);
	free(placed);
	return s;
fail:
	if (!raw || !s || !placed) {
		bs_err_set(&e, BS_E_NOMEM, "out of memory");
		bs_errlist_add(errs, &e);
	}
	for (i = 0; raw && i < n; i++)
		mapping_free(raw[i]);
	if (s) {
		free(s->m);
		free(s->level);
		free(s);
	}
	free(raw);
	free(placed);
	return NULL;
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
