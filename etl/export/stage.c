/* stage.c - external merge sort by group key with last-wins duplicate keys
 * (see stage.h). */
#include "stage.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/hash.h"
#include "msort.h"

#define REC_HDR 20              /* seq u64, group u32, key u32, payload u32 */
#define FP_CHUNK 131072         /* fingerprints per in-memory run (3 MiB) */
#define READ_CHUNK_MAX ((size_t)256 * 1024)  /* per run when few runs */
#define READ_CHUNK_MIN ((size_t)16 * 1024)   /* per run when very many */
#define WRITE_BUF ((size_t)1 << 20)          /* spills are written in blocks */
#define FP_READ_MAX 4096                     /* fingerprints per run buffer */
#define FP_READ_MIN 256
#define STAGE_MIN_MEMORY ((size_t)8 << 20)

struct fp {
	uint64_t h1, h2, seq;
};

struct run {                    /* a sorted run in a temporary file */
	off_t off, end;
};

struct reader {                 /* reading one run back */
	off_t pos, end;
	unsigned char *buf;
	size_t len, at, alloc;
	const unsigned char *rec;   /* current record, or NULL at the end */
};

struct stage {
	struct stage_opts o;
	char *temp_dir;
	/* rows in memory */
	unsigned char *buf;
	size_t used, cap;
	const unsigned char **idx;
	size_t n, idx_alloc;
	/* spilled rows */
	unsigned char *wbuf;        /* WRITE_BUF bytes gathering a spill */
	size_t read_chunk;          /* bytes each run reader reads at once */
	int fd;
	off_t fd_end;
	struct run *runs;
	size_t nruns;
	/* fingerprints */
	struct fp *fps, *fp_tmp;      /* fp_tmp: FP_CHUNK more, for fp_sort */
	size_t nfps;
	int fp_fd;
	off_t fp_end;
	struct run *fp_runs;
	size_t nfp_runs;
	/* superseded seqs, sorted */
	uint64_t *drop;
	size_t ndrop, drop_alloc;
	/* output */
	int finished;
	size_t next;                /* in-memory cursor */
	struct reader *readers;     /* one per run */
	size_t *heap;               /* reader indexes, min-heap */
	size_t nheap;
	int handed;                 /* the top reader's record was returned */
	unsigned long long rows;
};

/* ---- records ---------------------------------------------------------- */

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static size_t rec_size(const unsigned char *r)
{
	return REC_HDR + (size_t)get32(r + 8) + get32(r + 12) + get32(r + 16);
}

static void rec_decode(const unsigned char *r, struct stage_rec *out)
{
	size_t g = get32(r + 8), k = get32(r + 12);

	out->seq = get64(r);
	out->group = (const char *)r + REC_HDR;
	out->group_len = g;
	out->key = (const char *)r + REC_HDR + g;
	out->key_len = k;
	out->payload = r + REC_HDR + g + k;
	out->payload_len = get32(r + 16);
}

static int rec_cmp(const unsigned char *a, const unsigned char *b)
{
	size_t ga = get32(a + 8), gb = get32(b + 8);
	int c = memcmp(a + REC_HDR, b + REC_HDR, ga < gb ? ga : gb);

	if (c)
		return c;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	return get64(a) < get64(b) ? -1 : get64(a) > get64(b);
}

static int idx_cmp(const void *a, const void *b)
{
	return rec_cmp(*(const unsigned char *const *)a,
		       *(const unsigned char *const *)b);
}

/* ---- fingerprints ---------------------------------------------------- */

static int fp_cmp(const void *a, const void *b)
{
	const struct fp *x = a, *y = b;

	if (x->h1 != y->h1)
		return x->h1 < y->h1 ? -1 : 1;
	if (x->h2 != y->h2)
		return x->h2 < y->h2 ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define FP_RADIX_BITS 11

/* Sorts n fingerprints, added in seq order, by fp_cmp: a stable radix
 * sort on h1 (six passes of 11 bits through tmp, n entries), then the
 * entries of one h1 (a 64-bit collision: almost never) by h2.  About a
 * third of qsort's time, which calls fp_cmp some 17 times an entry. */
static void fp_sort(struct fp *a, struct fp *tmp, size_t n)
{
	size_t count[1u << FP_RADIX_BITS], i, j, sum, c;
	const size_t mask = (1u << FP_RADIX_BITS) - 1;
	struct fp *src = a, *dst = tmp, *t, x;
	unsigned shift;

	for (shift = 0; shift < 64; shift += FP_RADIX_BITS) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i].h1 >> shift) & mask]++;
		for (i = 0, sum = 0; i <= mask; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].h1 >> shift) & mask]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* an even number of passes: the result is in a again */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && a[j - 1].h1 == a[j].h1 &&
		     fp_cmp(&a[j - 1], &a[j]) > 0; j--) {
			x = a[j];
			a[j] = a[j - 1];
			a[j - 1] = x;
		}
}

