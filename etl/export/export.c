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
#include <time.h>
#include <unistd.h>

#include "formats/csvsplit.h"
#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "base/cli.h"
#include "base/config.h"
#include "map/mapping.h"
#include "map/mapset.h"
#include "pipeline.h"
#include "stage.h"

#define EXPORT_MAX_ROW ((size_t)8 << 20)      /* an encoded CSV record */
#define EXPORT_SORT_MEMORY ((size_t)24 << 20)
#define PAYLOAD_HDR 12                          /* source u32, line u64 */
#define QUEUE_ENTRY 12                          /* source u32, line u64 */

/* Source file names of one object, indexed by number in payloads. */
struct sources {
	char **name;
	size_t n, alloc;
};

/* Where each row written came from, in output order, until its file is
 * finished and its line ranges go into the manifest: an unlinked temporary
 * file read back with pread, so memory stays flat. */
struct queue {
	FILE *w;
	off_t rpos;
	unsigned char buf[64 * 1024];
	size_t len, at;
	off_t bufpos;
};

/* One object being written. */
struct objw {
	const struct export_opts *o;
	const struct mapping *m;
	char *dir;                  /* OUT/<object> */
	json_t *files;              /* manifest entries */
	json_t *dup_list;           /* shared list, capped */
	unsigned long long *nduplicates_listed;
	struct sources src;
	struct queue q;
	struct sbuf side;
	FILE *rejects;
	unsigned long long max_bytes; /* a bulk file's cap */
	size_t max_record;          /* CSV bytes a record may have: the cap
				       less the header */
	unsigned long long written, duplicates, unchanged, too_large;
	unsigned long long too_long;  /* over RECORD_MAX_CHARS characters */
};

#define TOO_LARGE_REASON "record larger than a bulk file"
/* Salesforce takes at most 400,000 characters in one record (Bulk API
 * 2.0 limits; reference section 5); counted here as the characters of
 * the record's values, quotes and commas left out, as the emulator does */
#define RECORD_MAX_CHARS 400000
#define TOO_LONG_REASON "record over 400,000 characters"

/* ---- options ---------------------------------------------------------- */

int export_opts_from_config(struct export_opts *o, const struct config *cfg,
			    struct bs_err *err)
{
	unsigned long long v;
	const char *spec;

	if (config_get_u64(cfg, "output", "max_file_bytes", &o->max_file_bytes,
			   err) < 0 ||
	    config_get_u64(cfg, "output", "max_file_rows", &o->max_file_rows,
			   err) < 0 ||
	    config_get_u64(cfg, "output", "sort_memory", &v, err) < 0)
		return -1;
	o->sort_memory = (size_t)v;
	if (o->max_file_bytes && (o->max_file_bytes < EXPORT_MIN_FILE_BYTES ||
				  o->max_file_bytes > EXPORT_MAX_FILE_BYTES))
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "output", "max_file_bytes"),
				 "[output] max_file_bytes must be between %llu "
				 "and %llu (a Bulk API job takes at most 150 MB "
				 "after base64)", EXPORT_MIN_FILE_BYTES,
				 EXPORT_MAX_FILE_BYTES);
	o->zsink = (struct zsink_opts)ZSINK_OPTS_INIT;
	spec = config_get(cfg, "output", "compression");
	if (spec && zsink_opts_parse(&o->zsink, spec, err) < 0) {
		bs_err_locate(err, config_file(cfg),
			      config_line(cfg, "output", "compression"));
		return -1;
	}
	return 0;
}

int export_check_objects(const struct mapset *maps,
			 const struct export_opts *o, struct bs_err *err)
{
	const char *names[512], *hint;
	size_t i, j, n = mapset_count(maps), k = 0;

	for (j = 0; j < n && k + 2 <= 512; j++) {
		names[k++] = mapping_object(mapset_at(maps, j));
		names[k++] = mapping_source(mapset_at(maps, j));
	}
	for (i = 0; i < o->nobjects; i++) {
		for (j = 0; j < n; j++) {
			const struct mapping *m = mapset_at(maps, j);

			if (mapping_named(m, o->objects[i]))
				break;
		}
		if (j < n)
			continue;
		hint = strsim_closest(o->objects[i], names, k);
		return bs_err_set(err, BS_E_USAGE, "no mapping for '%s'%s%s%s",
				  o->objects[i], hint ? "; did you mean '" : "",
				  hint ? hint : "", hint ? "'?" : "");
	}
	return 0;
}

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

