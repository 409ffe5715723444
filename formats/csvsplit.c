/* csvsplit.c - size-capped, group-keeping set of CSV.gz files (see csvsplit.h). */
#include "csvsplit.h"

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/* A record held back: where it and its side line end in the buffers. */
struct csvsplit_held {
	size_t end, side_end;
	unsigned long long seq;
};

/* Bytes of records, and of their side lines, going into the files. */
struct csvsplit_span {
	const char *rec, *side;
	size_t len, side_len;
	size_t n;                          /* records */
	unsigned long long first, last;    /* their seqs */
};

struct csvsplit {
	char *dir, *base;
	char *header, *side_header, *side_suffix;
	size_t header_len;
	struct csvsplit_opts o;      /* side_* point at our copies */
	int broken;                  /* an error left the set unusable */

	/* The file being written (and its side file), if any. */
	struct zsink *z, *side_z;
	struct sbuf name, path, side_name, side_path;
	struct csvsplit_file cur;    /* number, rows, seqs, split flag so far */
	unsigned long long bytes;    /* raw bytes in it, header included */
	int group_in_file;           /* the current group has records in it */

	/* The current group, held back until it ends or commits. */
	struct sbuf held, held_side;
	struct csvsplit_held *rec;
	size_t nrec, rec_alloc;
	size_t group_limit;          /* bytes of a group held back at most */
	int committed;               /* the group goes straight to files */
	int any;                     /* a record has been added */
};

static char *csvsplit_dup(const char *p, size_t n)
{
	char *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

struct csvsplit *csvsplit_new(const char *dir, const char *basename,
			      const char *header, size_t header_len,
			      const struct csvsplit_opts *opts,
			      struct bs_err *err)
{
	static const struct csvsplit_opts defaults = CSVSPLIT_OPTS_INIT;
	struct csvsplit *s;
	const struct csvsplit_opts *o = opts ? opts : &defaults;
	unsigned long long max = o->max_bytes ? o->max_bytes : CSVSPLIT_MAX_BYTES_DEFAULT;
	size_t room;

	if (!header_len || header[header_len - 1] != '\n' || header_len >= max) {
		bs_err_set(err, BS_E_CONFIG,
			   "csv header of %zu bytes must end in a line feed "
			   "and leave room under the file cap of %llu bytes",
			   header_len, max);
		return NULL;
	}
	if (o->side_suffix && (!o->side_header_len ||
			       o->side_header[o->side_header_len - 1] != '\n')) {
		bs_err_set(err, BS_E_CONFIG, "side file header must end in a line feed");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for a csv file set");
		return NULL;
	}
	s->o = *o;
	s->o.max_bytes = max;
	room = max - header_len < CSVSPLIT_GROUP_BUF ?
	       (size_t)(max - header_len) : CSVSPLIT_GROUP_BUF;
	s->group_limit = room;
	sbuf_init(&s->held, room);
	sbuf_init(&s->held_side, room);
	sbuf_init(&s->name, 4096);
	sbuf_init(&s->path, 8192);
	sbuf_init(&s->side_name, 4096);
	sbuf_init(&s->side_path, 8192);
	s->dir = strdup(dir);
	s->base = strdup(basename);
	s->header = csvsplit_dup(header, header_len);
	s->header_len = header_len;
	if (o->side_suffix) {
		s->side_suffix = strdup(o->side_suffix);
		s->side_header = csvsplit_dup(o->side_header, o->side_header_len);
	}
	s->o.side_suffix = s->side_suffix;
	s->o.side_header = s->side_header;
	if (!s->dir || !s->base || !s->header ||
	    (o->side_suffix && (!s->side_suffix || !s->side_header))) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for a csv file set");
		csvsplit_abort(s);
		return NULL;
	}
	return s;
}

/* Whether bytes and rows more fit in the current file (or a new one). */
static int csvsplit_fits(const struct csvsplit *s, unsigned long long bytes,
			 unsigned long long rows)
{
	unsigned long long have_bytes = s->z ? s->bytes : s->header_len;
	unsigned long long have_rows = s->z ? s->cur.rows : 0;

	return bytes <= s->o.max_bytes - have_bytes &&
	       (!s->o.max_rows || rows <= s->o.max_rows - have_rows);
}

/* Opens DIR/NAME as a zsink and writes its header. */
static struct zsink *csvsplit_open_one(struct csvsplit *s, struct sbuf *name,
				       struct sbuf *path, const char *suffix,
				       const char *header, size_t header_len,
				       int threaded, int level,
				       struct bs_err *err)
{
	struct zsink_opts zo = s->o.zsink;
	struct zsink *z;

	if (level != ZSINK_LEVEL_DEFAULT)
		zo.level = level;
	sbuf_reset(name);
	sbuf_reset(path);
	if (sbuf_addf(name, "%s-%04u%s", s->base, s->cur.number, suffix) < 0 ||
	    sbuf_addf(path, "%s/%s", s->dir, name->buf) < 0) {
		if (name->nomem || path->nomem)
			bs_err_set(err, BS_E_NOMEM, "out of memory");
		else
			bs_err_set(err, BS_E_IO, "file name too long in '%s'",
				   s->dir);
		return NULL;
	}
	zo.threaded = threaded;
	z = zsink_open(path->buf, &zo, err);
	if (z && zsink_write(z, header, header_len, err) < 0) {
		zsink_abort(z);
		return NULL;
	}
	return z;
}