/* ---- temporary files -------------------------------------------------- */

static int temp_fd(struct stage *s, struct bs_err *err)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/billsync-stage-XXXXXX", s->temp_dir);
	fd = mkstemp(path);
	if (fd < 0)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot create a "
				 "temporary file: %s", strerror(errno));
	unlink(path);   /* gone when closed, even after a crash */
	return fd;
}

static int write_all(int fd, off_t *end, const void *buf, size_t len,
		     struct bs_err *err)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len) {
		w = pwrite(fd, p, len, *end);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return bs_err_set(err, BS_E_IO, "cannot write a temporary "
					  "file: %s", strerror(errno));
		}
		p += w;
		len -= (size_t)w;
		*end += w;
	}
	return 0;
}

static int add_run(struct run **runs, size_t *n, off_t off, off_t end,
		   struct bs_err *err)
{
	struct run *r = realloc(*runs, (*n + 1) * sizeof(*r));

	if (!r)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	r[*n].off = off;
	r[*n].end = end;
	*runs = r;
	(*n)++;
	return 0;
}

/* ---- input ------------------------------------------------------------ */

struct stage *stage_new(const struct stage_opts *opts, struct bs_err *err)
{
	struct stage *s = calloc(1, sizeof(*s));
	const char *dir = opts->temp_dir;

	if (!s)
		goto oom;
	s->o = *opts;
	if (s->o.memory < STAGE_MIN_MEMORY)
		s->o.memory = STAGE_MIN_MEMORY;
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	s->temp_dir = strdup(dir);
	s->fps = malloc(FP_CHUNK * sizeof(*s->fps));
	s->fp_tmp = malloc(FP_CHUNK * sizeof(*s->fp_tmp));
	if (!s->temp_dir || !s->fps || !s->fp_tmp)
		goto oom;
	s->fd = s->fp_fd = -1;
	return s;
oom:
	stage_free(s);
	bs_err_set(err, BS_E_NOMEM, "out of memory");
	return NULL;
}

/* A stretch of consecutive rows of one group, in input order. */
struct stretch {
	const unsigned char *first;
	size_t at, n;
};

static int stretch_cmp(const void *a, const void *b)
{
	return rec_cmp(((const struct stretch *)a)->first,
		       ((const struct stretch *)b)->first);
}

static int same_group(const unsigned char *a, const unsigned char *b)
{
	size_t g = get32(a + 8);

	return g == get32(b + 8) && !memcmp(a + REC_HDR, b + REC_HDR, g);
}

/* Sorts items by cmp; -1 with err when a SIGINT/SIGTERM asked to stop
 * meanwhile (msort.h: within a millisecond or so whatever n); without the
 * scratch memory for that, an uninterruptible qsort. */
static int sort_items(const struct stage *s, void *base, size_t n,
		      size_t size, int (*cmp)(const void *, const void *),
		      struct bs_err *err)
{
	int r = msort(base, n, size, cmp, s->o.stop);

	if (r < 0)
		qsort(base, n, size, cmp);
	return r > 0 ? bs_err_set(err, BS_E_LIMIT, "interrupted") : 0;
}

/* Sorts s->idx by group, then input order.  A parent's rows mostly come
 * together in an export, so the stretches of one group are sorted (by
 * group, then first row: the same order as sorting the rows, as the rows
 * of a stretch are consecutive) and the rows laid out stretch by stretch:
 * a sort of 30 times fewer items for daily rows.  Rows that do not come
 * in stretches are sorted one by one.  -1 with err when told to stop. */