static int source_index(struct sources *s, const char *name, uint32_t *idx,
			struct bs_err *err)
{
	size_t i;

	/* rows come file after file: the last name is almost always it */
	for (i = s->n; i-- > 0;) {
		if (!strcmp(s->name[i], name)) {
			*idx = (uint32_t)i;
			return 0;
		}
	}
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 8;
		char **nn = realloc(s->name, na * sizeof(*nn));

		if (!nn)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		s->name = nn;
		s->alloc = na;
	}
	s->name[s->n] = strdup(name);
	if (!s->name[s->n])
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	*idx = (uint32_t)s->n++;
	return 0;
}

/* ---- the origin queue ------------------------------------------------- */

static int queue_open(struct queue *q, const char *temp_dir,
		      struct bs_err *err)
{
	char path[4096];
	int fd;

	memset(q, 0, sizeof(*q));
	snprintf(path, sizeof(path), "%s/billsync-origin-XXXXXX",
		 temp_dir ? temp_dir : (getenv("TMPDIR") ? getenv("TMPDIR") :
					"/tmp"));
	fd = mkstemp(path);
	if (fd < 0)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot create a "
				 "temporary file: %s", strerror(errno));
	unlink(path);
	q->w = fdopen(fd, "w");
	if (!q->w) {
		close(fd);
		return bs_err_set(err, BS_E_IO, "cannot open a temporary file");
	}
	return 0;
}

static int queue_push(struct queue *q, uint32_t src, uint64_t line,
		      struct bs_err *err)
{
	unsigned char e[QUEUE_ENTRY];

	memcpy(e, &src, 4);
	memcpy(e + 4, &line, 8);
	if (fwrite(e, 1, sizeof(e), q->w) != sizeof(e))
		return bs_err_set(err, BS_E_IO, "cannot write a temporary file");
	return 0;
}

static int queue_pop(struct queue *q, uint32_t *src, uint64_t *line,
		     struct bs_err *err)
{
	ssize_t got;

	if (q->len - q->at < QUEUE_ENTRY) {
		memmove(q->buf, q->buf + q->at, q->len - q->at);
		q->len -= q->at;
		q->at = 0;
		if (fflush(q->w) != 0)
			return bs_err_set(err, BS_E_IO, "cannot write a "
					  "temporary file");
		while (q->len < QUEUE_ENTRY) {
			got = pread(fileno(q->w), q->buf + q->len,
				    sizeof(q->buf) - q->len, q->rpos);
			if (got <= 0)
				return bs_err_set(err, BS_E_IO, "cannot read a "
						  "temporary file");
			q->rpos += got;
			q->len += (size_t)got;
		}
	}
	memcpy(src, q->buf + q->at, 4);
	memcpy(line, q->buf + q->at + 4, 8);
	q->at += QUEUE_ENTRY;
	return 0;
}

/* ---- one finished bulk file ------------------------------------------- */

struct src_span {
	unsigned long first, last;
	unsigned long long rows;
};

/* csvsplit calls this for each finished file (and its origin file): the
 * sources of its rows are next in the queue. */
static int on_file(void *ctx, const struct csvsplit_file *f,
		   struct bs_err *err)
{
	struct objw *w = ctx;
	struct src_span *spans = calloc(w->src.n ? w->src.n : 1, sizeof(*spans));
	char rel[1200], origin[1200];
	json_t *sources, *entry;
	unsigned long long i;
	size_t k;

