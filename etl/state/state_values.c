/* state_values.c - the values each record was last synced with, kept for
 * the field-level diffs of `billsync plan` (see state.h, "Kept values",
 * and docs/state.md, "What the state keeps of each record").
 *
 * Two tables of their own, so that the records table is untouched:
 * value_heads (id, object, names: a bulk file's columns, comma separated,
 * kept once per object and set of columns) and record_values (rec: the
 * record's number as the history has it, history.h; head; vals: a format
 * byte, then each value as a varint length and its bytes, raw-deflated
 * with the plain length first when that is smaller). */
#include "state.h"
#include "state_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/row.h"
#include "formats/sbuf.h"
#include "history.h"

#define DEFLATE_MIN 64       /* shorter encodings are kept as they are */
#define FMT_PLAIN 0
#define FMT_DEFLATE 1
#define SF_PREFIX "sf__"     /* Salesforce's own result columns */

static const char values_schema[] =
	"CREATE TABLE IF NOT EXISTS value_heads (id INTEGER PRIMARY KEY,"
	" object TEXT NOT NULL, names TEXT NOT NULL, UNIQUE (object, names));"
	"CREATE TABLE IF NOT EXISTS record_values (rec INTEGER PRIMARY KEY,"
	" head INTEGER NOT NULL, vals BLOB NOT NULL);";

enum { V_PUT, V_GET, V_HEAD_ID, V_HEAD_ADD, V_FORGET, V_FORGET_DELETED,
       V_HAS_HEAD, V_FORGET_OBJECT, V_FORGET_HEADS, V_COUNT };

static const char *const v_sql[V_COUNT] = {
	[V_PUT] = "INSERT OR REPLACE INTO record_values (rec, head, vals) "
		  "VALUES (?1, ?2, ?3)",
	[V_GET] = "SELECT v.vals, h.names FROM record_values v JOIN "
		  "value_heads h ON h.id = v.head WHERE v.rec = ?1 AND "
		  "h.object = ?2",
	[V_HEAD_ID] = "SELECT id FROM value_heads WHERE object = ?1 AND "
		      "names = ?2",
	[V_HEAD_ADD] = "INSERT INTO value_heads (object, names) VALUES (?1, ?2)",
	[V_FORGET] = "DELETE FROM record_values WHERE rec = ?1",
	[V_FORGET_DELETED] = "DELETE FROM record_values WHERE rec = bs_rec(?1, "
			     "(SELECT key FROM deletes WHERE run = ?2 AND "
			     "object = ?1 AND sf_id = ?3))",
	[V_HAS_HEAD] = "SELECT 1 FROM value_heads WHERE object = ?1 LIMIT 1",
	[V_FORGET_OBJECT] = "DELETE FROM record_values WHERE head IN (SELECT "
			    "id FROM value_heads WHERE object = ?1)",
	[V_FORGET_HEADS] = "DELETE FROM value_heads WHERE object = ?1",
};

struct state_vals {
	sqlite3_stmt *q[V_COUNT];    /* prepared when first used */
	int absent;                  /* a database without the tables (one a
					reader opened, written before them) */
	char *head_object;           /* the head last looked up: object, */
	struct sbuf head_names;      /* names */
	long long head;              /* and id (0: none) */
	char *forgotten;             /* the object last forgotten */
	struct sbuf names, enc, plain; /* work buffers */
	z_stream def, inf;
	int def_on, inf_on;
	const char **got_names;      /* state_values_get's answer */
	struct bs_value *got_values;
	size_t got_cap;
};

/* ---- the handle's part --------------------------------------------------- */

int state_values_setup(struct state *st, struct bs_err *err)
{
	return state_exec(st, values_schema, err);
}

void state_values_release(struct state *st)
{
	struct state_vals *v = st->vals;
	size_t i;

	if (!v)
		return;
	for (i = 0; i < V_COUNT; i++)
		sqlite3_finalize(v->q[i]);
	if (v->def_on)
		deflateEnd(&v->def);
	if (v->inf_on)
		inflateEnd(&v->inf);
	free(v->head_object);
	free(v->forgotten);
	sbuf_release(&v->head_names);
	sbuf_release(&v->names);
	sbuf_release(&v->enc);
	sbuf_release(&v->plain);
	free(v->got_names);
	free(v->got_values);
	free(v);
	st->vals = NULL;
}

static int nomem(struct bs_err *err)
{
	return bs_err_set(err, BS_E_NOMEM, "out of memory");
}

