/* pipeline.c - reading a dataset through its mapping, with the counts. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/arena.h"
#include "map/compare.h"
#include "base/config.h"
#include "dataset.h"
#include "map/datetime.h"
#include "rollup.h"

struct pipe {
	const struct mapping *m;
	struct pipe_opts range;
	long since_col;                /* column index of `since`, or -1 */
	struct map_filter range_filter;
	long mark_col;                 /* column index of `watermark`, or -1 */
	int has_floor, has_cap, has_max;
	struct dt_instant floor, cap, max;
	char max_text[DT_ISO_LEN + 1];
	struct dataset *ds;
	struct arena arena;          /* reset per row */
	struct rowsrc_row row;
	struct bs_err reason;
	char reason_key[PIPE_REASON_KEY_MAX];
	struct pipe_counts counts;
	struct rollup *ru;           /* a group mapping's groups, or NULL */
	int grouped;                 /* every row is in ru */
	int spoilt;                  /* the row next_row read spoils its
					group: reason says why */
	unsigned long long moved;    /* emptied groups sent for rows replaced
					by a later row of another group */
	char floor_text[32];         /* a group mapping's widened floor */
	char since_text[32], until_text[32];   /* ... and range */
};

/* The index of a column the mapping reads, or -1. */
static long column_index(const struct mapping *m, const char *name)
{
	const char *const *names;
	size_t n = mapping_columns(m, &names), i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(names[i], name))
			return (long)i;
	return -1;
}

static int instant_opt(const char *what, const char *text, int *has,
		       struct dt_instant *t, struct bs_err *err)
{
	if (!text)
		return 0;
	if (dt_parse_instant(text, strlen(text), NULL, t, err) < 0)
		return bs_err_set(err, BS_E_INTERNAL, "watermark %s '%s' is not "
				  "a date", what, text);
	*has = 1;
	return 0;
}

static int watermark_open(struct pipe *p, const struct pipe_opts *opts,
			  struct bs_err *err)
{
	const struct map_group_key *keys;
	const char *floor;

	p->mark_col = column_index(p->m, mapping_watermark_column(p->m));
	if (p->mark_col < 0)
		return bs_err_at(err, BS_E_INTERNAL, mapping_file(p->m), 0,
				 "watermark column not among the columns read");
	if (!opts)
		return 0;
	floor = opts->watermark_floor;
	/* a group mapping reads the whole month (or week) the floor is in:
	   a group is only ever sent with all its rows */
	if (floor && mapping_group_keys(p->m, &keys) &&
	    mapping_group_bound(p->m, mapping_watermark_column(p->m), floor, 0,
				p->floor_text) == 0)
		floor = p->floor_text;
	if (instant_opt("floor", floor, &p->has_floor, &p->floor, err) < 0 ||
	    instant_opt("cap", opts->watermark_cap, &p->has_cap, &p->cap,
			err) < 0)
		return -1;
	return 0;
}

/* 1 when the row is below the watermark floor; keeps the latest value. */
static int below_watermark(struct pipe *p, const struct bs_value *v)
{
	struct dt_instant t;
	struct bs_err ignored;

	if (v->kind == BS_V_NULL || !v->len ||
	    dt_parse_instant(v->s, v->len, NULL, &t, &ignored) < 0)
		return 0;
	if (p->has_floor && dt_instant_cmp(&t, &p->floor) < 0)
		return 1;
	if ((!p->has_cap || dt_instant_cmp(&t, &p->cap) <= 0) &&
	    (!p->has_max || dt_instant_cmp(&t, &p->max) > 0)) {
		p->max = t;
		p->has_max = 1;
	}
	return 0;
}