	if (!spans)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < f->rows; i++) {
		struct src_span *sp;
		uint32_t src = 0;
		uint64_t line = 0;

		if (queue_pop(&w->q, &src, &line, err) < 0) {
			free(spans);
			return -1;
		}
		if (src >= w->src.n)
			continue;
		sp = &spans[src];
		if (!sp->rows || line < sp->first)
			sp->first = (unsigned long)line;
		if (line > sp->last)
			sp->last = (unsigned long)line;
		sp->rows++;
	}
	sources = json_array();
	for (k = 0; k < w->src.n; k++)
		if (spans[k].rows)
			json_array_append_new(sources, json_pack(
				"{s:s, s:I, s:I, s:I}", "file", w->src.name[k],
				"first_line", (json_int_t)spans[k].first,
				"last_line", (json_int_t)spans[k].last,
				"rows", (json_int_t)spans[k].rows));
	free(spans);
	snprintf(rel, sizeof(rel), "%s/%s", mapping_object(w->m), f->name);
	snprintf(origin, sizeof(origin), "%s/%s", mapping_object(w->m),
		 f->side_name);
	entry = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:o}",
			  "path", rel, "origin", origin,
			  "rows", (json_int_t)f->rows,
			  "raw_bytes", (json_int_t)f->z.raw_bytes,
			  "compressed_bytes", (json_int_t)f->z.gz_bytes,
			  "sha256", f->z.sha256, "sources", sources);
	if (!entry)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (f->split_group)
		json_object_set_new(entry, "split_group", json_true());
	json_array_append_new(w->files, entry);
	return 0;
}

/* ---- stopping --------------------------------------------------------- */

/* 1 (with err) when a SIGINT/SIGTERM asked the export to stop. */
static int interrupted(const struct export_opts *o, struct bs_err *err)
{
	if (!o->stop || !*o->stop)
		return 0;
	bs_err_set(err, BS_E_LIMIT, "interrupted: nothing was sent; run the "
		   "same command again to start over");
	return 1;
}

/* ---- rejects ---------------------------------------------------------- */

static int write_reject(struct objw *w, const struct rowsrc_row *src,
			const struct bs_err *reason, struct sbuf *row,
			struct bs_err *err)
{
	static const char *const header[] = { "source", "line", "field",
					       "reason", "record" };
	char path[4096], num[32];
	const char *cells[5];
	size_t lens[5];

	if (!w->rejects) {
		snprintf(path, sizeof(path), "%s/rejects.csv", w->dir);
		w->rejects = fopen(path, "w");
		sbuf_reset(row);
		if (!w->rejects ||
		    csvw_record_strs(row, header, NULL, 5, 0, err) < 0 ||
		    fwrite(row->buf, 1, row->len, w->rejects) != row->len)
			return bs_err_at(err, BS_E_IO, path, 0, "cannot write");
	}
	snprintf(num, sizeof(num), "%lu", src->line);
	cells[0] = src->file;
	cells[1] = num;
	cells[2] = reason->field;
	cells[3] = reason->msg;
	cells[4] = src->raw;
	lens[0] = strlen(cells[0]);
	lens[1] = strlen(num);
	lens[2] = strlen(cells[2]);
	lens[3] = strlen(cells[3]);
	lens[4] = src->raw_len;
	sbuf_reset(row);
	if (csvw_record_strs(row, cells, lens, 5, 0, err) < 0) {
		/* a record too large to quote whole: keep its head */
		lens[4] = lens[4] > 4096 ? 4096 : lens[4];
		sbuf_reset(row);
		if (csvw_record_strs(row, cells, lens, 5, 0, err) < 0)
			return -1;
	}
	if (fwrite(row->buf, 1, row->len, w->rejects) != row->len)
		return bs_err_set(err, BS_E_IO, "cannot write rejects.csv");
	return 0;
}

/* ---- one object ------------------------------------------------------- */

static json_t *depends_on(const struct mapset *maps, const struct mapping *m)
{
	const struct map_lookup *l;
	size_t n = mapping_lookups(m, &l), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		const struct mapping *p = mapset_find(maps, l[i].object);

		if (p && p != m)
			json_array_append_new(a, json_string(mapping_object(p)));
	}
	return a;
}

/* A mapped row Salesforce could not take, rejected like a row that failed
 * to convert: into rejects.csv with its source line, counted in *count
 * (a reason of rejected_by). */
static int reject_mapped(struct objw *w, const struct rowsrc_row *src,
			 struct sbuf *row, unsigned long long *count,
			 struct bs_err *err, const char *fmt, ...)
	BS_PRINTF(6, 7);

static int reject_mapped(struct objw *w, const struct rowsrc_row *src,
			 struct sbuf *row, unsigned long long *count,
			 struct bs_err *err, const char *fmt, ...)
{
	struct bs_err why;
	va_list ap;

