/* dataset.c - finding a dataset's files and reading them as one stream. */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "heads.h"
#include "formats/input.h"
#include "formats/sbuf.h"
#include "base/config.h"

struct dataset {
	char *name;
	struct dataset_entry *e;
	size_t n, alloc;
	/* reading */
	const char *const *cols;
	size_t ncols;
	size_t cur;              /* entry being read */
	struct rowsrc *rs;
	struct rowsrc_limits lim;   /* defaults, and the stop flag */
	struct heads *heads;     /* files whose head was read, or NULL */
	/* progress: per entry, the bytes of the files before it (an
	   archive's members share its start); the sum of the sizes, or 0
	   when not known */
	unsigned long long *before;
	unsigned long long total;
};

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && !memcmp(s + len - n, suf, n);
}

/* Length of the name without .gz and its data-format extension, or 0 when
 * the file is not a data file. */
static size_t stem_len(const char *base)
{
	static const char *const exts[] = { ".csv", ".jsonl", ".ndjson", ".json" };
	size_t len = strlen(base), i;

	if (has_suffix(base, len, ".gz"))
		len -= 3;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (has_suffix(base, len, exts[i]))
			return len - strlen(exts[i]);
	return 0;
}

/* Does a file path (or member path) belong to the dataset? */
static int matches(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(name), stem;
	const char *dir;

	base = base ? base + 1 : path;
	stem = stem_len(base);
	if (!stem || base[0] == '.')
		return 0;
	if (stem == n && !memcmp(base, name, n))
		return 1;
	if (stem > n && !memcmp(base, name, n) &&
	    (base[n] == '-' || base[n] == '.'))
		return 1;
	/* in a folder named after the dataset */
	for (dir = path; (dir = strstr(dir, name)); dir++) {
		if ((dir == path || dir[-1] == '/') && dir[n] == '/')
			return 1;
	}
	return 0;
}

static int add_entry(struct dataset *ds, const char *path, const char *member,
		     struct bs_err *err)
{
	struct dataset_entry *e;
	struct sbuf sb;

	if (ds->n == ds->alloc) {
		size_t na = ds->alloc ? ds->alloc * 2 : 8;
		struct dataset_entry *ne = realloc(ds->e, na * sizeof(*ne));

		if (!ne)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		ds->e = ne;
		ds->alloc = na;
	}
	e = &ds->e[ds->n];
	sbuf_init(&sb, 0);
	e->path = strdup(path);
	e->member = member ? strdup(member) : NULL;
	if (member)
		sbuf_addf(&sb, "%s!%s", path, member);
	else
		sbuf_adds(&sb, path);
	e->name = sbuf_detach(&sb, NULL);
	if (!e->path || (member && !e->member) || !e->name) {
		free(e->path);
		free(e->member);
		free(e->name);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	ds->n++;
	return 0;
}

struct member_walk {
	struct dataset *ds;
	const char *archive;
	int all;                  /* take every data member ([dataset] files) */
	struct bs_err *err;
};

static int on_member(void *ctx, const char *member)
{
	struct member_walk *w = ctx;

	if (w->all ? !stem_len(member) : !matches(member, w->ds->name))
		return 0;
	return add_entry(w->ds, w->archive, member, w->err) < 0 ? -1 : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct dataset_entry *)a)->name,
		      ((const struct dataset_entry *)b)->name);
}

static int scan_path(struct dataset *ds, const char *path, int all,
		     struct bs_err *err);

static int scan_dir(struct dataset *ds, const char *dir, int in_dataset_dir,
		    struct bs_err *err)
{
	struct dirent *de;
	struct sbuf sb;
	size_t first = ds->n;
	int r = 0;
	DIR *d = opendir(dir);