static int sort_rows(struct stage *s, struct bs_err *err)
{
	struct stretch *st;
	const unsigned char **out;
	size_t i, k, n = 1;

	if (s->n < 2)
		return 0;
	for (i = 1; i < s->n; i++)
		n += !same_group(s->idx[i - 1], s->idx[i]);
	st = n <= s->n / 4 ? malloc(n * sizeof(*st)) : NULL;
	out = st ? malloc(s->idx_alloc * sizeof(*out)) : NULL;
	if (!out) {
		free(st);
		return sort_items(s, s->idx, s->n, sizeof(*s->idx), idx_cmp,
				  err);
	}
	for (i = 0, k = 0; i < s->n; i++) {
		if (i && same_group(s->idx[i - 1], s->idx[i])) {
			st[k - 1].n++;
			continue;
		}
		st[k].first = s->idx[i];
		st[k].at = i;
		st[k++].n = 1;
	}
	if (sort_items(s, st, n, sizeof(*st), stretch_cmp, err) < 0) {
		free(st);
		free(out);
		return -1;
	}
	for (i = 0, k = 0; k < n; k++) {
		memcpy(out + i, s->idx + st[k].at, st[k].n * sizeof(*out));
		i += st[k].n;
	}
	free(s->idx);
	s->idx = out;
	free(st);
	return 0;
}

/* Sorts the rows in memory (when grouped) and appends them as a run. */
static int spill_rows(struct stage *s, struct bs_err *err)
{
	off_t start;
	size_t i, fill = 0;

	if (!s->n)
		return 0;
	if (s->fd < 0 && (s->fd = temp_fd(s, err)) < 0)
		return -1;
	if (s->o.grouped && sort_rows(s, err) < 0)
		return -1;
	if (!s->wbuf && !(s->wbuf = malloc(WRITE_BUF)))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	start = s->fd_end;
	/* gather records into blocks: one system call per MiB, not per row */
	for (i = 0; i < s->n; i++) {
		size_t size = rec_size(s->idx[i]);

		if (fill + size > WRITE_BUF) {
			if (write_all(s->fd, &s->fd_end, s->wbuf, fill, err) < 0)
				return -1;
			fill = 0;
		}
		if (size > WRITE_BUF) {
			if (write_all(s->fd, &s->fd_end, s->idx[i], size, err) < 0)
				return -1;
			continue;
		}
		memcpy(s->wbuf + fill, s->idx[i], size);
		fill += size;
	}
	if (fill && write_all(s->fd, &s->fd_end, s->wbuf, fill, err) < 0)
		return -1;
	if (add_run(&s->runs, &s->nruns, start, s->fd_end, err) < 0)
		return -1;
	s->n = 0;
	s->used = 0;
	return 0;
}

static int spill_fps(struct stage *s, struct bs_err *err)
{
	off_t start;

	if (!s->nfps)
		return 0;
	if (s->fp_fd < 0 && (s->fp_fd = temp_fd(s, err)) < 0)
		return -1;
	fp_sort(s->fps, s->fp_tmp, s->nfps);
	start = s->fp_end;
	if (write_all(s->fp_fd, &s->fp_end, s->fps, s->nfps * sizeof(*s->fps),
		      err) < 0 ||
	    add_run(&s->fp_runs, &s->nfp_runs, start, s->fp_end, err) < 0)
		return -1;
	s->nfps = 0;
	return 0;
}

/* The row buffer is allocated once at the full budget: pages never
 * written are never resident, and records can be addressed by pointer. */
static int make_room(struct stage *s, size_t need, struct bs_err *err)
{
	if (!s->buf) {
		s->buf = malloc(s->o.memory);
		if (!s->buf)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		s->cap = s->o.memory;
	}
	if (need > s->cap)
		return bs_err_set(err, BS_E_INTERNAL, "a record of %zu bytes is "
				  "larger than the sort memory", need);
	return 0;
}

