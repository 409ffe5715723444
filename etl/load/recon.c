/* recon.c - matching job results to bulk-file rows and source lines (see
 * recon.h). */
#include "recon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/arena.h"
#include "formats/rowsrc.h"

#define ARENA_BLOCK (256 * 1024)
#define ERROR_TEXT_MAX 4096

enum entry_state { E_ATTEMPT, E_DONE, E_HELD };

struct entry {
	const char *key;
	const char *source;
	unsigned long line;
	unsigned char state;
};

struct recon {
	char *key_field;          /* NULL: rows are not matched */
	int keyed;                /* an index of keys exists */
	struct arena arena;
	struct entry *e;
	size_t n, alloc;
	size_t *slots;            /* open addressing: entry index + 1, 0 empty */
	size_t nslots;
	const char *last_source;
	unsigned long long attempt_rows;
	unsigned long long seen;  /* keyless: result rows of this attempt */
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int grow_slots(struct recon *r)
{
	size_t n = r->nslots ? r->nslots * 2 : 1024, i;
	size_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -1;
	for (i = 0; i < r->n; i++) {
		size_t j = (size_t)hash(r->e[i].key, strlen(r->e[i].key)) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(r->slots);
	r->slots = s;
	r->nslots = n;
	return 0;
}

static long find(const struct recon *r, const char *key, size_t len)
{
	size_t j;

	if (!r->nslots)
		return -1;
	j = (size_t)hash(key, len) & (r->nslots - 1);
	for (; r->slots[j]; j = (j + 1) & (r->nslots - 1)) {
		const struct entry *e = &r->e[r->slots[j] - 1];

		if (!strncmp(e->key, key, len) && e->key[len] == '\0')
			return (long)(r->slots[j] - 1);
	}
	return -1;
}

/* The entry for a key; an 18-character Salesforce id also matches its
 * 15-character form. */
static long lookup(const struct recon *r, const char *key, size_t len)
{
	long i = find(r, key, len);

	if (i < 0 && len == 18)
		i = find(r, key, 15);
	return i;
}

static int add(struct recon *r, const struct bs_value *key,
	       const struct bs_value *src, unsigned long line)
{
	struct entry *e;

	if (!key->len || find(r, key->s, key->len) >= 0)
		return 0;       /* no key, or a key seen before: first wins */
	if ((r->n + 1) * 2 > r->nslots && grow_slots(r) < 0)
		return -1;
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 1024;
		struct entry *ne = realloc(r->e, na * sizeof(*ne));

		if (!ne)
			return -1;
		r->e = ne;
		r->alloc = na;
	}
	e = &r->e[r->n];
	e->key = arena_strndup(&r->arena, key->s, key->len);
	if (!r->last_source || strcmp(r->last_source, src->s))
		r->last_source = arena_strndup(&r->arena, src->s, src->len);
	if (!e->key || !r->last_source)
		return -1;
	e->source = r->last_source;
	e->line = line;
	e->state = E_ATTEMPT;
	{
		size_t j = (size_t)hash(key->s, key->len) & (r->nslots - 1);

		while (r->slots[j])
			j = (j + 1) & (r->nslots - 1);
		r->slots[j] = r->n + 1;
	}
	r->n++;
	return 0;
}

static int load_origin(struct recon *r, const char *origin, struct bs_err *err)
{
	static const char *const cols[] = { "key", "source", "line" };
	struct rowsrc *rs = rowsrc_open(origin, NULL, NULL, err);
	struct rowsrc_row row;
	int st;

	if (!rs)
		return -1;
	if (rowsrc_select(rs, cols, 3, err) < 0) {
		rowsrc_free(rs);
		return -1;
	}
	while ((st = rowsrc_next(rs, &row, err)) != ROWSRC_DONE) {
		if (st == ROWSRC_ERROR) {
			rowsrc_free(rs);
			return -1;
		}
		if (st == ROWSRC_BAD)
			continue;
		if (add(r, &row.v[0], &row.v[1],
			strtoul(row.v[2].s, NULL, 10)) < 0) {
			rowsrc_free(rs);
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
	}
	rowsrc_free(rs);
	return 0;
}

struct recon *recon_open(const char *origin, const char *key_field,
			 unsigned long long rows, struct bs_err *err)
{
	struct recon *r = calloc(1, sizeof(*r));

	if (!r) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	arena_init(&r->arena, ARENA_BLOCK);
	r->attempt_rows = rows;
	if (key_field && origin) {
		r->key_field = arena_strdup(&r->arena, key_field);
		if (!r->key_field || load_origin(r, origin, err) < 0) {
			if (!r->key_field)
				bs_err_set(err, BS_E_NOMEM, "out of memory");
			recon_free(r);
			return NULL;
		}
		r->keyed = 1;
		r->attempt_rows = r->n;
	}
	return r;
}

void recon_free(struct recon *r)
{
	if (!r)
		return;
	arena_release(&r->arena);
	free(r->e);
	free(r->slots);
	free(r);
}

static long column(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(names[i], name))
			return (long)i;
	return -1;
}

static int empty_file(const char *path)
{
	struct stat st;

	return stat(path, &st) != 0 || st.st_size == 0;
}

/* The result-file columns before the record's own: sf__Id and one more. */
static int check_lead(enum sf_result_kind kind, const char *const *names,
		      size_t n, const char *path, struct bs_err *err)
{
	const char *second = kind == SF_RESULTS_SUCCESSFUL ? "sf__Created" :
						   "sf__Error";

	if (kind == SF_RESULTS_UNPROCESSED)
		return 0;
	if (n < 2 || strcmp(names[0], "sf__Id") || strcmp(names[1], second))
		return bs_err_at(err, BS_E_REMOTE, path, 1,
				 "a result file that does not start with "
				 "sf__Id,%s", second);
	return 0;
}

static void fill_row(struct recon_row *out, enum sf_result_kind kind,
		     const struct rowsrc_row *row, size_t lead,
		     const char *const *names, const char *reason,
		     char *errbuf)
{
	memset(out, 0, sizeof(*out));
	out->sf_id = lead ? row->v[0].s : "";
	out->names = names + lead;
	out->values = row->v + lead;
	out->ncols = row->n - lead;
	out->error.code = out->error.message = out->error.fields = "";
	switch (kind) {
	case SF_RESULTS_SUCCESSFUL:
		out->outcome = !strcmp(row->v[1].s, "true") ? RECON_CREATED :
							      RECON_UPDATED;
		break;
	case SF_RESULTS_FAILED:
		out->outcome = RECON_FAILED;
		sf_row_error_parse(row->v[1].s, errbuf, ERROR_TEXT_MAX,
				   &out->error);
		break;
	case SF_RESULTS_UNPROCESSED:
		out->outcome = RECON_UNPROCESSED;
		out->error.message = reason;
		break;
	}
}

static int read_rows(struct recon *r, struct rowsrc *rs,
		     enum sf_result_kind kind, const char *const *names,
		     size_t lead, long keycol, unsigned hold,
		     const char *reason, recon_fn fn, void *ctx,
		     struct bs_err *err)
{
	char errbuf[ERROR_TEXT_MAX];
	struct rowsrc_row row;
	struct recon_row out;
	int st;