	if (!d)
		return bs_err_at(err, BS_E_INPUT, dir, 0, "cannot open folder: %s",
				 strerror(errno));
	sbuf_init(&sb, 0);
	while (r == 0 && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		sbuf_reset(&sb);
		if (sbuf_addf(&sb, "%s%s%s", dir,
			      dir[strlen(dir) - 1] == '/' ? "" : "/",
			      de->d_name) < 0) {
			r = bs_err_set(err, BS_E_NOMEM, "out of memory");
			break;
		}
		if (stat(sb.buf, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!in_dataset_dir && !strcmp(de->d_name, ds->name))
				r = scan_dir(ds, sb.buf, 1, err);
			continue;
		}
		/* archives are read only when named as a location: a folder
		 * often holds the files and an archive of the same files */
		if (input_kind_of(sb.buf) == INPUT_ARCHIVE)
			continue;
		if (in_dataset_dir ? stem_len(de->d_name) != 0 :
		    matches(de->d_name, ds->name))
			r = add_entry(ds, sb.buf, NULL, err);
	}
	closedir(d);
	sbuf_release(&sb);
	/* name order within a folder (none found: ds->e may be NULL) */
	if (ds->n > first)
		qsort(ds->e + first, ds->n - first, sizeof(*ds->e), cmp_entry);
	return r;
}

/* One location: a folder, an archive, or a file (all: take it whatever
 * its name, as [dataset] files does). */
static int scan_path(struct dataset *ds, const char *path, int all,
		     struct bs_err *err)
{
	struct member_walk w = { ds, path, all, err };
	struct stat st;

	if (stat(path, &st) != 0)
		return bs_err_at(err, BS_E_INPUT, path, 0, "no such file or "
				 "folder");
	if (S_ISDIR(st.st_mode))
		return scan_dir(ds, path, 0, err);
	if (input_kind_of(path) == INPUT_ARCHIVE && !S_ISREG(st.st_mode))
		return bs_err_at(err, BS_E_INPUT, path, 0, "an archive must be "
				 "a regular file, not a FIFO or a device");
	if (input_kind_of(path) == INPUT_ARCHIVE)
		return input_list_members(path, on_member, &w, err) ? -1 : 0;
	if (all || matches(path, ds->name))
		return add_entry(ds, path, NULL, err);
	return 0;
}

static int scan_glob(struct dataset *ds, const char *pattern, int all,
		     struct bs_err *err)
{
	glob_t g;
	size_t i;
	int r = 0;

	if (!strpbrk(pattern, "*?["))
		return scan_path(ds, pattern, all, err);
	switch (glob(pattern, 0, NULL, &g)) {
	case 0:
		break;
	case GLOB_NOMATCH:
		return 0;
	default:
		return bs_err_at(err, BS_E_INPUT, pattern, 0, "cannot expand");
	}
	for (i = 0; i < g.gl_pathc && r == 0; i++)   /* glob sorts */
		r = scan_path(ds, g.gl_pathv[i], all, err);
	globfree(&g);
	return r;
}

struct dataset *dataset_open(const struct config *cfg, const char *name,
			     struct bs_err *err)
{
	struct dataset *ds = calloc(1, sizeof(*ds));
	const char *const *locs;
	char section[256];
	size_t n, i;
	int all;