int stage_add(struct stage *s, struct stage_rec *r, struct bs_err *err)
{
	size_t glen = s->o.grouped ? r->group_len : 0;
	size_t plen = r->head_len + r->payload_len;
	size_t size = REC_HDR + glen + r->key_len + plen;
	uint64_t seq = s->rows;
	uint32_t v;
	unsigned char *p;

	if (r->key_len > UINT32_MAX || plen > UINT32_MAX || glen > UINT32_MAX)
		return bs_err_set(err, BS_E_INTERNAL, "record too large to stage");
	/* keep rows plus their index within the budget */
	if (s->n && s->used + size + (s->n + 1) * sizeof(*s->idx) > s->o.memory &&
	    spill_rows(s, err) < 0)
		return -1;
	if (make_room(s, size, err) < 0)
		return -1;
	if (s->n == s->idx_alloc) {
		size_t na = s->idx_alloc ? s->idx_alloc * 2 : 4096;
		const unsigned char **ni = realloc(s->idx, na * sizeof(*ni));

		if (!ni)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		s->idx = ni;
		s->idx_alloc = na;
	}
	p = s->buf + s->used;
	memcpy(p, &seq, 8);
	v = (uint32_t)glen;
	memcpy(p + 8, &v, 4);
	v = (uint32_t)r->key_len;
	memcpy(p + 12, &v, 4);
	v = (uint32_t)plen;
	memcpy(p + 16, &v, 4);
	if (glen)
		memcpy(p + REC_HDR, r->group, glen);
	if (r->key_len)
		memcpy(p + REC_HDR + glen, r->key, r->key_len);
	if (r->head_len)
		memcpy(p + REC_HDR + glen + r->key_len, r->head, r->head_len);
	if (r->payload_len)
		memcpy(p + REC_HDR + glen + r->key_len + r->head_len,
		       r->payload, r->payload_len);
	s->idx[s->n++] = p;
	s->used += size;
	r->seq = seq;
	s->rows++;

	if (r->key_len) {
		if (s->nfps == FP_CHUNK && spill_fps(s, err) < 0)
			return -1;
		s->fps[s->nfps].h1 = hash64(r->key, r->key_len, HASH_SEED_A);
		s->fps[s->nfps].h2 = hash64(r->key, r->key_len, HASH_SEED_B);
		s->fps[s->nfps].seq = seq;
		s->nfps++;
	}
	return 0;
}

/* ---- finishing: superseded keys --------------------------------------- */

static int drop_seq(struct stage *s, uint64_t seq, struct bs_err *err)
{
	if (s->ndrop == s->drop_alloc) {
		size_t na = s->drop_alloc ? s->drop_alloc * 2 : 64;
		uint64_t *nd = realloc(s->drop, na * sizeof(*nd));

		if (!nd)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		s->drop = nd;
		s->drop_alloc = na;
	}
	s->drop[s->ndrop++] = seq;
	return 0;
}

/* Reads a fingerprint run back one entry at a time. */
struct fp_reader {
	off_t pos, end;
	struct fp *buf;
	size_t cap, len, at;
	struct fp *cur;             /* current entry, NULL at the end */
};

static int fp_next(int fd, struct fp_reader *r, struct bs_err *err)
{
	ssize_t got;
	size_t want;

	if (r->at == r->len) {
		if (r->pos >= r->end) {
			r->cur = NULL;
			return 0;
		}
		want = r->cap * sizeof(struct fp);
		if ((off_t)want > r->end - r->pos)
			want = (size_t)(r->end - r->pos);
		got = pread(fd, r->buf, want, r->pos);
		if (got <= 0 || (size_t)got % sizeof(struct fp))
			return bs_err_set(err, BS_E_IO, "cannot read a temporary "
					  "file");
		r->pos += got;
		r->len = (size_t)got / sizeof(struct fp);
		r->at = 0;
	}
	r->cur = &r->buf[r->at++];
	return 0;
}

/* A min-heap of run readers by their current entry. */
static void fp_heap_down(struct fp_reader **h, size_t n, size_t i)
{
	size_t l, m;
	struct fp_reader *t;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < n && fp_cmp(h[l]->cur, h[m]->cur) < 0)
			m = l;
		if (l + 1 < n && fp_cmp(h[l + 1]->cur, h[m]->cur) < 0)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* -1 with err when a SIGINT/SIGTERM asked to stop; a long loop looks at
 * every STOP_EVERY-th step (some microseconds apart). */
#define STOP_EVERY ((size_t)1 << 16)
static int stopped(const struct stage *s, size_t step, struct bs_err *err)
{
	if (step % STOP_EVERY || !s->o.stop || !*s->o.stop)
		return 0;
	return bs_err_set(err, BS_E_LIMIT, "interrupted");
}

/* Walks all fingerprints in (h1, h2, seq) order and drops every seq that
 * is followed by another with the same fingerprint.  The run buffers
 * share the memory budget, so memory does not grow with the runs. */