static struct state_vals *vals_of(struct state *st, struct bs_err *err)
{
	if (!st->vals) {
		st->vals = calloc(1, sizeof(*st->vals));
		if (!st->vals) {
			nomem(err);
			return NULL;
		}
		sbuf_init(&st->vals->head_names, 0);
		sbuf_init(&st->vals->names, 0);
		sbuf_init(&st->vals->enc, 0);
		sbuf_init(&st->vals->plain, 0);
	}
	return st->vals;
}

/* Statement i, reset with its bindings cleared; NULL with err, or NULL
 * with v->absent set when the tables are not there. */
static sqlite3_stmt *stmt(struct state *st, int i, struct bs_err *err)
{
	struct state_vals *v = vals_of(st, err);

	if (!v || v->absent)
		return NULL;
	if (!v->q[i] && sqlite3_prepare_v2(st->db, v_sql[i], -1, &v->q[i],
					   NULL) != SQLITE_OK) {
		if (strstr(sqlite3_errmsg(st->db), "no such table"))
			v->absent = 1;
		else
			state_db_error(st, err, "prepare kept values");
		return NULL;
	}
	sqlite3_reset(v->q[i]);
	sqlite3_clear_bindings(v->q[i]);
	return v->q[i];
}

/* Steps q to its end (reset after); 0 or -1 with err. */
static int done(struct state *st, sqlite3_stmt *q, struct bs_err *err)
{
	int r = sqlite3_step(q);

	sqlite3_reset(q);
	return r == SQLITE_DONE ? 0 : state_db_error(st, err, "kept values");
}

static long long rec_of(const char *object, const char *key, size_t klen)
{
	return history_rec(object, strlen(object), key, klen);
}

/* ---- encoding -------------------------------------------------------------- */

static int put_varint(struct sbuf *sb, size_t n)
{
	unsigned char b[10];
	size_t i = 0;

	do {
		b[i] = (unsigned char)(n & 0x7f);
		n >>= 7;
		if (n)
			b[i] |= 0x80;
		i++;
	} while (n);
	return sbuf_add(sb, (const char *)b, i);
}

