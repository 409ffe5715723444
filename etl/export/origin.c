/* origin.c - the sources of an object's rows and the spool of where each
 * written row came from (see origin.h). */
#include "origin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"

#define ENTRY 12                /* source u32, line u64 */

struct origin {
	/* source file names, indexed by number */
	char **name;
	size_t n, alloc;
	/* the spool */
	FILE *w;
	off_t rpos;
	unsigned char buf[64 * 1024];
	size_t len, at;
};

struct origin *origin_new(const char *temp_dir, struct bs_err *err)
{
	struct origin *o = calloc(1, sizeof(*o));
	char path[4096];
	int fd;

	if (!o) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/billsync-origin-XXXXXX",
		 temp_dir ? temp_dir : (getenv("TMPDIR") ? getenv("TMPDIR") :
					"/tmp"));
	fd = mkstemp(path);
	if (fd < 0) {
		bs_err_at(err, BS_E_IO, path, 0, "cannot create a temporary "
			  "file: %s", strerror(errno));
		free(o);
		return NULL;
	}
	unlink(path);
	o->w = fdopen(fd, "w");
	if (!o->w) {
		close(fd);
		free(o);
		bs_err_set(err, BS_E_IO, "cannot open a temporary file");
		return NULL;
	}
	return o;
}

void origin_free(struct origin *o)
{
	size_t i;

	if (!o)
		return;
	if (o->w)
		fclose(o->w);
	for (i = 0; i < o->n; i++)
		free(o->name[i]);
	free(o->name);
	free(o);
}

int origin_source(struct origin *o, const char *name, uint32_t *idx,
		  struct bs_err *err)
{
	size_t i;

	/* rows come file after file: the last name is almost always it */
	for (i = o->n; i-- > 0;) {
		if (!strcmp(o->name[i], name)) {
			*idx = (uint32_t)i;
			return 0;
		}
	}
	if (o->n == o->alloc) {
		size_t na = o->alloc ? o->alloc * 2 : 8;
		char **nn = realloc(o->name, na * sizeof(*nn));

		if (!nn)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		o->name = nn;
		o->alloc = na;
	}
	o->name[o->n] = strdup(name);
	if (!o->name[o->n])
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	*idx = (uint32_t)o->n++;
	return 0;
}

const char *origin_source_name(const struct origin *o, uint32_t idx)
{
	return idx < o->n ? o->name[idx] : "";
}

int origin_push(struct origin *o, uint32_t src, uint64_t line,
		struct bs_err *err)
{
	unsigned char e[ENTRY];

	memcpy(e, &src, 4);
	memcpy(e + 4, &line, 8);
	if (fwrite(e, 1, sizeof(e), o->w) != sizeof(e))
		return bs_err_set(err, BS_E_IO, "cannot write a temporary file");
	return 0;
}

static int pop(struct origin *o, uint32_t *src, uint64_t *line,
	       struct bs_err *err)
{
	ssize_t got;

	if (o->len - o->at < ENTRY) {
		memmove(o->buf, o->buf + o->at, o->len - o->at);
		o->len -= o->at;
		o->at = 0;
		if (fflush(o->w) != 0)
			return bs_err_set(err, BS_E_IO, "cannot write a "
					  "temporary file");
		while (o->len < ENTRY) {
			got = pread(fileno(o->w), o->buf + o->len,
				    sizeof(o->buf) - o->len, o->rpos);
			if (got <= 0)
				return bs_err_set(err, BS_E_IO, "cannot read a "
						  "temporary file");
			o->rpos += got;
			o->len += (size_t)got;
		}
	}
	memcpy(src, o->buf + o->at, 4);
	memcpy(line, o->buf + o->at + 4, 8);
	o->at += ENTRY;
	return 0;
}

struct span {
	unsigned long first, last;
	unsigned long long rows;
};

int origin_take(struct origin *o, unsigned long long rows,
		struct manifest *m, struct manifest_file *f,
		struct bs_err *err)
{
	struct span *spans = calloc(o->n ? o->n : 1, sizeof(*spans));
	unsigned long long i;
	size_t k;

	if (!spans)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < rows; i++) {
		struct span *sp;
		uint32_t src = 0;
		uint64_t line = 0;

		if (pop(o, &src, &line, err) < 0) {
			free(spans);
			return -1;
		}
		if (src >= o->n)
			continue;
		sp = &spans[src];
		if (!sp->rows || line < sp->first)
			sp->first = (unsigned long)line;
		if (line > sp->last)
			sp->last = (unsigned long)line;
		sp->rows++;
	}
	for (k = 0; k < o->n; k++) {
		struct manifest_source *s;

		if (!spans[k].rows)
			continue;
		s = manifest_add_source(f);
		if (!s || !(s->file = manifest_strdup(m, o->name[k]))) {
			free(spans);
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
		s->first_line = spans[k].first;
		s->last_line = spans[k].last;
		s->rows = spans[k].rows;
	}
	free(spans);
	return 0;
}