	while ((st = rowsrc_next(rs, &row, err)) != ROWSRC_DONE) {
		long i = -1;

		if (st == ROWSRC_ERROR)
			return -1;
		if (st == ROWSRC_BAD || row.n <= lead)
			continue;
		fill_row(&out, kind, &row, lead, names, reason, errbuf);
		if (keycol >= 0) {
			out.key = row.v[keycol].s;
			i = lookup(r, row.v[keycol].s, row.v[keycol].len);
		} else {
			out.key = "";
		}
		if (r->keyed && i >= 0) {
			struct entry *e = &r->e[i];

			if (e->state != E_ATTEMPT)
				continue;   /* not sent in this attempt */
			out.source = e->source;
			out.line = e->line;
			if (((hold & RECON_HOLD_LOCKED) &&
			     out.outcome == RECON_FAILED &&
			     !strcmp(out.error.code, "UNABLE_TO_LOCK_ROW")) ||
			    ((hold & RECON_HOLD_UNPROCESSED) &&
			     out.outcome == RECON_UNPROCESSED)) {
				e->state = E_HELD;
				continue;
			}
			e->state = E_DONE;
		}
		r->seen++;
		if (fn(ctx, &out, err) != 0)
			return -1;
	}
	return 0;
}

int recon_read(struct recon *r, enum sf_result_kind kind, const char *path,
	       unsigned hold, const char *reason, recon_fn fn, void *ctx,
	       struct bs_err *err)
{
	const char *const *names;
	struct rowsrc *rs;
	size_t n, lead = kind == SF_RESULTS_UNPROCESSED ? 0 : 2;
	long keycol;
	int rc;