static int csvsplit_open_file(struct csvsplit *s, int split, struct bs_err *err)
{
	unsigned number = s->cur.number + 1;

	memset(&s->cur, 0, sizeof(s->cur));
	s->cur.number = number;
	s->cur.split_group = split;
	s->bytes = s->header_len;
	s->group_in_file = 0;
	s->z = csvsplit_open_one(s, &s->name, &s->path, ".csv.gz", s->header,
				 s->header_len, s->o.zsink.threaded,
				 ZSINK_LEVEL_DEFAULT, err);
	if (!s->z)
		return -1;
	/* side lines are few bytes: compressed on the caller's thread */
	if (s->o.side_suffix &&
	    !(s->side_z = csvsplit_open_one(s, &s->side_name, &s->side_path,
					    s->o.side_suffix, s->side_header,
					    s->o.side_header_len, 0,
					    s->o.side_level, err)))
		return -1;
	return 0;
}

static int csvsplit_finish_file(struct csvsplit *s, int split,
				struct bs_err *err)
{
	struct zsink *z = s->z, *side = s->side_z;

	s->z = s->side_z = NULL;
	if (side && zsink_close(side, &s->cur.side_z, err) < 0) {
		zsink_abort(z);
		return -1;
	}
	if (zsink_close(z, &s->cur.z, err) < 0)
		return -1;
	s->cur.split_group |= split;
	s->cur.name = s->name.buf;
	s->cur.path = s->path.buf;
	s->cur.side_name = side ? s->side_name.buf : NULL;
	s->cur.side_path = side ? s->side_path.buf : NULL;
	if (s->o.on_file && s->o.on_file(s->o.ctx, &s->cur, err) != 0)
		return -1;
	return 0;
}

/* Writes a span of whole records to the current file (opening one). */
static int csvsplit_put(struct csvsplit *s, const struct csvsplit_span *sp,
			struct bs_err *err)
{
	if (!s->z && csvsplit_open_file(s, 0, err) < 0)
		return -1;
	if (zsink_write(s->z, sp->rec, sp->len, err) < 0 ||
	    (s->side_z && zsink_write(s->side_z, sp->side, sp->side_len, err) < 0))
		return -1;
	if (!s->cur.rows)
		s->cur.first_seq = sp->first;
	s->cur.last_seq = sp->last;
	s->cur.rows += sp->n;
	s->bytes += sp->len;
	s->group_in_file = 1;
	return 0;
}

/* Writes one record of a committed group, going on in a new file when the
 * current one is full (splitting the group if it has records there). */
static int csvsplit_stream(struct csvsplit *s, const struct csvsplit_span *sp,
			   struct bs_err *err)
{
	int split;

	if (s->z && !csvsplit_fits(s, sp->len, 1)) {
		split = s->group_in_file;
		if (csvsplit_finish_file(s, split, err) < 0 ||
		    csvsplit_open_file(s, split, err) < 0)
			return -1;
	}
	return csvsplit_put(s, sp, err);
}

static void csvsplit_drop_held(struct csvsplit *s)
{
	sbuf_reset(&s->held);
	sbuf_reset(&s->held_side);
	s->nrec = 0;
}

/* The group held back has ended: into the current file if it fits whole,
 * else into a new one (where it always fits). */
static int csvsplit_end_group(struct csvsplit *s, struct bs_err *err)
{
	struct csvsplit_span sp;
	int rc;

	if (!s->nrec)
		return 0;
	if (s->z && !csvsplit_fits(s, s->held.len, s->nrec) &&
	    csvsplit_finish_file(s, 0, err) < 0)
		return -1;
	sp.rec = s->held.buf;
	sp.len = s->held.len;
	sp.side = s->held_side.buf;
	sp.side_len = s->held_side.len;
	sp.n = s->nrec;
	sp.first = s->rec[0].seq;
	sp.last = s->rec[s->nrec - 1].seq;
	rc = csvsplit_put(s, &sp, err);
	csvsplit_drop_held(s);
	return rc;
}

/* The group outgrew the hold-back buffers with a record of len bytes: from
 * now on it goes straight to files.  If it could still fit in one file, it
 * starts a new one; if not, it fills the current one first. */