	bs_err_clear(&why);
	why.kind = BS_E_ROW;
	va_start(ap, fmt);
	vsnprintf(why.msg, sizeof(why.msg), fmt, ap);
	va_end(ap);
	(*count)++;
	return write_reject(w, src, &why, row, err);
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

/* Phase 1: read, filter, map; mapped rows into the stage. */
static int read_rows(struct objw *w, struct pipe *p, struct stage *st,
		     struct sbuf *row, struct bs_err *err)
{
	const struct mapping *m = w->m;
	const struct map_field *fields;
	size_t nf = mapping_fields(m, &fields);
	const long *group;
	size_t ngroup = mapping_group_fields(m, &group);
	long key = mapping_key_index(m);
	struct sbuf gkey;
	struct pipe_item it;
	unsigned char *payload = NULL;
	size_t payload_alloc = 0;
	int r;

	sbuf_init(&gkey, 0);

	while ((r = pipe_next(p, &it, err)) == 1) {
		const struct bs_value *v = it.out;
		struct stage_rec rec;
		uint32_t src = 0;
		uint64_t line = it.src->line;
		size_t need, chars;

		if (interrupted(w->o, err))
			goto fail;
		if (it.status == PIPE_REJECTED) {
			if (write_reject(w, it.src, it.reason, row, err) < 0)
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
		} else if (csvw_record(row, v, nf, 0, err) < 0) {
			goto fail;
		}
		/* a record of no more bytes than that has no more
		   characters either: only long ones are counted */
		if (row->len > RECORD_MAX_CHARS &&
		    (chars = record_chars(v, nf)) > RECORD_MAX_CHARS) {
			if (reject_mapped(w, it.src, row, &w->too_long, err,
					  TOO_LONG_REASON ": %zu characters; "
					  "Salesforce takes at most %d in one "
					  "record", chars, RECORD_MAX_CHARS) < 0)
				goto fail;
			continue;
		}
		if (row->len > w->max_record) {
			/* no bulk file could hold it */
			if (reject_mapped(w, it.src, row, &w->too_large, err,
					  TOO_LARGE_REASON ": %zu bytes of CSV, "
					  "and a file of at most %llu bytes "
					  "holds %zu after its header ([output] "
					  "max_file_bytes)", row->len,
					  w->max_bytes, w->max_record) < 0)
				goto fail;
			continue;
		}
		if (source_index(&w->src, it.src->file, &src, err) < 0)
			goto fail;
		need = PAYLOAD_HDR + row->len;
		if (need > payload_alloc) {
			unsigned char *np = realloc(payload, need);

			if (!np) {
				bs_err_set(err, BS_E_NOMEM, "out of memory");
				goto fail;
			}
			payload = np;
			payload_alloc = need;
		}
		memcpy(payload, &src, 4);
		memcpy(payload + 4, &line, 8);
		memcpy(payload + PAYLOAD_HDR, row->buf, row->len);
		memset(&rec, 0, sizeof(rec));
		if (it.status == PIPE_FILTERED) {
			rec.key = it.key.s;
			rec.key_len = it.key.len;
		} else {
			if (ngroup == 1) {
				rec.group = v[group[0]].s;
				rec.group_len = v[group[0]].len;
			} else if (ngroup) {
				/* the values, each ended by a NUL: rows of
				   one outer parent sort together, and within
				   them those of the next */
				size_t g;

				sbuf_reset(&gkey);
				for (g = 0; g < ngroup; g++)
					if (sbuf_add(&gkey, v[group[g]].s,
						     v[group[g]].len) < 0 ||
					    sbuf_add(&gkey, "", 1) < 0) {
						bs_err_set(err, BS_E_NOMEM,
							   "out of memory");
						goto fail;
					}
				rec.group = gkey.buf;
				rec.group_len = gkey.len;
			}
			if (key >= 0 && mapping_op(m) != MAP_INSERT) {
				rec.key = v[key].s;
				rec.key_len = v[key].len;
			}
		}
		rec.payload = payload;
		rec.payload_len = need;
		if (stage_add(st, &rec, err) < 0)
			goto fail;
	}
	free(payload);
	sbuf_release(&gkey);
	return r;
fail:
	free(payload);
	sbuf_release(&gkey);
	return -1;
}

/* Phase 2: rows in stage order into the bulk files. */
static int write_rows(struct objw *w, struct stage *st, struct csvsplit *cs,
		      struct bs_err *err)
{
	struct sbuf prev_group;
	struct stage_rec rec;
	unsigned long long out = 0;
	int r, first = 1;

