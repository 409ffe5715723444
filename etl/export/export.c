/* export.c - a set of mappings to bulk files, origin files, rejects and a
 * manifest (see export.h and docs/bulk-files.md). */
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "formats/csvsplit.h"
#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "base/cli.h"
#include "base/config.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "heads.h"
#include "origin.h"
#include "precheck.h"
#include "pipeline.h"
#include "rejects.h"
#include "stage.h"
#include "unchanged.h"

#define EXPORT_MAX_ROW ((size_t)8 << 20)      /* an encoded CSV record */
#define EXPORT_SORT_MEMORY ((size_t)24 << 20)
#define PAYLOAD_HDR 13           /* source u32, line u64, enum staged u8 */

/* What a staged row is: a CSV record to write, or the key of a row a
 * filter left out (a tombstone) that still supersedes the earlier rows of
 * its key. */
enum staged {
	STAGED_RECORD,
	STAGED_FILTERED              /* counted as filtered by the pipe */
};

/* One object being written. */
struct objw {
	const struct export_opts *o;
	const struct mapping *m;
	struct manifest *mf;
	struct manifest_object *mo;   /* its entry */
	char *dir;                  /* OUT/<object> */
	struct origin *orig;
	struct rejects *rej;
	struct unchanged *unch;     /* an incremental run's unchanged rows */
	struct sbuf side;
	unsigned long long max_bytes; /* a bulk file's cap */
	size_t max_record;          /* CSV bytes a record may have: the cap
				       less the header */
	unsigned long long written, duplicates, unchanged, too_large;
	unsigned long long too_long;  /* over RECORD_MAX_CHARS characters */
	struct export_tick tick;      /* what o->tick is told */
	const struct pipe *pipe;      /* reading: its bytes for the tick */
	unsigned long long phase_ms, tick_ms; /* the phase's start, last tick */
};

#define TOO_LARGE_REASON "record larger than a bulk file"
/* Salesforce takes at most 400,000 characters in one record (Bulk API
 * 2.0 limits; reference section 5); counted here as the characters of
 * the record's values, quotes and commas left out, as the emulator does */
#define RECORD_MAX_CHARS 400000
#define TOO_LONG_REASON "record over 400,000 characters"

/* ---- small helpers ---------------------------------------------------- */

static int mkdirs(const char *path, struct bs_err *err)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return bs_err_at(err, BS_E_IO, path, 0, "path too long");
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return bs_err_at(err, BS_E_IO, buf, 0, "cannot create "
					 "folder: %s", strerror(errno));
		buf[i] = path[i];
	}
	return 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* Removes what an earlier export left in an object's folder. */
