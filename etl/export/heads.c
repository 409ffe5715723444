/* heads.c - once-readable source files held open between the check
 * before reading and the export (see heads.h). */
#include "heads.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct held {
	char *path;
	struct replay *r;
};

struct heads {
	struct held *v;
	size_t n, cap;
	const volatile sig_atomic_t *stop;
};

struct heads *heads_new(const volatile sig_atomic_t *stop)
{
	struct heads *h = calloc(1, sizeof(struct heads));

	if (h)
		h->stop = stop;
	return h;
}

void heads_free(struct heads *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		replay_free(h->v[i].r);
		free(h->v[i].path);
	}
	free(h->v);
	free(h);
}

int heads_once(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	       !S_ISDIR(st.st_mode);
}

static struct held *find(struct heads *h, const char *path)
{
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (h->v[i].r && !strcmp(h->v[i].path, path))
			return &h->v[i];
	return NULL;
}

struct replay *heads_get(struct heads *h, const char *path,
			 struct bs_err *err)
{
	struct held *e = find(h, path);

	if (e)
		return e->r;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4;
		struct held *v = realloc(h->v, cap * sizeof(*v));

		if (!v) {
			bs_err_set(err, BS_E_NOMEM, "out of memory");
			return NULL;
		}
		h->v = v;
		h->cap = cap;
	}
	e = &h->v[h->n];
	if (!(e->path = strdup(path))) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!(e->r = replay_open(path, h->stop, err))) {
		free(e->path);
		return NULL;
	}
	h->n++;
	return e->r;
}

struct replay *heads_take(struct heads *h, const char *path)
{
	struct held *e = find(h, path);
	struct replay *r;

	if (!e)
		return NULL;
	r = e->r;
	e->r = NULL;
	return r;
}