	if (empty_file(path))
		return 0;
	rs = rowsrc_open(path, NULL, NULL, err);
	if (!rs)
		return -1;
	n = rowsrc_header(rs, &names);
	rc = check_lead(kind, names, n, path, err);
	keycol = rc == 0 ? column(names + lead, n - lead, r->key_field) : -1;
	if (rc == 0 && r->keyed && keycol < 0) {
		/* rows that cannot be matched stay unaccounted for, and
		   recon_end_attempt reports them */
		struct rowsrc_row row;

		/* a job that never got data echoes only the sf__ columns:
		   with no row there is nothing to match */
		if (kind != SF_RESULTS_UNPROCESSED &&
		    (rc = rowsrc_next(rs, &row, err)) != ROWSRC_DONE)
			rc = rc == ROWSRC_ERROR ? -1 :
			     bs_err_at(err, BS_E_REMOTE, path, 1,
				       "a result file without the key column '%s'",
				       r->key_field);
		else
			rc = 0;
	} else if (rc == 0) {
		rc = read_rows(r, rs, kind, names, lead,
			       keycol >= 0 ? keycol + (long)lead : -1,
			       r->keyed ? hold : 0,
			       reason && *reason ? reason :
			       "Salesforce did not process this record",
			       fn, ctx, err);
	}
	rowsrc_free(rs);
	return rc;
}

/* Reports (or holds) the keyed rows of the attempt that no result
 * mentioned, with their records from sent; 1 when sent was read. */
static int end_from_file(struct recon *r, const char *sent, unsigned hold,
			 struct recon_row *out, recon_fn fn, void *ctx,
			 unsigned long long *held, struct bs_err *err)
{
	const char *const *names;
	struct rowsrc_row row;
	struct rowsrc *rs;
	long keycol = -1;
	size_t n;
	int st;

	rs = rowsrc_open(sent, NULL, NULL, err);
	if (!rs)
		return -1;
	n = rowsrc_header(rs, &names);
	if (r->keyed)
		keycol = column(names, n, r->key_field);
	if (r->keyed && keycol < 0) {
		rowsrc_free(rs);
		return bs_err_at(err, BS_E_INPUT, sent, 1,
				 "a bulk file without its key column '%s'",
				 r->key_field);
	}
	while ((st = rowsrc_next(rs, &row, err)) != ROWSRC_DONE) {
		if (st == ROWSRC_ERROR) {
			rowsrc_free(rs);
			return -1;
		}
		if (st == ROWSRC_BAD || row.n != n) {
			bs_err_clear(err);
			continue;
		}
		if (r->keyed) {
			long i = lookup(r, row.v[keycol].s, row.v[keycol].len);
			struct entry *e;

			if (i < 0 || r->e[i].state != E_ATTEMPT)
				continue;   /* accounted for, or not sent */
			e = &r->e[i];
			if (hold & RECON_HOLD_UNPROCESSED) {
				e->state = E_HELD;
				(*held)++;
				continue;
			}
			e->state = E_DONE;
			out->key = e->key;
			out->source = e->source;
			out->line = e->line;
		} else if (r->seen >= r->attempt_rows) {
			break;
		} else {
			r->seen++;
		}
		out->ncols = n;
		out->names = names;
		out->values = row.v;
		if (fn(ctx, out, err) != 0) {
			rowsrc_free(rs);
			return -1;
		}
	}
	rowsrc_free(rs);
	out->ncols = 0;
	out->names = NULL;
	out->values = NULL;
	return 0;
}

int recon_end_attempt(struct recon *r, const char *sent, unsigned hold,
		      const char *reason, recon_fn fn, void *ctx,
		      unsigned long long *held, struct bs_err *err)
{
	struct recon_row out;
	size_t i, left = 0;

	*held = 0;
	memset(&out, 0, sizeof(out));
	out.outcome = RECON_UNPROCESSED;
	out.sf_id = out.error.code = out.error.fields = "";
	out.error.message = reason && *reason ? reason :
			    "no result came back for this record";
	if (!r->keyed) {
		out.key = "";
		/* the rows are known only when no result mentioned any */
		if (sent && r->seen == 0 && r->attempt_rows &&
		    end_from_file(r, sent, 0, &out, fn, ctx, held, err) < 0)
			return -1;
		for (; r->seen < r->attempt_rows; r->seen++)
			if (fn(ctx, &out, err) != 0)
				return -1;
		return 0;
	}
	for (i = 0; i < r->n; i++) {
		if (r->e[i].state == E_HELD)
			(*held)++;
		else if (r->e[i].state == E_ATTEMPT)
			left++;
	}
	if (left && sent &&
	    end_from_file(r, sent, hold, &out, fn, ctx, held, err) < 0)
		return -1;
	for (i = 0; i < r->n; i++) {
		struct entry *e = &r->e[i];

		if (e->state != E_ATTEMPT)
			continue;
		if (hold & RECON_HOLD_UNPROCESSED) {
			e->state = E_HELD;
			(*held)++;
			continue;
		}
		e->state = E_DONE;
		out.key = e->key;
		out.source = e->source;
		out.line = e->line;
		if (fn(ctx, &out, err) != 0)
			return -1;
	}
	return 0;
}

unsigned long long recon_retry(struct recon *r)
{
	size_t i;

	r->attempt_rows = 0;
	r->seen = 0;
	for (i = 0; i < r->n; i++) {
		if (r->e[i].state == E_HELD) {
			r->e[i].state = E_ATTEMPT;
			r->attempt_rows++;
		}
	}
	return r->attempt_rows;
}

int recon_held(void *ctx, const char *key, size_t len)
{
	const struct recon *r = ctx;
	long i = find(r, key, len);

	return i >= 0 && r->e[i].state == E_HELD;
}

unsigned long long recon_attempt_rows(const struct recon *r)
{
	return r->attempt_rows;
}