static int find_superseded(struct stage *s, struct bs_err *err)
{
	struct fp_reader *rd = NULL, **heap = NULL;
	struct fp prev = { 0, 0, 0 };
	size_t i, nr, n = 0, cap, step = 0;
	int have = 0, r = -1;

	if (!s->nfp_runs) {
		fp_sort(s->fps, s->fp_tmp, s->nfps);
		for (i = 1; i < s->nfps; i++)
			if (stopped(s, i, err) < 0 ||
			    (s->fps[i].h1 == s->fps[i - 1].h1 &&
			     s->fps[i].h2 == s->fps[i - 1].h2 &&
			     drop_seq(s, s->fps[i - 1].seq, err) < 0))
				return -1;
		return 0;
	}
	if (spill_fps(s, err) < 0)
		return -1;
	free(s->fps);            /* its memory goes to the readers */
	free(s->fp_tmp);
	s->fps = s->fp_tmp = NULL;
	nr = s->nfp_runs;
	cap = s->o.memory / (nr * sizeof(struct fp));
	cap = cap < FP_READ_MIN ? FP_READ_MIN : cap > FP_READ_MAX ? FP_READ_MAX : cap;
	rd = calloc(nr, sizeof(*rd));
	heap = calloc(nr, sizeof(*heap));
	if (!rd || !heap)
		goto nomem;
	for (i = 0; i < nr; i++) {
		rd[i].pos = s->fp_runs[i].off;
		rd[i].end = s->fp_runs[i].end;
		rd[i].cap = cap;
		rd[i].buf = malloc(cap * sizeof(struct fp));
		if (!rd[i].buf)
			goto nomem;
		if (fp_next(s->fp_fd, &rd[i], err) < 0)
			goto out;
		if (rd[i].cur)
			heap[n++] = &rd[i];
	}
	for (i = n / 2; i-- > 0;)
		fp_heap_down(heap, n, i);
	while (n) {
		struct fp_reader *top = heap[0];

		if (stopped(s, ++step, err) < 0)
			goto out;
		if (have && prev.h1 == top->cur->h1 && prev.h2 == top->cur->h2 &&
		    drop_seq(s, prev.seq, err) < 0)
			goto out;
		prev = *top->cur;
		have = 1;
		if (fp_next(s->fp_fd, top, err) < 0)
			goto out;
		if (!top->cur)
			heap[0] = heap[--n];
		fp_heap_down(heap, n, 0);
	}
	r = 0;
	goto out;
nomem:
	bs_err_set(err, BS_E_NOMEM, "out of memory");
out:
	for (i = 0; rd && i < nr; i++)
		free(rd[i].buf);
	free(rd);
	free(heap);
	return r;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- output: merging runs --------------------------------------------- */

/* Makes the next record of reader r current (NULL at the end). */
static int reader_next(struct stage *s, struct reader *r, struct bs_err *err)
{
	size_t have, need;
	ssize_t got;

	if (r->rec)
		r->at += rec_size(r->rec);
	r->rec = NULL;
	for (;;) {
		have = r->len - r->at;
		need = have >= REC_HDR ? rec_size(r->buf + r->at) : REC_HDR;
		if (have >= need && have) {
			r->rec = r->buf + r->at;
			return 0;
		}
		if (r->pos >= r->end) {
			if (have)
				return bs_err_set(err, BS_E_IO, "truncated "
						  "temporary file");
			return 0;
		}
		/* keep the partial record, read more after it */
		if (have)
			memmove(r->buf, r->buf + r->at, have);
		r->len = have;
		r->at = 0;
		if (need < s->read_chunk)
			need = s->read_chunk;
		if (need > r->alloc) {
			unsigned char *nb = realloc(r->buf, need);

			if (!nb)
				return bs_err_set(err, BS_E_NOMEM, "out of memory");
			r->buf = nb;
			r->alloc = need;
		}
		need = r->alloc - r->len;
		if ((off_t)need > r->end - r->pos)
			need = (size_t)(r->end - r->pos);
		got = pread(s->fd, r->buf + r->len, need, r->pos);
		if (got <= 0)
			return bs_err_set(err, BS_E_IO, "cannot read a temporary "
					  "file: %s", got < 0 ? strerror(errno) :
					  "unexpected end");
		r->pos += got;
		r->len += (size_t)got;
	}
}

static int heap_less(const struct stage *s, size_t a, size_t b)
{
	return rec_cmp(s->readers[a].rec, s->readers[b].rec) < 0;
}

static void heap_down(struct stage *s, size_t i)
{
	size_t l, m, t;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->nheap && heap_less(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

int stage_finish(struct stage *s, struct bs_err *err)
{
	int spilled = s->nruns > 0;
	size_t i;

	if (s->finished)
		return 0;
	if (stopped(s, 0, err) < 0)
		return -1;
	s->finished = 1;
	/* spilled: the last run goes to disk first, so the row buffer, the
	 * fingerprint readers and the run readers each have the budget in
	 * turn, never at once */
	if (spilled) {
		if (spill_rows(s, err) < 0)
			return -1;
		free(s->buf);
		free(s->idx);
		free(s->wbuf);
		s->buf = NULL;
		s->idx = NULL;
		s->wbuf = NULL;
	}
	if (find_superseded(s, err) < 0)
		return -1;
	if (s->ndrop && sort_items(s, s->drop, s->ndrop, sizeof(*s->drop),
				   u64_cmp, err) < 0)
		return -1;
	free(s->fps);
	free(s->fp_tmp);
	s->fps = s->fp_tmp = NULL;
	if (!spilled) {
		return s->o.grouped ? sort_rows(s, err) : 0;
	}
	s->read_chunk = s->o.memory / s->nruns;
	if (s->read_chunk > READ_CHUNK_MAX)
		s->read_chunk = READ_CHUNK_MAX;
	if (s->read_chunk < READ_CHUNK_MIN)
		s->read_chunk = READ_CHUNK_MIN;
	s->readers = calloc(s->nruns, sizeof(*s->readers));
	s->heap = calloc(s->nruns, sizeof(*s->heap));
	if (!s->readers || !s->heap)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < s->nruns; i++) {
		s->readers[i].pos = s->runs[i].off;
		s->readers[i].end = s->runs[i].end;
		if (reader_next(s, &s->readers[i], err) < 0)
			return -1;
		if (s->readers[i].rec)
			s->heap[s->nheap++] = i;
	}
	for (i = s->nheap / 2; i-- > 0;)
		heap_down(s, i);
	return 0;
}

int stage_is_superseded(const struct stage *s, unsigned long long seq)
{
	uint64_t v = seq;

	return s->ndrop &&
	       bsearch(&v, s->drop, s->ndrop, sizeof(*s->drop), u64_cmp) != NULL;
}

static void mark(const struct stage *s, struct stage_rec *r)
{
	r->superseded = stage_is_superseded(s, r->seq);
}

int stage_next(struct stage *s, struct stage_rec *r, struct bs_err *err)
{
	struct reader *rd;

	if (!s->finished && stage_finish(s, err) < 0)
		return -1;
	if (!s->nruns) {
		if (s->next >= s->n)
			return 0;
		rec_decode(s->idx[s->next++], r);
		mark(s, r);
		return 1;
	}
	/* the record handed out last stays valid until now: advance its run */
	if (s->handed) {
		s->handed = 0;
		rd = &s->readers[s->heap[0]];
		if (reader_next(s, rd, err) < 0)
			return -1;
		if (!rd->rec)
			s->heap[0] = s->heap[--s->nheap];
		heap_down(s, 0);
	}
	if (!s->nheap)
		return 0;
	rec_decode(s->readers[s->heap[0]].rec, r);
	mark(s, r);
	s->handed = 1;
	return 1;
}

unsigned long long stage_rows(const struct stage *s) { return s->rows; }
size_t stage_spills(const struct stage *s) { return s->nruns; }
unsigned long long stage_superseded(const struct stage *s) { return s->ndrop; }

void stage_free(struct stage *s)
{
	size_t i;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->fp_fd >= 0)
		close(s->fp_fd);
	for (i = 0; s->readers && i < s->nruns; i++)
		free(s->readers[i].buf);
	free(s->readers);
	free(s->heap);
	free(s->runs);
	free(s->fp_runs);
	free(s->drop);
	free(s->fps);
	free(s->fp_tmp);
	free(s->buf);
	free(s->idx);
	free(s->wbuf);
	free(s->temp_dir);
	free(s);
}