	sbuf_init(&prev_group, 0);
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
		memcpy(&src, pl, 4);
		memcpy(&line, pl + 4, 8);
		src_name = src < w->src.n ? w->src.name[src] : "";
		if (!csv_len)
			continue;   /* a filtered row's key, counted as filtered */
		if (rec.superseded) {
			w->duplicates++;
			if (*w->nduplicates_listed < EXPORT_MAX_DUPLICATES_LISTED) {
				char at[4200];

				snprintf(at, sizeof(at), "%s:%llu", src_name,
					 (unsigned long long)line);
				json_array_append_new(w->dup_list, json_pack(
					"{s:s, s:s%, s:s}", "object",
					mapping_object(w->m), "key", rec.key,
					rec.key_len, "dropped", at));
				(*w->nduplicates_listed)++;
			}
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
				bs_err_set(err, BS_E_NOMEM, "out of memory");
				goto fail;
			}
		}
		first = 0;
		{
			struct csvsplit_row row;
			const char *cells[3];
			size_t lens[3];
			char num[24];

			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)line);
			cells[0] = rec.key;
			lens[0] = rec.key_len;
			cells[1] = src_name;
			lens[1] = strlen(src_name);
			cells[2] = num;
			lens[2] = strlen(num);
			sbuf_reset(&w->side);
			if (csvw_record_strs(&w->side, cells, lens, 3, 0, err) < 0)
				goto fail;
			row.rec = csv;
			row.len = csv_len;
			row.side = w->side.buf;
			row.side_len = w->side.len;
			row.seq = out++;
			row.starts_group = starts;
			if (queue_push(&w->q, src, line, err) < 0 ||
			    csvsplit_add(cs, &row, err) < 0)
				goto fail;
		}
		w->written++;
	}
	sbuf_release(&prev_group);
	return r;
fail:
	sbuf_release(&prev_group);
	return -1;
}

static json_t *counts_json(const struct mapping *m,
			   const struct pipe_counts *c, const struct objw *w)
{
	const struct map_filter *fl;
	json_t *by_filter = json_object(), *by_reason = json_object(), *counts;
	size_t i, n = mapping_filters(m, &fl);

	for (i = 0; i < n; i++)
		if (c->by_filter[i])
			json_object_set_new(by_filter, fl[i].name,
					    json_integer((json_int_t)c->by_filter[i]));
	if (c->by_filter[n])
		json_object_set_new(by_filter, PIPE_RANGE_FILTER,
				    json_integer((json_int_t)c->by_filter[n]));
	for (i = 0; i < c->nreasons; i++)
		json_object_set_new(by_reason, c->reasons[i].key,
				    json_integer((json_int_t)c->reasons[i].count));
	if (c->other_reasons)
		json_object_set_new(by_reason, "other reasons",
				    json_integer((json_int_t)c->other_reasons));
	if (w->too_large)
		json_object_set_new(by_reason, TOO_LARGE_REASON,
				    json_integer((json_int_t)w->too_large));
	if (w->too_long)
		json_object_set_new(by_reason, TOO_LONG_REASON,
				    json_integer((json_int_t)w->too_long));
	counts = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			   "read", (json_int_t)c->read,
			   "written", (json_int_t)w->written,
			   "filtered", (json_int_t)c->filtered,
			   "rejected", (json_int_t)(c->rejected + w->too_large +
						    w->too_long),
			   "duplicates", (json_int_t)w->duplicates,
			   "unchanged", (json_int_t)w->unchanged);
	/* only a mapping with a watermark has this count */
	if (counts && mapping_watermark_column(m))
		json_object_set_new(counts, "below_watermark",
				    json_integer((json_int_t)c->below_watermark));
	if (counts) {
		json_object_set_new(counts, "filtered_by", by_filter);
		json_object_set_new(counts, "rejected_by", by_reason);
	} else {
		json_decref(by_filter);
		json_decref(by_reason);
	}
	return counts;
}

/* The watermark a mapping's rows were read with, and the newest value. */
static json_t *watermark_json(const struct mapping *m, const char *floor,
			      struct pipe *p)
{
	return json_pack("{s:s, s:s, s:s?, s:s?}",
			 "column", mapping_watermark_column(m),
			 "lookback", mapping_lookback_text(m),
			 "floor", floor, "max", pipe_watermark_max(p));
}