static int get_varint(const unsigned char **p, const unsigned char *end,
		      size_t *n)
{
	unsigned shift = 0;

	*n = 0;
	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;

		*n |= (size_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static int kept_column(const char *name)
{
	return strncmp(name, SF_PREFIX, strlen(SF_PREFIX)) != 0;
}

/* v->enc: the format byte and the values of the kept columns, deflated
 * when that is smaller. */
static int encode(struct state_vals *v, size_t n,
		  const char *const *names, const struct bs_value *values)
{
	size_t i, bound;
	int r;

	sbuf_reset(&v->plain);
	for (i = 0; i < n; i++)
		if (kept_column(names[i]) &&
		    (put_varint(&v->plain, values[i].len) < 0 ||
		     sbuf_add(&v->plain, values[i].s, values[i].len) < 0))
			return -1;
	sbuf_reset(&v->enc);
	if (v->plain.len < DEFLATE_MIN)
		goto plain;
	if (!v->def_on) {
		memset(&v->def, 0, sizeof(v->def));
		if (deflateInit2(&v->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15,
				 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		v->def_on = 1;
	} else if (deflateReset(&v->def) != Z_OK) {
		return -1;
	}
	bound = deflateBound(&v->def, v->plain.len);
	if (sbuf_addc(&v->enc, FMT_DEFLATE) < 0 ||
	    put_varint(&v->enc, v->plain.len) < 0 ||
	    sbuf_grow(&v->enc, bound) < 0)
		return -1;
	v->def.next_in = (unsigned char *)v->plain.buf;
	v->def.avail_in = (unsigned)v->plain.len;
	v->def.next_out = (unsigned char *)v->enc.buf + v->enc.len;
	v->def.avail_out = (unsigned)bound;
	r = deflate(&v->def, Z_FINISH);
	if (r == Z_STREAM_END && v->def.total_out + v->enc.len < v->plain.len) {
		v->enc.len += v->def.total_out;
		return 0;
	}
	sbuf_reset(&v->enc);
plain:
	if (sbuf_addc(&v->enc, FMT_PLAIN) < 0 ||
	    sbuf_add(&v->enc, v->plain.buf, v->plain.len) < 0)
		return -1;
	return 0;
}

/* ---- heads ----------------------------------------------------------------- */

/* v->names: the kept columns of names, comma separated. */
static int head_text(struct state_vals *v, size_t n, const char *const *names)
{
	size_t i;
	int first = 1;

	sbuf_reset(&v->names);
	for (i = 0; i < n; i++) {
		if (!kept_column(names[i]))
			continue;
		if ((!first && sbuf_addc(&v->names, ',') < 0) ||
		    sbuf_adds(&v->names, names[i]) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

/* The id of the head (object, v->names), made when new. */
static long long head_id(struct state *st, struct state_vals *v,
			 const char *object, struct bs_err *err)
{
	sqlite3_stmt *q;
	long long id = 0;
	int r;

	if (v->head && !strcmp(v->head_object, object) &&
	    v->head_names.len == v->names.len &&
	    !memcmp(v->head_names.buf, v->names.buf, v->names.len))
		return v->head;
	if (!(q = stmt(st, V_HEAD_ID, err)))
		return -1;
	sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, v->names.buf, (int)v->names.len, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return state_db_error(st, err, "read a head of kept values");
	if (!id) {
		if (!(q = stmt(st, V_HEAD_ADD, err)))
			return -1;
		sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, v->names.buf, (int)v->names.len,
				  SQLITE_STATIC);
		if (done(st, q, err) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(st->db);
	}
	free(v->head_object);
	v->head_object = strdup(object);
	sbuf_reset(&v->head_names);
	if (!v->head_object ||
	    sbuf_add(&v->head_names, v->names.buf, v->names.len) < 0) {
		v->head = 0;
		return nomem(err);
	}
	v->head = id;
	return id;
}

/* ---- keeping, forgetting ------------------------------------------------- */

static int forget(struct state *st, long long rec, struct bs_err *err)
{
	sqlite3_stmt *q = stmt(st, V_FORGET, err);

	if (!q)
		return st->vals && st->vals->absent ? 0 : -1;
	sqlite3_bind_int64(q, 1, rec);
	return done(st, q, err);
}

int state_values_keep(struct state *st, const char *object, const char *key,
		      size_t n, const char *const *names,
		      const struct bs_value *values, struct bs_err *err)
{
	struct state_vals *v = vals_of(st, err);
	long long rec = rec_of(object, key, strlen(key)), head;
	sqlite3_stmt *q;

	if (!v)
		return -1;
	if (!n)   /* what Salesforce took is not known: nothing is kept */
		return forget(st, rec, err);
	if (head_text(v, n, names) < 0 || encode(v, n, names, values) < 0)
		return nomem(err);
	head = head_id(st, v, object, err);
	if (head < 0 || !(q = stmt(st, V_PUT, err)))
		return -1;
	sqlite3_bind_int64(q, 1, rec);
	sqlite3_bind_int64(q, 2, head);
	sqlite3_bind_blob(q, 3, v->enc.buf, (int)v->enc.len, SQLITE_STATIC);
	return done(st, q, err);
}

int state_values_forget_object(struct state *st, const char *object,
			       struct bs_err *err)
{
	struct state_vals *v = vals_of(st, err);
	sqlite3_stmt *q;
	int r;

	if (!v)
		return -1;
	if (v->forgotten && !strcmp(v->forgotten, object))
		return 0;
	if (!(q = stmt(st, V_HAS_HEAD, err)))
		return v->absent ? 0 : -1;
	sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return state_db_error(st, err, "read the heads of kept values");
	if (r == SQLITE_ROW) {
		if (!(q = stmt(st, V_FORGET_OBJECT, err)))
			return -1;
		sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
		if (done(st, q, err) < 0 || !(q = stmt(st, V_FORGET_HEADS, err)))
			return -1;
		sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
		if (done(st, q, err) < 0)
			return -1;
		v->head = 0;
	}
	free(v->forgotten);
	v->forgotten = strdup(object);
	return v->forgotten ? 0 : nomem(err);
}

int state_values_forget_deleted(struct state *st, long long run,
				const char *object, const char *sf_id,
				struct bs_err *err)
{
	sqlite3_stmt *q = stmt(st, V_FORGET_DELETED, err);

	if (!q)
		return st->vals && st->vals->absent ? 0 : -1;
	sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, run);
	sqlite3_bind_text(q, 3, sf_id, -1, SQLITE_STATIC);
	return done(st, q, err);
}

/* ---- reading --------------------------------------------------------------- */

/* v->plain: the values of blob, inflated when they are deflated. */
static int decode(struct state_vals *v, const unsigned char *b, size_t len)
{
	const unsigned char *end = b + len;
	size_t plain;

	sbuf_reset(&v->plain);
	if (!len)
		return -1;
	if (*b == FMT_PLAIN)
		return sbuf_add(&v->plain, b + 1, len - 1);
	b++;
	if (get_varint(&b, end, &plain) < 0 || sbuf_grow(&v->plain, plain) < 0)
		return -1;
	if (!v->inf_on) {
		memset(&v->inf, 0, sizeof(v->inf));
		if (inflateInit2(&v->inf, -15) != Z_OK)
			return -1;
		v->inf_on = 1;
	} else if (inflateReset(&v->inf) != Z_OK) {
		return -1;
	}
	v->inf.next_in = (unsigned char *)b;
	v->inf.avail_in = (unsigned)(end - b);
	v->inf.next_out = (unsigned char *)v->plain.buf;
	v->inf.avail_out = (unsigned)plain;
	if (inflate(&v->inf, Z_FINISH) != Z_STREAM_END ||
	    v->inf.total_out != plain)
		return -1;
	v->plain.len = plain;
	return 0;
}

/* The names (comma separated; split in v->names) and the values of
 * v->plain (each copied into v->enc with a NUL after it) into the answer
 * arrays; their count, or -1. */
static long split(struct state_vals *v, const char *names, size_t nlen)
{
	const unsigned char *p, *end;
	size_t n = 1, i, len;
	char *s;

	sbuf_reset(&v->names);
	sbuf_reset(&v->enc);
	if (sbuf_add(&v->names, names, nlen) < 0)
		return -1;
	for (i = 0; i < nlen; i++)
		n += names[i] == ',';
	if (n > v->got_cap) {
		const char **gn = realloc(v->got_names, n * sizeof(*gn));
		struct bs_value *gv;

		if (gn)
			v->got_names = gn;
		gv = gn ? realloc(v->got_values, n * sizeof(*gv)) : NULL;
		if (!gv)
			return -1;
		v->got_values = gv;
		v->got_cap = n;
	}
	p = (const unsigned char *)v->plain.buf;
	end = p + v->plain.len;
	s = v->names.buf;
	for (i = 0; i < n; i++) {
		char *comma = strchr(s, ',');

		if (comma)
			*comma = '\0';
		v->got_names[i] = s;
		s = comma ? comma + 1 : s + strlen(s);
		if (get_varint(&p, end, &len) < 0 || len > (size_t)(end - p))
			return -1;
		v->got_values[i].len = len;
		v->got_values[i].kind = len ? BS_V_TEXT : BS_V_NULL;
		v->got_values[i].s = (const char *)(uintptr_t)v->enc.len;
		if (sbuf_add(&v->enc, p, len) < 0 || sbuf_addc(&v->enc, 0) < 0)
			return -1;
		p += len;
	}
	for (i = 0; i < n; i++)   /* offsets into v->enc, now that it is whole */
		v->got_values[i].s = v->enc.buf +
				     (uintptr_t)v->got_values[i].s;
	return p == end ? (long)n : -1;
}

int state_values_get(struct state *st, const char *object, const char *key,
		     size_t key_len, struct state_values *out,
		     struct bs_err *err)
{
	sqlite3_stmt *q = stmt(st, V_GET, err);
	struct state_vals *v = st->vals;
	long n = -1;
	int r;

	memset(out, 0, sizeof(*out));
	if (!q)
		return v && v->absent ? 0 : -1;
	sqlite3_bind_int64(q, 1, rec_of(object, key, key_len));
	sqlite3_bind_text(q, 2, object, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW &&
	    decode(v, sqlite3_column_blob(q, 0),
		   (size_t)sqlite3_column_bytes(q, 0)) == 0)
		n = split(v, (const char *)sqlite3_column_text(q, 1),
			  (size_t)sqlite3_column_bytes(q, 1));
	sqlite3_reset(q);
	if (r == SQLITE_DONE)
		return 0;
	if (r != SQLITE_ROW)
		return state_db_error(st, err, "read kept values");
	if (n < 0)
		return bs_err_set(err, BS_E_IO, "state database: the kept values "
				  "of %s %.*s cannot be read", object,
				  (int)key_len, key);
	out->n = (size_t)n;
	out->names = v->got_names;
	out->values = v->got_values;
	return 1;
}

int state_values_size(struct state *st, unsigned long long *records,
		      unsigned long long *bytes, struct bs_err *err)
{
	sqlite3_stmt *q;

	*records = *bytes = 0;
	(void)err;
	if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM "
			       "record_values), (SELECT sum(pgsize) FROM dbstat "
			       "WHERE name IN ('record_values', 'value_heads', "
			       "'sqlite_autoindex_value_heads_1'))", -1, &q,
			       NULL) != SQLITE_OK)
		return 0;   /* SQLite without its dbstat table: not known */
	if (sqlite3_step(q) == SQLITE_ROW) {
		*records = (unsigned long long)sqlite3_column_int64(q, 0);
		*bytes = (unsigned long long)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return 0;
}