struct pipe *pipe_open(const struct config *cfg, const struct mapping *m,
		       const struct pipe_opts *opts, struct bs_err *err)
{
	struct pipe *p = calloc(1, sizeof(*p));
	const struct map_group_key *keys;
	const struct map_filter *f;
	const char *const *cols;
	size_t ncols;

	if (!p) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	p->m = m;
	p->since_col = -1;
	p->mark_col = -1;
	p->range_filter.name = PIPE_RANGE_FILTER;
	arena_init(&p->arena, 64 * 1024);
	if (opts) {
		p->range.held = opts->held;
		p->range.held_ctx = opts->held_ctx;
		p->range.reading = opts->reading;
		p->range.reading_ctx = opts->reading_ctx;
	}
	if (opts && (opts->since || opts->until)) {
		const char *const *names;
		size_t n = mapping_columns(m, &names), i;

		p->range = *opts;
		/* a group mapping reads whole months or weeks */
		if (mapping_group_keys(m, &keys) && opts->since &&
		    mapping_group_bound(m, mapping_since_column(m), opts->since,
					0, p->since_text) == 0)
			p->range.since = p->since_text;
		if (mapping_group_keys(m, &keys) && opts->until &&
		    mapping_group_bound(m, mapping_since_column(m), opts->until,
					1, p->until_text) == 0)
			p->range.until = p->until_text;
		for (i = 0; mapping_since_column(m) && i < n; i++)
			if (!strcmp(names[i], mapping_since_column(m)))
				p->since_col = (long)i;
		if (p->since_col < 0) {
			bs_err_at(err, BS_E_USAGE, mapping_file(m), 0,
				  "--since/--until need a date column: add "
				  "'since = COLUMN' to [object]");
			pipe_free(p);
			return NULL;
		}
	}
	if (mapping_watermark_column(m) && watermark_open(p, opts, err) < 0) {
		pipe_free(p);
		return NULL;
	}
	p->counts.nfilters = mapping_filters(m, &f);
	p->counts.by_filter = calloc(p->counts.nfilters + 1,
				     sizeof(*p->counts.by_filter));
	if (!p->counts.by_filter) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		pipe_free(p);
		return NULL;
	}
	p->ds = dataset_open(cfg, mapping_source(m), err);
	if (!p->ds) {
		pipe_free(p);
		return NULL;
	}
	if (opts) {
		dataset_watch(p->ds, opts->stop);
		dataset_heads(p->ds, opts->heads);
	}
	ncols = mapping_columns(m, &cols);
	if (dataset_select(p->ds, cols, ncols, err) < 0) {
		pipe_free(p);
		return NULL;
	}
	if (mapping_group_keys(m, &keys) && !(p->ru = rollup_new(m, 0, err))) {
		pipe_free(p);
		return NULL;
	}
	return p;
}

void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	dataset_free(p->ds);
	rollup_free(p->ru);
	arena_release(&p->arena);
	free(p->counts.by_filter);
	free(p);
}

const struct pipe_counts *pipe_counts(const struct pipe *p)
{
	return &p->counts;
}

void pipe_progress(const struct pipe *p, unsigned long long *done,
		   unsigned long long *total)
{
	dataset_progress(p->ds, done, total);
}

const struct mapping *pipe_mapping(const struct pipe *p)
{
	return p->m;
}

const char *pipe_watermark_max(struct pipe *p)
{
	if (!p->has_max)
		return NULL;
	dt_format_iso(&p->max, p->max_text);
	return p->max_text;
}

