/* state_scan.c - an object's records read in key order, for keys asked in
 * that order (see state.h, "records in key order"). */
#include "state.h"
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* A key at most this many records past the one the scan is on is reached
 * by stepping to it; one further away by a probe from the root (which
 * costs about as much as this many steps). */
#define SCAN_STEPS 16

struct state_scan {
	struct state *st;
	sqlite3_stmt *q;        /* the object's records from a key on */
	int sought;             /* q was positioned by a probe */
	int on_row;             /* q is on a record (0: past the object's last) */
	char *prev;             /* the key asked last (order check) */
	size_t prev_len, prev_alloc;
};

int state_scan_open(struct state *st, const char *object,
		    struct state_scan **out, struct bs_err *err)
{
	long long obj = state_object_id(st, object, 0, err);
	struct state_scan *sc;

	*out = NULL;
	if (obj <= 0)
		return obj < 0 ? -1 : 0;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	sc->st = st;
	if (sqlite3_prepare_v2(st->db, "SELECT key, status, hash, attempts "
			       "FROM recs WHERE obj = ?1 AND key >= ?2 "
			       "ORDER BY key", -1, &sc->q, NULL) != SQLITE_OK) {
		state_db_error(st, err, "prepare");
		state_scan_close(sc);
		return -1;
	}
	sqlite3_bind_int64(sc->q, 1, obj);
	*out = sc;
	return 0;
}

/* a against b as SQLite's BINARY collation orders text */
static int key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : alen < blen ? -1 : alen > blen;
}

/* The next record (or the first at or after key, when key is not NULL). */
static int advance(struct state_scan *sc, const char *key, size_t len,
		   struct bs_err *err)
{
	int rc;

	if (key) {
		sqlite3_reset(sc->q);
		sqlite3_bind_text(sc->q, 2, key, (int)len, SQLITE_TRANSIENT);
		sc->sought = 1;
	}
	rc = sqlite3_step(sc->q);
	sc->on_row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_db_error(sc->st, err, "read records in key order");
	return 0;
}

static int remember(struct state_scan *sc, const char *key, size_t len,
		    struct bs_err *err)
{
	if (sc->sought && key_cmp(sc->prev, sc->prev_len, key, len) > 0)
		return bs_err_set(err, BS_E_INTERNAL, "records in key order: "
				  "a key asked after a greater one");
	if (len + 1 > sc->prev_alloc) {
		char *p = realloc(sc->prev, len + 1);

		if (!p)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		sc->prev = p;
		sc->prev_alloc = len + 1;
	}
	memcpy(sc->prev, key, len);
	sc->prev_len = len;
	return 0;
}

int state_scan_get(struct state_scan *sc, const char *key, size_t key_len,
		   struct state_record *r, struct bs_err *err)
{
	int n, c;

	if (remember(sc, key, key_len, err) < 0 ||
	    (!sc->sought && advance(sc, key, key_len, err) < 0))
		return -1;
	for (n = 0;; n++) {
		if (!sc->on_row)
			return 0;   /* past the object's last record */
		c = key_cmp(sqlite3_column_text(sc->q, 0),
			    (size_t)sqlite3_column_bytes(sc->q, 0), key, key_len);
		if (c == 0) {
			state_record_read(sc->q, 1, r);
			return 1;
		}
		if (c > 0)
			return 0;
		if (advance(sc, n < SCAN_STEPS ? NULL : key, key_len, err) < 0)
			return -1;
	}
}

void state_scan_close(struct state_scan *sc)
{
	if (!sc)
		return;
	sqlite3_finalize(sc->q);
	free(sc->prev);
	free(sc);
}