static void clear_object_dir(const char *dir)
{
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".csv.gz") &&
		    strcmp(de->d_name, "rejects.csv"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int nomem(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

/* ---- one finished bulk file ------------------------------------------- */

/* A path relative to the export directory: OBJECT/NAME. */
static const char *object_path(struct objw *w, const char *name)
{
	char rel[1200];

	snprintf(rel, sizeof(rel), "%s/%s", mapping_object(w->m), name);
	return manifest_strdup(w->mf, rel);
}

/* csvsplit calls this for each finished file (and its origin file): the
 * sources of its rows are next in the origin spool. */
static int on_file(void *ctx, const struct csvsplit_file *f,
		   struct bs_err *err)
{
	struct objw *w = ctx;
	struct manifest_file *mf = manifest_add_file(w->mo);

	if (!mf || !(mf->path = object_path(w, f->name)) ||
	    !(mf->origin = object_path(w, f->side_name)) ||
	    !(mf->sha256 = manifest_strdup(w->mf, f->z.sha256)))
		return nomem(err);
	mf->rows = f->rows;
	mf->raw_bytes = f->z.raw_bytes;
	mf->compressed_bytes = f->z.gz_bytes;
	mf->split_group = f->split_group;
	return origin_take(w->orig, f->rows, w->mf, mf, err);
}

/* ---- stopping --------------------------------------------------------- */

/* Starts the reading (writing = 0) or writing phase of the object. */
static void tick_phase(struct objw *w, int writing, unsigned long long total)
{
	w->tick.object = mapping_object(w->m);
	w->tick.writing = writing;
	w->tick.done = 0;
	w->tick.total = total;
	w->tick.bytes_done = w->tick.bytes_total = 0;
	w->phase_ms = w->tick_ms = clock_now_ms();
}

/* done rows of the phase: tells o->tick when EXPORT_TICK_MS went by. */
static void tick(struct objw *w, unsigned long long done)
{
	unsigned long long now;

	if (!w->o->tick)
		return;
	now = clock_now_ms();
	if (now - w->tick_ms < EXPORT_TICK_MS)
		return;
	w->tick_ms = now;
	w->tick.done = done;
	w->tick.elapsed_ms = now - w->phase_ms;
	if (!w->tick.writing)
		pipe_progress(w->pipe, &w->tick.bytes_done,
			      &w->tick.bytes_total);
	w->o->tick(w->o->progress_ctx, &w->tick);
}

/* pipe_opts.reading: rows going into their groups tick as well. */
static void tick_grouped(void *ctx, unsigned long long read)
{
	tick(ctx, read);
}

/* 1 (with err) when a SIGINT/SIGTERM asked the export to stop. */
static int interrupted(const struct export_opts *o, struct bs_err *err)
{
	if (!o->stop || !*o->stop)
		return 0;
	bs_err_set(err, BS_E_LIMIT, "interrupted: nothing was sent; run the "
		   "same command again to start over");
	return 1;
}

/* ---- phase 1: read, filter, map, stage ------------------------------- */

/* A mapped row Salesforce could not take, rejected like a row that failed
 * to convert: into rejects.csv with its source line, counted in *count
 * (a reason of rejected_by). */
static int reject_mapped(struct objw *w, const struct rowsrc_row *src,
			 unsigned long long *count, struct bs_err *err,
			 const char *fmt, ...) BS_PRINTF(5, 6);

static int reject_mapped(struct objw *w, const struct rowsrc_row *src,
			 unsigned long long *count, struct bs_err *err,
			 const char *fmt, ...)
{
	struct bs_err why;
	va_list ap;

	bs_err_clear(&why);
	why.kind = BS_E_ROW;
	va_start(ap, fmt);
	vsnprintf(why.msg, sizeof(why.msg), fmt, ap);
	va_end(ap);
	(*count)++;
	return rejects_add(w->rej, src->file, src->line, &why, src->raw,
			   src->raw_len, err);
}

/* Characters (UTF-8 code points, not bytes) in the n values of v. */
static size_t record_chars(const struct bs_value *v, size_t n)
{
	size_t chars = 0, i, j;

	for (i = 0; i < n; i++) {
		if (v[i].kind == BS_V_NULL)
			continue;
		for (j = 0; j < v[i].len; j++)
			chars += ((unsigned char)v[i].s[j] & 0xC0) != 0x80;
	}
	return chars;
}

/* 1 when the encoded row is too long or too large for Salesforce or a bulk
 * file: it is rejected (0: it goes on; -1: error). */
static int too_big(struct objw *w, const struct pipe_item *it,
		   const struct sbuf *row, size_t nf, struct bs_err *err)
{
	size_t chars;

	/* a record of no more bytes than that has no more characters
	   either: only long ones are counted */
	if (row->len > RECORD_MAX_CHARS &&
	    (chars = record_chars(it->out, nf)) > RECORD_MAX_CHARS)
		return reject_mapped(w, it->src, &w->too_long, err,
				     TOO_LONG_REASON ": %zu characters; "
				     "Salesforce takes at most %d in one "
				     "record", chars, RECORD_MAX_CHARS) < 0 ?
		       -1 : 1;
	if (row->len > w->max_record)
		/* no bulk file could hold it */
		return reject_mapped(w, it->src, &w->too_large, err,
				     TOO_LARGE_REASON ": %zu bytes of CSV, "
				     "and a file of at most %llu bytes "
				     "holds %zu after its header ([output] "
				     "max_file_bytes)", row->len,
				     w->max_bytes, w->max_record) < 0 ? -1 : 1;
	return 0;
}

/* The staging of a mapped row: a payload of its source, line and CSV
 * record, and the group and key it sorts by. */
struct stager {
	struct stage *st;
	struct sbuf gkey;
	const long *group;
	size_t ngroup;
	long key;
};

static int stage_row(struct objw *w, struct stager *sg,
		     const struct pipe_item *it, const struct sbuf *row,
		     enum staged kind, struct bs_err *err)
{
	const struct bs_value *v = it->out;
	struct stage_rec rec;
	uint32_t src = 0;
	uint64_t line = it->src->line;
	unsigned char head[PAYLOAD_HDR];

	if (origin_source(w->orig, it->src->file, &src, err) < 0)
		return -1;
	memcpy(head, &src, 4);
	memcpy(head + 4, &line, 8);
	head[12] = (unsigned char)kind;
	memset(&rec, 0, sizeof(rec));
	if (kind == STAGED_FILTERED) {
		rec.key = it->key.s;
		rec.key_len = it->key.len;
	} else {
		if (sg->ngroup == 1) {
			rec.group = v[sg->group[0]].s;
			rec.group_len = v[sg->group[0]].len;
		} else if (sg->ngroup) {
			/* the values, each ended by a NUL: rows of one outer
			   parent sort together, and within them those of the
			   next */
			size_t g;

			sbuf_reset(&sg->gkey);
			for (g = 0; g < sg->ngroup; g++)
				if (sbuf_add(&sg->gkey, v[sg->group[g]].s,
					     v[sg->group[g]].len) < 0 ||
				    sbuf_add(&sg->gkey, "", 1) < 0)
					return nomem(err);
			rec.group = sg->gkey.buf;
			rec.group_len = sg->gkey.len;
		}
		if (sg->key >= 0 && mapping_op(w->m) != MAP_INSERT) {
			rec.key = v[sg->key].s;
			rec.key_len = v[sg->key].len;
		}
	}
	rec.head = head;
	rec.head_len = PAYLOAD_HDR;
	rec.payload = row->buf;
	rec.payload_len = kind == STAGED_RECORD ? row->len : 0;
	if (stage_add(sg->st, &rec, err) < 0)
		return -1;
	/* a record with a key may be as last synced: told once all are read */
	return kind == STAGED_RECORD && rec.key_len && w->unch ?
	       unchanged_add(w->unch, rec.key, rec.key_len, row->buf, row->len,
			     rec.seq, err) : 0;
}

/* Phase 1: read, filter, map; mapped rows into the stage. */
static int read_rows(struct objw *w, struct pipe *p, struct stage *st,
		     struct sbuf *row, struct bs_err *err)
{
	const struct mapping *m = w->m;
	const struct map_field *fields;
	size_t nf = mapping_fields(m, &fields);
	struct stager sg = { st, { 0 }, NULL, 0, mapping_key_index(m) };
	struct pipe_item it;
	int r, big;

	sg.ngroup = mapping_group_fields(m, &sg.group);
	sbuf_init(&sg.gkey, 0);
	w->pipe = p;
	tick_phase(w, 0, 0);
	while ((r = pipe_next(p, &it, err)) == 1) {
		if (interrupted(w->o, err))
			goto fail;
		tick(w, pipe_counts(p)->read);  /* a group's seq is not */
		if (it.status == PIPE_REJECTED) {
			if (rejects_add(w->rej, it.src->file, it.src->line,
					it.reason, it.src->raw,
					it.src->raw_len, err) < 0)
				goto fail;
			continue;
		}
		if (it.status == PIPE_BELOW_WATERMARK)
			continue;    /* counted by the pipe, nothing else */
		sbuf_reset(row);
		if (it.status == PIPE_FILTERED) {
			if (w->o->skipped && it.key.len &&
			    w->o->skipped(w->o->keep_ctx, m, it.key.s,
					  it.key.len, it.filter->name,
					  it.src->file, it.src->line, err) < 0)
				goto fail;
			if (!it.key.len || mapping_op(m) == MAP_INSERT)
				continue;
			/* staged without a record (a tombstone): when it is
			   the key's last row, it supersedes the earlier ones,
			   so an invoice later voided and filtered out is not
			   sent as it was before */
		} else if (csvw_record(row, it.out, nf, 0, err) < 0) {
			goto fail;
		}
		big = too_big(w, &it, row, nf, err);
		if (big < 0)
			goto fail;
		if (big)
			continue;
		if (stage_row(w, &sg, &it, row, it.status == PIPE_FILTERED ?
			      STAGED_FILTERED : STAGED_RECORD, err) < 0)
			goto fail;
	}
	sbuf_release(&sg.gkey);
	return r;
fail:
	sbuf_release(&sg.gkey);
	return -1;
}

/* ---- phase 2: stage order into the bulk files ------------------------ */

/* A row dropped for a later one of its key: counted, and listed in the
 * manifest up to EXPORT_MAX_DUPLICATES_LISTED. */
static int note_duplicate(struct objw *w, const struct stage_rec *rec,
			  const char *src_name, uint64_t line,
			  struct bs_err *err)
{
	struct manifest_duplicate *d;
	char at[4200];

	w->duplicates++;
	if (w->mf->nduplicates >= EXPORT_MAX_DUPLICATES_LISTED)
		return 0;
	snprintf(at, sizeof(at), "%s:%llu", src_name, (unsigned long long)line);
	d = manifest_add_duplicate(w->mf);
	if (!d || !(d->object = manifest_strdup(w->mf, mapping_object(w->m))) ||
	    !(d->key = manifest_strndup(w->mf, rec->key, rec->key_len)) ||
	    !(d->dropped = manifest_strdup(w->mf, at)))
		return nomem(err);
	return 0;
}

/* v in decimal into buf (no NUL); its length.  snprintf's cost showed in
 * the profile: this runs for every row written. */
static size_t u64_text(char buf[20], uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/* One row into the bulk files, its key, source and line into the origin
 * file, and its origin into the spool. */
static int write_row(struct objw *w, struct csvsplit *cs,
		     const struct stage_rec *rec, uint32_t src, uint64_t line,
		     unsigned long long seq, int starts, struct bs_err *err)
{
	const char *src_name = origin_source_name(w->orig, src);
	struct csvsplit_row row;
	const char *cells[3];
	size_t lens[3];
	char num[20];

	cells[0] = rec->key;
	lens[0] = rec->key_len;
	cells[1] = src_name;
	lens[1] = strlen(src_name);
	cells[2] = num;
	lens[2] = u64_text(num, line);
	sbuf_reset(&w->side);
	if (csvw_record_strs(&w->side, cells, lens, 3, 0, err) < 0)
		return -1;
	row.rec = (const char *)rec->payload + PAYLOAD_HDR;
	row.len = rec->payload_len - PAYLOAD_HDR;
	row.side = w->side.buf;
	row.side_len = w->side.len;
	row.seq = seq;
	row.starts_group = starts;
	if (origin_push(w->orig, src, line, err) < 0 ||
	    csvsplit_add(cs, &row, err) < 0)
		return -1;
	w->written++;
	return 0;
}

/* Phase 2: rows in stage order into the bulk files. */
static int write_rows(struct objw *w, struct stage *st, struct csvsplit *cs,
		      struct bs_err *err)
{
	struct sbuf prev_group;
	struct stage_rec rec;
	unsigned long long out = 0, seen = 0;
	int r, first = 1;

	sbuf_init(&prev_group, 0);
	tick_phase(w, 1, stage_rows(st));
	while ((r = stage_next(st, &rec, err)) == 1) {
		const unsigned char *pl = rec.payload;
		const char *csv = (const char *)pl + PAYLOAD_HDR;
		size_t csv_len = rec.payload_len - PAYLOAD_HDR;
		uint32_t src;
		uint64_t line;
		const char *src_name;
		int starts;

		if (interrupted(w->o, err))
			goto fail;
		tick(w, ++seen);
		memcpy(&src, pl, 4);
		memcpy(&line, pl + 4, 8);
		src_name = origin_source_name(w->orig, src);
		if (pl[12] == STAGED_FILTERED)
			continue;   /* a filtered row's key, counted as filtered */
		if (rec.superseded) {
			if (note_duplicate(w, &rec, src_name, line, err) < 0)
				goto fail;
			continue;
		}
		if (unchanged_has(w->unch, rec.seq)) {
			w->unchanged++;   /* keep would say so: not asked again */
			continue;
		}
		if (w->o->keep) {
			int keep = w->o->keep(w->o->keep_ctx, w->m, rec.key,
					      rec.key_len, csv, csv_len, src_name,
					      (unsigned long)line, err);

			if (keep < 0)
				goto fail;
			if (!keep) {
				w->unchanged++;
				continue;
			}
		}
		starts = first || rec.group_len != prev_group.len ||
			 memcmp(rec.group, prev_group.buf, rec.group_len) != 0;
		if (starts) {
			sbuf_reset(&prev_group);
			if (sbuf_add(&prev_group, rec.group, rec.group_len) < 0) {
				nomem(err);
				goto fail;
			}
		}
		first = 0;
		if (write_row(w, cs, &rec, src, line, out++, starts, err) < 0)
			goto fail;
	}
	sbuf_release(&prev_group);
	return r;
fail:
	sbuf_release(&prev_group);
	return -1;
}

/* ---- the manifest entry of one object -------------------------------- */

static int add_depends_on(struct objw *w, const struct mapset *maps)
{
	const struct map_lookup *l;
	size_t n = mapping_lookups(w->m, &l), i;

	for (i = 0; i < n; i++) {
		const struct mapping *p = mapset_find(maps, l[i].object);

		if (p && p != w->m &&
		    manifest_add_depends_on(w->mf, w->mo, mapping_object(p)) < 0)
			return -1;
	}
	return 0;
}

/* The counts, by filter and by reason. */
static int add_counts(struct objw *w, const struct pipe_counts *c)
{
	struct manifest_counts *mc = &w->mo->counts;
	struct manifest *mf = w->mf;
	const struct map_group_key *gkeys;
	const struct map_filter *fl;
	size_t i, n = mapping_filters(w->m, &fl);
	int r = 0;

	mc->read = c->read;
	mc->written = w->written;
	mc->filtered = c->filtered;
	mc->rejected = c->rejected + w->too_large + w->too_long;
	mc->duplicates = w->duplicates + c->replaced;
	mc->unchanged = w->unchanged;
	/* a group mapping writes groups: its other rows are rolled up */
	mc->has_rolled_up = mapping_group_keys(w->m, &gkeys) > 0;
	mc->rolled_up = c->rolled_up;
	/* only a mapping with a watermark has this count */
	mc->has_below_watermark = mapping_watermark_column(w->m) != NULL;
	mc->below_watermark = c->below_watermark;
	for (i = 0; i <= n; i++)
		if (c->by_filter[i])
			r |= manifest_add_count(mf, &mc->filtered_by,
						&mc->nfiltered_by,
						i < n ? fl[i].name :
						PIPE_RANGE_FILTER,
						c->by_filter[i]);
	for (i = 0; i < c->nreasons; i++)
		r |= manifest_add_count(mf, &mc->rejected_by, &mc->nrejected_by,
					c->reasons[i].key, c->reasons[i].count);
	if (c->other_reasons)
		r |= manifest_add_count(mf, &mc->rejected_by, &mc->nrejected_by,
					"other reasons", c->other_reasons);
	if (w->too_large)
		r |= manifest_add_count(mf, &mc->rejected_by, &mc->nrejected_by,
					TOO_LARGE_REASON, w->too_large);
	if (w->too_long)
		r |= manifest_add_count(mf, &mc->rejected_by, &mc->nrejected_by,
					TOO_LONG_REASON, w->too_long);
	return r;
}

/* The object's entry but its files (which on_file added): what it is, its
 * counts, the watermark it was read with and the newest value, rejects. */
static int fill_entry(struct objw *w, const struct mapset *maps, size_t index,
		      const char *floor, struct pipe *p, struct bs_err *err)
{
	const struct mapping *m = w->m;
	struct manifest_object *mo = w->mo;
	struct manifest *mf = w->mf;
	char rel[1100];

	mo->level = (long)mapset_level(maps, index);
	if (!(mo->object = manifest_strdup(mf, mapping_object(m))) ||
	    !(mo->mapping = manifest_strdup(mf, mapping_file(m))) ||
	    !(mo->dataset = manifest_strdup(mf, mapping_source(m))) ||
	    !(mo->operation = manifest_strdup(mf, mapping_op_name(mapping_op(m)))) ||
	    (mapping_op(m) == MAP_UPSERT &&
	     !(mo->external_id = manifest_strdup(mf, mapping_key_field(m)))) ||
	    add_depends_on(w, maps) < 0 || add_counts(w, pipe_counts(p)) < 0)
		return nomem(err);
	if (mapping_watermark_column(m)) {
		struct manifest_watermark *wm = &mo->watermark;

		mo->has_watermark = 1;
		if (!(wm->column = manifest_strdup(mf, mapping_watermark_column(m))) ||
		    !(wm->lookback = manifest_strdup(mf, mapping_lookback_text(m))) ||
		    (floor && !(wm->floor = manifest_strdup(mf, floor))) ||
		    (pipe_watermark_max(p) &&
		     !(wm->max = manifest_strdup(mf, pipe_watermark_max(p)))))
			return nomem(err);
	}
	if (rejects_any(w->rej)) {
		snprintf(rel, sizeof(rel), "%s/rejects.csv", mapping_object(m));
		if (!(mo->rejects = manifest_strdup(mf, rel)))
			return nomem(err);
	}
	return 0;
}

/* ---- one object ------------------------------------------------------- */

/* Opens what writing an object needs: its folder (emptied of an earlier
 * export's files), the origin spool, the rejects, the header. */
static int open_object(struct objw *w, struct sbuf *header,
		       struct bs_err *err)
{
	const struct map_field *fields;
	size_t nf = mapping_fields(w->m, &fields), i;
	const char **names = calloc(nf ? nf : 1, sizeof(*names));
	struct sbuf d;
	int r;

	sbuf_init(&d, 0);
	sbuf_addf(&d, "%s/%s", w->o->out_dir, mapping_object(w->m));
	w->dir = sbuf_detach(&d, NULL);     /* NULL when memory ran out */
	if (!names || !w->dir) {
		free(names);
		return nomem(err);
	}
	if (mkdirs(w->dir, err) < 0) {
		free(names);
		return -1;
	}
	clear_object_dir(w->dir);
	w->orig = origin_new(w->o->temp_dir, err);
	w->rej = w->orig ? rejects_new(w->dir, EXPORT_MAX_ROW) : NULL;
	if (!w->rej) {
		free(names);
		return w->orig ? nomem(err) : -1;
	}
	for (i = 0; i < nf; i++)
		names[i] = fields[i].target;
	r = csvw_record_strs(header, names, NULL, nf, 0, err);
	free(names);
	return r;
}

/* The row stage, and for an incremental run the key sort of its check of
 * unchanged rows (unchanged.h), which takes a third of the sort memory
 * (each at least the stage's minimum). */
static struct stage *open_stages(struct objw *w, struct stage_opts *so,
				 struct bs_err *err)
{
	struct stage_opts ko = *so;

	ko.memory = so->memory / 3;
	if (unchanged_new(w->o->unchanged, w->o->keep_ctx, w->m, &ko,
			  &w->unch, err) < 0)
		return NULL;
	if (w->unch)
		so->memory -= ko.memory;
	return stage_new(so, err);
}

/* A little over 80 lines: one object's export from open to manifest entry,
 * each step with its clean-up on the same error path. */
static int export_object(const struct config *cfg, const struct mapset *maps,
			 size_t index, const struct export_opts *o,
			 struct heads *heads, struct manifest *mf,
			 struct bs_err *err)
{
	const struct mapping *m = mapset_at(maps, index);
	const long *group;
	struct stage_opts so = { o->sort_memory ? o->sort_memory :
				 EXPORT_SORT_MEMORY, o->temp_dir,
				 mapping_group_fields(m, &group) > 0, o->stop };
	struct csvsplit_opts co = CSVSPLIT_OPTS_INIT;
	struct csvsplit *cs = NULL;
	struct stage *st = NULL;
	struct pipe *p = NULL;
	struct objw w;
	struct sbuf row, header;
	const char *floor = NULL;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	sbuf_init(&row, EXPORT_MAX_ROW);
	sbuf_init(&header, EXPORT_MAX_ROW);
	sbuf_init(&w.side, EXPORT_MAX_ROW);
	w.o = o;
	w.m = m;
	w.mf = mf;
	w.mo = manifest_add_object(mf);
	if (!w.mo) {
		nomem(err);
		goto out;
	}
	if (open_object(&w, &header, err) < 0)
		goto out;
	if (mapping_watermark_column(m) && o->watermark_floor)
		floor = o->watermark_floor(o->keep_ctx, m);
	{
		struct pipe_opts po = { o->since, o->until, floor,
					o->watermark_cap, o->stop, o->held,
					o->keep_ctx, tick_grouped, &w, heads };

		p = pipe_open(cfg, m, &po, err);
	}
	st = p ? open_stages(&w, &so, err) : NULL;
	if (!st)
		goto out;
	co.max_bytes = o->max_file_bytes ? o->max_file_bytes :
		       CSVSPLIT_MAX_BYTES_DEFAULT;
	w.max_bytes = co.max_bytes;
	w.max_record = co.max_bytes > header.len ? co.max_bytes - header.len : 0;
	if (read_rows(&w, p, st, &row, err) < 0 || stage_finish(st, err) < 0 ||
	    unchanged_resolve(w.unch, st, err) < 0)
		goto out;   /* a stop the reader or the sort saw: export_run */
	co.max_rows = o->max_file_rows;
	co.zsink = o->zsink;
	co.on_file = on_file;
	co.ctx = &w;
	co.side_suffix = ".origin.csv.gz";
	co.side_header = "key,source,line\n";
	co.side_header_len = 16;
	/* origin files stay local and are written on this thread: the
	   fastest level (the bulk files' level is for upload size) */
	co.side_level = 1;
	cs = csvsplit_new(w.dir, mapping_object(m), header.buf, header.len, &co,
			  err);
	if (!cs || write_rows(&w, st, cs, err) < 0)
		goto out;
	rc = csvsplit_close(cs, err);
	cs = NULL;
	if (rc == 0)
		rc = fill_entry(&w, maps, index, floor, p, err);
	if (rc == 0) {
		rc = rejects_close(w.rej, err);
		w.rej = NULL;
	}
out:
	csvsplit_abort(cs);
	rejects_free(w.rej);
	origin_free(w.orig);
	stage_free(st);
	unchanged_free(w.unch);
	pipe_free(p);
	sbuf_release(&row);
	sbuf_release(&header);
	sbuf_release(&w.side);
	free(w.dir);
	return rc;
}

/* ---- the whole export ------------------------------------------------- */

/* Removes OUT/manifest.json: after a failed export none describes files
 * that may have been replaced. */
static int remove_manifest(const char *out_dir, struct bs_err *err)
{
	struct sbuf path;
	int gone;

	sbuf_init(&path, 0);
	if (sbuf_addf(&path, "%s/manifest.json", out_dir) < 0)
		return nomem(err);
	gone = unlink(path.buf) < 0 && errno != ENOENT;
	sbuf_release(&path);
	if (gone)
		return bs_err_at(err, BS_E_IO, out_dir, 0, "cannot remove the "
				 "old manifest.json: %s", strerror(errno));
	return 0;
}

int export_run(const struct config *cfg, const struct mapset *maps,
	       const struct export_opts *o, struct manifest **manifest,
	       struct bs_err *err)
{
	struct manifest *mf = manifest_new();
	struct heads *heads = heads_new(o->stop);   /* what precheck read of FIFOs */
	char created[32];
	size_t i;

	*manifest = NULL;
	if (!mf || !heads) {
		nomem(err);
		goto fail;
	}
	/* every mapping against every header before the first row is read */
	if (export_precheck(cfg, maps, o->objects, o->nobjects, heads,
			    o->errs, err) < 0 ||
	    mkdirs(o->out_dir, err) < 0 || remove_manifest(o->out_dir, err) < 0)
		goto fail;
	for (i = 0; i < mapset_count(maps); i++) {
		if (!mapping_chosen(mapset_at(maps, i), o->objects,
				    o->objects ? o->nobjects : 0))
			continue;
		if (export_object(cfg, maps, i, o, heads, mf, err) < 0)
			goto fail;
		if (o->progress)
			o->progress(o->progress_ctx,
				    &mf->objects[mf->nobjects - 1]);
		/* the object's sort buffers are freed: give the pages back,
		   so the next object starts from the same footprint */
		malloc_trim(0);
	}
	clock_iso_now(created);
	mf->billsync_version = BILLSYNC_VERSION;
	mf->created_at = manifest_strdup(mf, created);
	mf->max_file_bytes = o->max_file_bytes ? o->max_file_bytes :
			     CSVSPLIT_MAX_BYTES_DEFAULT;
	if (!mf->created_at) {
		nomem(err);
		goto fail;
	}
	if (manifest_write(mf, o->out_dir, err) < 0)
		goto fail;
	heads_free(heads);
	*manifest = mf;
	return 0;
fail:
	/* a read a stop cut short (a FIFO whose writer is silent) fails as
	   the input's error: the stop is what happened */
	if (err->kind != BS_E_LIMIT)
		interrupted(o, err);
	heads_free(heads);
	manifest_free(mf);
	return -1;
}