static json_t *export_object(const struct config *cfg,
			     const struct mapset *maps, size_t index,
			     const struct export_opts *o, json_t *duplicates,
			     unsigned long long *ndup_listed, struct bs_err *err)
{
	const struct mapping *m = mapset_at(maps, index);
	const struct map_field *fields;
	const long *group;
	size_t nf = mapping_fields(m, &fields), i;
	struct stage_opts so = { o->sort_memory ? o->sort_memory :
				 EXPORT_SORT_MEMORY, o->temp_dir,
				 mapping_group_fields(m, &group) > 0 };
	struct csvsplit_opts co = CSVSPLIT_OPTS_INIT;
	const char **names = calloc(nf ? nf : 1, sizeof(*names));
	struct csvsplit *cs = NULL;
	struct stage *st = NULL;
	struct pipe *p = NULL;
	struct objw w;
	struct sbuf row, header;
	json_t *entry = NULL;
	const char *floor = NULL;
	char rel[1100];

	memset(&w, 0, sizeof(w));
	sbuf_init(&row, EXPORT_MAX_ROW);
	sbuf_init(&header, EXPORT_MAX_ROW);
	sbuf_init(&w.side, EXPORT_MAX_ROW);
	w.o = o;
	w.m = m;
	w.dup_list = duplicates;
	w.nduplicates_listed = ndup_listed;
	w.files = json_array();
	w.q.w = NULL;
	if (!names || !w.files)
		goto nomem;
	{
		struct sbuf d;

		sbuf_init(&d, 0);
		sbuf_addf(&d, "%s/%s", o->out_dir, mapping_object(m));
		w.dir = sbuf_detach(&d, NULL);
	}
	if (!w.dir || mkdirs(w.dir, err) < 0)
		goto fail;
	clear_object_dir(w.dir);
	if (queue_open(&w.q, o->temp_dir, err) < 0)
		goto fail;

	if (mapping_watermark_column(m) && o->watermark_floor)
		floor = o->watermark_floor(o->keep_ctx, m);
	{
		struct pipe_opts po = { o->since, o->until, floor,
					o->watermark_cap };

		p = pipe_open(cfg, m, &po, err);
	}
	st = p ? stage_new(&so, err) : NULL;
	if (!st)
		goto fail;
	for (i = 0; i < nf; i++)
		names[i] = fields[i].target;
	if (csvw_record_strs(&header, names, NULL, nf, 0, err) < 0)
		goto fail;
	co.max_bytes = o->max_file_bytes ? o->max_file_bytes :
		       CSVSPLIT_MAX_BYTES_DEFAULT;
	w.max_bytes = co.max_bytes;
	w.max_record = co.max_bytes > header.len ? co.max_bytes - header.len : 0;
	if (read_rows(&w, p, st, &row, err) < 0 || stage_finish(st, err) < 0)
		goto fail;
	co.max_rows = o->max_file_rows;
	co.zsink = o->zsink;
	co.on_file = on_file;
	co.ctx = &w;
	co.side_suffix = ".origin.csv.gz";
	co.side_header = "key,source,line\n";
	co.side_header_len = 16;
	cs = csvsplit_new(w.dir, mapping_object(m), header.buf, header.len, &co,
			  err);
	if (!cs)
		goto fail;
	if (write_rows(&w, st, cs, err) < 0)
		goto fail;
	if (csvsplit_close(cs, err) < 0) {
		cs = NULL;
		goto fail;
	}
	cs = NULL;

	entry = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:o, s:o, s:o}",
			  "object", mapping_object(m),
			  "mapping", mapping_file(m),
			  "dataset", mapping_source(m),
			  "operation", mapping_op_name(mapping_op(m)),
			  "external_id", mapping_op(m) == MAP_UPSERT ?
			  mapping_key_field(m) : NULL,
			  "level", (int)mapset_level(maps, index),
			  "depends_on", depends_on(maps, m),
			  "counts", counts_json(m, pipe_counts(p), &w),
			  "files", w.files);
	w.files = NULL;
	if (entry && mapping_watermark_column(m))
		json_object_set_new(entry, "watermark",
				    watermark_json(m, floor, p));
	if (w.rejects) {
		snprintf(rel, sizeof(rel), "%s/rejects.csv", mapping_object(m));
		json_object_set_new(entry, "rejects", json_string(rel));
	}
	goto out;