void pipe_reason_key(const struct bs_err *e, const char *filter, char *buf,
		     size_t size)
{
	const char *s = e->msg;
	size_t n = 0;
	int depth = 0, quoted = 0;

	if (filter) {
		/* the name is quoted in the message, which the key leaves
		   out: it goes first instead, as a field's name does */
		char head[BS_ERR_MSG_MAX];

		snprintf(head, sizeof(head), "filter '%s': ", filter);
		if (!strncmp(s, head, strlen(head)))
			s += strlen(head);
		n = (size_t)snprintf(buf, size, "filter %s: ", filter);
	} else if (e->field[0]) {
		n = (size_t)snprintf(buf, size, "%s: ", e->field);
	}
	if (n >= size)
		n = size - 1;
	for (; *s && n + 1 < size; s++) {
		if (*s == '\'' && !depth) {
			/* "'USD' and 'EUR' in" leaves " in", not " and in" */
			if (quoted && !strncmp(s + 1, " and '", 6))
				s += 4;
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (*s == '(') {
			depth++;
			continue;
		}
		if (*s == ')' && depth) {
			depth--;
			continue;
		}
		if (depth)
			continue;
		if (*s == ' ' && n && buf[n - 1] == ' ')
			continue;
		if (strchr(";:,", *s) && n && buf[n - 1] == ' ')
			n--;   /* "number (details); its" */
		buf[n++] = *s;
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

/* Counts the rejection under its reason; it says which one. */
static void count_reject(struct pipe *p, const struct bs_err *e,
			 const struct map_filter *filter, struct pipe_item *it)
{
	struct pipe_counts *c = &p->counts;
	char *key = p->reason_key;
	size_t i;

	c->rejected++;
	it->status = PIPE_REJECTED;
	it->reason = e;
	it->filter = filter;
	it->reason_key = key;
	pipe_reason_key(e, filter ? filter->name : NULL, key,
			sizeof(p->reason_key));
	for (i = 0; i < c->nreasons; i++) {
		if (!strcmp(c->reasons[i].key, key)) {
			c->reasons[i].count++;
			return;
		}
	}
	if (c->nreasons == PIPE_MAX_REASONS) {
		c->other_reasons++;
		return;
	}
	memcpy(c->reasons[i].key, key, sizeof(c->reasons[i].key));
	c->reasons[i].count = 1;
	snprintf(c->reasons[i].first, sizeof(c->reasons[i].first), "%s:%lu",
		 e->file, e->line);
	c->nreasons++;
}

/* 1 if the row's `since` value lies in [since, until), 0 if not; a value
 * that is not a date rejects the row. */
static int in_range(const struct pipe *p, const struct bs_value *v,
		    struct bs_err *err)
{
	int c;

	if (v->kind == BS_V_NULL || !v->len)
		return 0;
	if (p->range.since &&
	    compare_values(CMP_TIME, v->s, v->len, p->range.since,
			   strlen(p->range.since), &c, err) < 0)
		goto bad;
	if (p->range.since && c < 0)
		return 0;
	if (p->range.until &&
	    compare_values(CMP_TIME, v->s, v->len, p->range.until,
			   strlen(p->range.until), &c, err) < 0)
		goto bad;
	if (p->range.until && c >= 0)
		return 0;
	return 1;
bad:
	bs_err_field(err, mapping_since_column(p->m));
	return -1;
}

/* The next source row through the mapping (for a group mapping, its keys
 * and aggregate inputs). */
static int next_row(struct pipe *p, struct pipe_item *it, struct bs_err *err)
{
	const struct bs_value *vals;
	struct map_result res;
	const struct map_filter *filters;
	int r;

	res.filter = NULL;
	arena_reset(&p->arena);
	memset(it, 0, sizeof(*it));
	bs_err_clear(&p->reason);
	r = dataset_next(p->ds, &p->row, &p->reason);
	if (r == ROWSRC_DONE)
		return 0;
	if (r == ROWSRC_ERROR) {
		*err = p->reason;
		return -1;
	}
	it->seq = p->counts.read++;
	it->src = &p->row;
	if (r == ROWSRC_BAD) {
		p->reason.kind = BS_E_ROW;
		if (!p->reason.file[0])
			bs_err_locate(&p->reason, p->row.file, p->row.line);
		count_reject(p, &p->reason, NULL, it);
		return 1;
	}
	vals = p->row.v;
	if (p->mark_col >= 0 && below_watermark(p, &vals[p->mark_col])) {
		p->counts.below_watermark++;
		it->status = PIPE_BELOW_WATERMARK;
		it->key.kind = BS_V_NULL;
		it->key.s = "";
		return 1;
	}
	if (p->since_col >= 0) {
		int in = in_range(p, &vals[p->since_col], &p->reason);

		if (in < 0)
			goto rejected;
		if (!in) {
			p->counts.filtered++;
			p->counts.by_filter[p->counts.nfilters]++;
			it->status = PIPE_FILTERED;
			it->filter = &p->range_filter;
			it->key.kind = BS_V_NULL;
			it->key.s = "";
			return 1;
		}
	}
	switch (p->ru ? mapping_group_row(p->m, vals, &p->arena, &res,
					  &p->reason) :
		mapping_apply(p->m, vals, &p->arena, &res, &p->reason)) {
	case MAP_SPOILT:      /* into its group, which it rejects */
		p->spoilt = 1;
		/* fall through */
	case MAP_ROW:
		p->counts.mapped++;
		it->status = PIPE_ROW;
		it->out = res.v;
		return 1;
	case MAP_FILTERED:
		p->counts.filtered++;
		mapping_filters(p->m, &filters);
		p->counts.by_filter[res.filter - filters]++;
		it->status = PIPE_FILTERED;
		it->filter = res.filter;
		it->key = res.key;
		it->out = res.v;   /* a group mapping's: the row's keys */
		return 1;
	case MAP_REJECTED:
	rejected:
		bs_err_locate(&p->reason, p->row.file, p->row.line);
		count_reject(p, &p->reason, res.filter, it);
		return 1;
	default:
		*err = p->reason;
		bs_err_locate(err, p->row.file, p->row.line);
		return -1;
	}
}

/* A group that a row spoilt: rejected with that row's file:line. */
static void reject_group(struct pipe *p, const struct rollup_group *g,
			 struct pipe_item *it)
{
	char why[BS_ERR_MSG_MAX];

	memcpy(why, g->reason.msg, sizeof(why));
	/* a total missing a row would be wrong */
	bs_err_set(&p->reason, BS_E_ROW, "%s; its whole group is left out "
		   "(%llu rows)", why, g->rows);
	bs_err_field(&p->reason, g->reason.field);
	bs_err_locate(&p->reason, g->file, g->line);
	count_reject(p, &p->reason, NULL, it);
}

/* A group whose every row a filter left out, or was replaced by a later
 * row of another group (re-dated, its currency corrected): 1 when it is
 * sent all the same, with its emptied totals, because Salesforce holds a
 * record of it (pipe_opts.held); it then stands for one of those rows
 * (a filtered one if any, else a replaced one), so the counts still add
 * up.  0 when it is left out. */
static int emptied_group(struct pipe *p, const struct rollup_group *g,
			 const struct bs_value *out, struct bs_err *err)
{
	long k = mapping_key_index(p->m);
	int held;

	if (!p->range.held || k < 0)
		return 0;
	held = p->range.held(p->range.held_ctx, p->m, out[k].s, out[k].len,
			     err);
	if (held <= 0)
		return held;
	if (!g->filtered) {
		p->moved++;
		return 1;
	}
	p->counts.filtered--;
	p->counts.by_filter[g->filter - 1]--;
	return 1;
}

/* The next group of a group mapping, once every row is in. */
static int next_group(struct pipe *p, struct pipe_item *it, struct bs_err *err)
{
	struct rollup_group g;
	struct map_result res;
	int r;

again:
	arena_reset(&p->arena);
	memset(it, 0, sizeof(*it));
	r = rollup_next(p->ru, &p->arena, &g, err);
	if (r <= 0) {
		p->counts.replaced = rollup_replaced(p->ru) - p->moved;
		return r;
	}
	memset(&p->row, 0, sizeof(p->row));
	p->row.file = g.file;
	p->row.line = g.line;
	p->row.raw = "";      /* the rows are not kept, only file:line */
	it->src = &p->row;
	it->seq = p->counts.mapped + p->counts.rejected;
	if (g.rejected) {
		p->counts.rolled_up += g.rows - 1;
		reject_group(p, &g, it);
		return 1;
	}
	bs_err_clear(&p->reason);
	r = mapping_apply_group(p->m, g.v, &p->arena, &res, &p->reason);
	if (!g.rows && r != MAP_ERROR) {
		r = r == MAP_ROW ? emptied_group(p, &g, res.v, err) : 0;
		if (r < 0)
			return -1;
		if (!r)
			goto again;   /* its rows stay filtered or replaced */
		r = MAP_ROW;
	} else if (g.rows) {
		p->counts.rolled_up += g.rows - 1;
	}
	switch (r) {
	case MAP_ROW:
		p->counts.mapped++;
		it->status = PIPE_ROW;
		it->out = res.v;
		return 1;
	case MAP_REJECTED:
		bs_err_locate(&p->reason, g.file, g.line);
		count_reject(p, &p->reason, NULL, it);
		return 1;
	default:
		*err = p->reason;
		return -1;
	}
}

int pipe_next(struct pipe *p, struct pipe_item *it, struct bs_err *err)
{
	long rk = mapping_row_key(p->m);
	int r;

	if (!p->ru)
		return next_row(p, it, err);
	/* a group mapping: the rows that are not mapped are handed back as
	   they come; mapped ones go into their group */
	while (!p->grouped) {
		r = next_row(p, it, err);
		if (r < 0)
			return -1;
		if (!r) {
			p->grouped = 1;
			if (rollup_finish(p->ru, err) < 0)
				return -1;
			break;
		}
		if (it->status == PIPE_FILTERED && it->out &&
		    it->filter != &p->range_filter) {
			const struct map_filter *filters;

			/* its group knows it: see rollup.h */
			mapping_filters(p->m, &filters);
			if (rollup_add(p->ru, it->src, it->out,
				       rk >= 0 ? &p->row.v[rk] : NULL,
				       (unsigned)(it->filter - filters) + 1,
				       NULL, err) < 0)
				return -1;
			return 1;
		}
		if (it->status != PIPE_ROW)
			return 1;
		p->counts.mapped--;    /* a row, not yet a group */
		if (rollup_add(p->ru, it->src, it->out,
			       rk >= 0 ? &p->row.v[rk] : NULL, 0,
			       p->spoilt ? &p->reason : NULL, err) < 0)
			return -1;
		p->spoilt = 0;
		if (p->range.reading)
			p->range.reading(p->range.reading_ctx, p->counts.read);
	}
	return next_group(p, it, err);
}