	if (!ds || !(ds->name = strdup(name))) {
		free(ds);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(section, sizeof(section), "dataset %s", name);
	n = config_get_list(cfg, section, "files", &locs);
	all = n > 0;
	if (!n)
		n = config_get_list(cfg, "source", "path", &locs);
	if (!n) {
		bs_err_at(err, BS_E_CONFIG, config_file(cfg), 0, "no source "
			  "data: set [source] path or pass --source");
		dataset_free(ds);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char *loc = config_resolve(cfg, locs[i]);
		int r;

		if (!loc) {
			bs_err_set(err, BS_E_NOMEM, "out of memory");
			dataset_free(ds);
			return NULL;
		}
		r = scan_glob(ds, loc, all, err);
		free(loc);
		if (r < 0) {
			dataset_free(ds);
			return NULL;
		}
	}
	if (!ds->n) {
		bs_err_set(err, BS_E_INPUT, "no files for dataset '%s' in %s%s "
			   "(looked for %s.csv, %s.jsonl, %s-*.csv, %s/*.csv, "
			   "plain, .gz or in archives)", name, locs[0],
			   n > 1 ? " and other locations" : "", name, name, name,
			   name);
		dataset_free(ds);
		return NULL;
	}
	return ds;
}

void dataset_free(struct dataset *ds)
{
	size_t i;

	if (!ds)
		return;
	rowsrc_free(ds->rs);
	free(ds->before);
	for (i = 0; i < ds->n; i++) {
		free(ds->e[i].path);
		free(ds->e[i].member);
		free(ds->e[i].name);
	}
	free(ds->e);
	free(ds->name);
	free(ds);
}

const char *dataset_name(const struct dataset *ds)
{
	return ds->name;
}

size_t dataset_entries(const struct dataset *ds,
		       const struct dataset_entry **entries)
{
	*entries = ds->e;
	return ds->n;
}

/* The files' sizes for dataset_progress, taken once before reading: a
 * run of members of one archive is the archive's size once. */
static int measure(struct dataset *ds, struct bs_err *err)
{
	unsigned long long sum = 0, size = 0;
	int known = 1;
	struct stat st;
	size_t i;

	free(ds->before);
	ds->before = malloc(ds->n * sizeof(*ds->before));
	if (!ds->before)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < ds->n; i++) {
		if (i == 0 || strcmp(ds->e[i].path, ds->e[i - 1].path) != 0) {
			sum += size;
			size = 0;
			if (stat(ds->e[i].path, &st) == 0 && S_ISREG(st.st_mode))
				size = (unsigned long long)st.st_size;
			else
				known = 0;   /* a FIFO: no size */
		}
		ds->before[i] = sum;
	}
	ds->total = known ? sum + size : 0;
	return 0;
}

int dataset_select(struct dataset *ds, const char *const *cols, size_t n,
		   struct bs_err *err)
{
	ds->cols = cols;
	ds->ncols = n;
	ds->cur = 0;
	return measure(ds, err);
}

void dataset_progress(const struct dataset *ds, unsigned long long *done,
		      unsigned long long *total)
{
	*total = ds->total;
	*done = 0;
	if (!ds->before)
		return;
	if (ds->cur >= ds->n)
		*done = ds->total;
	else
		*done = ds->before[ds->cur] +
			(ds->rs ? rowsrc_position(ds->rs) : 0);
	if (ds->total && *done > ds->total)
		*done = ds->total;   /* a file that grew while read */
}

void dataset_watch(struct dataset *ds, const volatile sig_atomic_t *stop)
{
	ds->lim.stop = stop;
}

void dataset_heads(struct dataset *ds, struct heads *h)
{
	ds->heads = h;
}

/* The reader of the entry ds->cur: from its first byte again when its
 * head was read before (heads.h). */
static struct rowsrc *open_entry(struct dataset *ds, struct bs_err *err)
{
	const struct dataset_entry *e = &ds->e[ds->cur];
	struct replay *r = e->member ? NULL : heads_take(ds->heads, e->path);
	FILE *f;

	if (!r)
		return rowsrc_open(e->path, e->member, &ds->lim, err);
	f = replay_finish(r, err);
	return f ? rowsrc_open_stream(f, e->path, &ds->lim, err) : NULL;
}

int dataset_next(struct dataset *ds, struct rowsrc_row *row,
		 struct bs_err *err)
{
	int r;

	for (;;) {
		if (!ds->rs) {
			if (ds->cur >= ds->n)
				return ROWSRC_DONE;
			ds->rs = open_entry(ds, err);
			if (!ds->rs)
				return ROWSRC_ERROR;
			if (rowsrc_select(ds->rs, ds->cols, ds->ncols, err) < 0)
				return ROWSRC_ERROR;
		}
		r = rowsrc_next(ds->rs, row, err);
		if (r != ROWSRC_DONE)
			return r;
		rowsrc_free(ds->rs);
		ds->rs = NULL;
		ds->cur++;
	}
}