static int csvsplit_commit(struct csvsplit *s, size_t len, struct bs_err *err)
{
	struct csvsplit_span sp;
	size_t i, start = 0, side_start = 0;

	s->committed = 1;
	if (s->z && s->header_len + s->held.len + len <= s->o.max_bytes &&
	    (!s->o.max_rows || s->nrec + 1 <= s->o.max_rows) &&
	    csvsplit_finish_file(s, 0, err) < 0)
		return -1;
	for (i = 0; i < s->nrec; i++) {
		sp.rec = s->held.buf + start;
		sp.len = s->rec[i].end - start;
		sp.side = s->held_side.buf + side_start;
		sp.side_len = s->rec[i].side_end - side_start;
		sp.n = 1;
		sp.first = sp.last = s->rec[i].seq;
		if (csvsplit_stream(s, &sp, err) < 0)
			return -1;
		start = s->rec[i].end;
		side_start = s->rec[i].side_end;
	}
	csvsplit_drop_held(s);
	return 0;
}

/* Holds a record back; 1 if the group is too big to hold it. */
static int csvsplit_hold(struct csvsplit *s, const struct csvsplit_span *sp,
			 struct bs_err *err)
{
	struct csvsplit_held *p;
	size_t want;

	if (sp->len > s->group_limit - s->held.len ||
	    sp->side_len > s->group_limit - s->held_side.len ||
	    s->nrec >= CSVSPLIT_GROUP_ROWS ||
	    (s->o.max_rows && s->nrec >= s->o.max_rows))
		return 1;
	if (s->nrec == s->rec_alloc) {
		want = s->rec_alloc ? 2 * s->rec_alloc : 64;
		p = realloc(s->rec, want * sizeof(*p));
		if (!p)
			return bs_err_set(err, BS_E_NOMEM, "out of memory for a csv group");
		s->rec = p;
		s->rec_alloc = want;
	}
	if (sbuf_add(&s->held, sp->rec, sp->len) < 0 ||
	    sbuf_add(&s->held_side, sp->side, sp->side_len) < 0)
		return bs_err_set(err, BS_E_NOMEM, "out of memory for a csv group");
	s->rec[s->nrec].end = s->held.len;
	s->rec[s->nrec].side_end = s->held_side.len;
	s->rec[s->nrec].seq = sp->first;
	s->nrec++;
	return 0;
}

/* Checks a row before anything changes; the span of it on success. */
static int csvsplit_check(const struct csvsplit *s, const struct csvsplit_row *row,
			  struct csvsplit_span *sp, struct bs_err *err)
{
	if (s->broken)
		return bs_err_set(err, BS_E_INTERNAL,
				  "csv file set '%s' used after an error", s->base);
	if (!row->len || row->rec[row->len - 1] != '\n')
		return bs_err_set(err, BS_E_INTERNAL,
				  "csv record does not end in a line feed");
	if (s->o.side_suffix && (!row->side_len || row->side[row->side_len - 1] != '\n'))
		return bs_err_set(err, BS_E_INTERNAL,
				  "side line does not end in a line feed");
	if (row->len > s->o.max_bytes - s->header_len)
		return bs_err_set(err, BS_E_ROW,
				  "record of %zu bytes does not fit in a file "
				  "of at most %llu bytes with its %zu-byte header",
				  row->len, s->o.max_bytes, s->header_len);
	sp->rec = row->rec;
	sp->len = row->len;
	sp->side = s->o.side_suffix ? row->side : "";
	sp->side_len = s->o.side_suffix ? row->side_len : 0;
	sp->n = 1;
	sp->first = sp->last = row->seq;
	return 0;
}

int csvsplit_add(struct csvsplit *s, const struct csvsplit_row *row,
		 struct bs_err *err)
{
	struct csvsplit_span sp;
	int rc;

	if (csvsplit_check(s, row, &sp, err) < 0)
		return -1;
	if (row->starts_group || !s->any) {
		if (csvsplit_end_group(s, err) < 0)
			goto broken;
		s->committed = 0;
		s->group_in_file = 0;
	}
	s->any = 1;
	if (!s->committed) {
		rc = csvsplit_hold(s, &sp, err);
		if (rc < 0)
			goto broken;
		if (rc == 0)
			return 0;
		if (csvsplit_commit(s, sp.len, err) < 0)
			goto broken;
	}
	if (csvsplit_stream(s, &sp, err) < 0)
		goto broken;
	return 0;
broken:
	s->broken = 1;
	return -1;
}

static void csvsplit_free(struct csvsplit *s)
{
	zsink_abort(s->z);
	zsink_abort(s->side_z);
	sbuf_release(&s->name);
	sbuf_release(&s->path);
	sbuf_release(&s->side_name);
	sbuf_release(&s->side_path);
	sbuf_release(&s->held);
	sbuf_release(&s->held_side);
	free(s->rec);
	free(s->header);
	free(s->side_header);
	free(s->side_suffix);
	free(s->base);
	free(s->dir);
	free(s);
}

int csvsplit_close(struct csvsplit *s, struct bs_err *err)
{
	int rc = -1;

	if (s->broken)
		bs_err_set(err, BS_E_INTERNAL,
			   "csv file set '%s' closed after an error", s->base);
	else if (csvsplit_end_group(s, err) == 0)
		rc = s->z ? csvsplit_finish_file(s, 0, err) : 0;
	csvsplit_free(s);
	return rc;
}

void csvsplit_abort(struct csvsplit *s)
{
	if (s)
		csvsplit_free(s);
}