nomem:
	bs_err_set(err, BS_E_NOMEM, "out of memory");
fail:
	csvsplit_abort(cs);
	entry = NULL;
out:
	if (w.rejects && fclose(w.rejects) != 0 && entry) {
		bs_err_at(err, BS_E_IO, w.dir, 0, "cannot write rejects.csv");
		json_decref(entry);
		entry = NULL;
	}
	if (w.q.w)
		fclose(w.q.w);
	for (i = 0; i < w.src.n; i++)
		free(w.src.name[i]);
	free(w.src.name);
	json_decref(w.files);
	stage_free(st);
	pipe_free(p);
	sbuf_release(&row);
	sbuf_release(&header);
	sbuf_release(&w.side);
	free(w.dir);
	free(names);
	return entry;
}

/* ---- the whole export ------------------------------------------------- */

static void now_iso(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

static int write_manifest(const char *dir, const json_t *manifest,
			  struct bs_err *err)
{
	char path[4096], tmp[4200];

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(manifest, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		return bs_err_at(err, BS_E_IO, path, 0, "cannot write the "
				 "manifest");
	}
	return 0;
}

int export_run(const struct config *cfg, const struct mapset *maps,
	       const struct export_opts *o, json_t **manifest,
	       struct bs_err *err)
{
	json_t *root, *objects = json_array(), *dups = json_array(), *entry;
	unsigned long long ndup_listed = 0;
	char created[32];
	size_t i;

	*manifest = NULL;
	if (mkdirs(o->out_dir, err) < 0)
		goto fail;
	{
		struct sbuf path;
		int gone;

		sbuf_init(&path, 0);
		gone = sbuf_addf(&path, "%s/manifest.json", o->out_dir) < 0 ||
		       (unlink(path.buf) < 0 && errno != ENOENT);
		sbuf_release(&path);
		if (gone) {
			bs_err_at(err, BS_E_IO, o->out_dir, 0, "cannot remove "
				  "the old manifest.json: %s", strerror(errno));
			goto fail;
		}
	}
	for (i = 0; i < mapset_count(maps); i++) {
		if (!mapping_chosen(mapset_at(maps, i), o->objects,
				    o->objects ? o->nobjects : 0))
			continue;
		entry = export_object(cfg, maps, i, o, dups, &ndup_listed, err);
		if (!entry)
			goto fail;
		json_array_append_new(objects, entry);
		if (o->progress)
			o->progress(o->progress_ctx, entry);
		/* the object's sort buffers are freed: give the pages back,
		   so the next object starts from the same footprint */
		malloc_trim(0);
	}
	now_iso(created);
	root = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}",
			 "format", "billsync-export/1",
			 "billsync_version", BILLSYNC_VERSION,
			 "created_at", created,
			 "max_file_bytes", (json_int_t)(o->max_file_bytes ?
				o->max_file_bytes : CSVSPLIT_MAX_BYTES_DEFAULT),
			 "objects", objects, "duplicates", dups);
	if (!root) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return -1;
	}
	if (write_manifest(o->out_dir, root, err) < 0) {
		json_decref(root);
		return -1;
	}
	*manifest = root;
	return 0;
fail:
	json_decref(objects);
	json_decref(dups);
	return -1;
}

void export_totals(const json_t *manifest, struct export_totals *t)
{
	const json_t *objects = json_object_get(manifest, "objects"), *obj;
	size_t i;

	memset(t, 0, sizeof(*t));
	json_array_foreach(objects, i, obj) {
		const json_t *c = json_object_get(obj, "counts");

		t->read += (unsigned long long)json_integer_value(json_object_get(c, "read"));
		t->written += (unsigned long long)json_integer_value(json_object_get(c, "written"));
		t->filtered += (unsigned long long)json_integer_value(json_object_get(c, "filtered"));
		t->rejected += (unsigned long long)json_integer_value(json_object_get(c, "rejected"));
		t->duplicates += (unsigned long long)json_integer_value(json_object_get(c, "duplicates"));
		t->unchanged += (unsigned long long)json_integer_value(json_object_get(c, "unchanged"));
		if (json_object_get(c, "below_watermark")) {
			t->below_watermark += (unsigned long long)json_integer_value(json_object_get(c, "below_watermark"));
			t->watermarks = 1;
		}
		t->files += json_array_size(json_object_get(obj, "files"));
	}
}
