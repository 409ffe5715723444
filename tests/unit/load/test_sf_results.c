/* test_sf_results.c - matching result files to source rows (recon), the
 * export directory's manifest (bulkdir), and bulk-file bodies and row
 * copies (bulkfile). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "tap.h"
#include "export/bulkdir.h"
#include "export/bulkfile.h"
#include "load/recon.h"

static char dir[] = "/tmp/billsync-results-XXXXXX";

static const char *path_of(const char *name)
{
	static char p[16][512];
	static int i;

	i = (i + 1) % 16;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static const char *put(const char *name, const char *text)
{
	const char *p = path_of(name);
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
	return p;
}

static const char *put_gz(const char *name, const char *text)
{
	const char *p = path_of(name);
	gzFile g = gzopen(p, "wb");

	gzwrite(g, text, (unsigned)strlen(text));
	gzclose(g);
	return p;
}

/* ---- recon ---------------------------------------------------------- */

#define LOCKS RECON_HOLD_LOCKED

struct seen {
	char lines[16][256];
	char records[16][256];        /* the record: "Name=value;..." */
	int n;
};

static int collect(void *ctx, const struct recon_row *r, struct bs_err *err)
{
	static const char *const names[] = { "created", "updated", "failed",
					     "unprocessed" };
	struct seen *s = ctx;

	(void)err;
	if (s->n < 16)
		snprintf(s->lines[s->n++], 256, "%s %s %s:%lu %s %s|%s|%s",
			 names[r->outcome], r->key, r->source ? r->source : "?",
			 r->line, r->sf_id, r->error.code, r->error.message,
			 r->error.fields);
	if (s->n <= 16) {
		char *rec = s->records[s->n - 1];
		size_t i, used = 0;

		rec[0] = '\0';
		for (i = 0; i < r->ncols && used < 200; i++)
			used += (size_t)snprintf(rec + used, 256 - used, "%s%s=%s",
						 i ? ";" : "", r->names[i],
						 r->values[i].s);
	}
	return 0;
}

static void test_recon_keyed(void)
{
	const char *origin = put("o.csv", "key,source,line\nk1,a.csv,2\nk2,a.csv,3\n"
				 "k3,b.csv,7\nk4,b.csv,9\n");
	const char *ok = put("s.csv", "\"sf__Id\",\"sf__Created\",Key,Name\n"
			     "\"a01A\",\"true\",\"k1\",\"x\"\n"
			     "\"a01B\",\"false\",\"k2\",\"y\"\n");
	const char *bad = put("f.csv", "\"sf__Id\",\"sf__Error\",Key,Name\n"
			      "\"\",\"UNABLE_TO_LOCK_ROW:unable to obtain exclusive "
			      "access to this record:--\",\"k3\",\"z\"\n");
	const char *none = put("u.csv", "Key,Name\n");
	const char *bad2 = put("f2.csv", "\"sf__Id\",\"sf__Error\",Key,Name\n"
			       "\"\",\"REQUIRED_FIELD_MISSING:Required fields are "
			       "missing: [Name]:Name --\",\"k3\",\"\"\n");
	struct seen s;
	struct bs_err e;
	unsigned long long held;
	struct recon *r;

	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Key", 4, &e);
	REQUIRE(r != NULL);
	CHECK_INT(recon_attempt_rows(r), 4);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_read(r, SF_RESULTS_FAILED, bad, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_read(r, SF_RESULTS_UNPROCESSED, none, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_read(r, SF_RESULTS_UNPROCESSED, path_of("missing.csv"), LOCKS,
			     NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, NULL, 0, "job Failed: x", collect, &s, &held,
				    &e), 0);
	CHECK_INT(held, 1);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.lines[0], "created k1 a.csv:2 a01A ||");
	CHECK_STR(s.lines[1], "updated k2 a.csv:3 a01B ||");
	CHECK_STR(s.lines[2], "unprocessed k4 b.csv:9  |job Failed: x|");
	CHECK_INT(recon_held(r, "k3", 2), 1);
	CHECK_INT(recon_held(r, "k1", 2), 0);
	CHECK_INT(recon_held(r, "nope", 4), 0);
	/* the retry: only k3 is expected now */
	CHECK_INT(recon_retry(r), 1);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(s.n, 3);   /* k1, k2 were not in this attempt */
	CHECK_INT(recon_read(r, SF_RESULTS_FAILED, bad2, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, NULL, 0, NULL, collect, &s, &held, &e), 0);
	CHECK_INT(held, 0);
	CHECK_INT(s.n, 4);
	CHECK_STR(s.lines[3], "failed k3 b.csv:7  REQUIRED_FIELD_MISSING|Required "
		  "fields are missing: [Name]|Name");
	recon_free(r);

	/* a bad result header is an error, not silence */
	r = recon_open(origin, "Key", 4, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, none, LOCKS, NULL, collect, &s, &e),
		  -1);
	CHECK_CONTAINS(e.msg, "sf__Id,sf__Created");
	recon_free(r);

	/* a job that never got data echoes only the sf__ columns: nothing to
	   match, and every row is left for recon_end_attempt; with a row,
	   a missing key column is an error */
	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Key", 4, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL,
			     put("s0.csv", "\"sf__Id\",\"sf__Created\"\n"), 1,
			     NULL, collect, &s, &e), 0);
	CHECK_INT(recon_read(r, SF_RESULTS_FAILED,
			     put("f0.csv", "\"sf__Id\",\"sf__Error\"\n"), 1,
			     NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, NULL, 0, "job Failed: Timeout", collect,
				    &s, &held, &e), 0);
	CHECK_INT(s.n, 4);
	CHECK_STR(s.lines[0], "unprocessed k1 a.csv:2  |job Failed: Timeout|");
	recon_free(r);
	r = recon_open(origin, "Key", 4, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL,
			     put("s1.csv", "\"sf__Id\",\"sf__Created\"\n"
				 "\"a01A\",\"true\"\n"), 1, NULL, collect, &s,
			     &e), -1);
	CHECK_CONTAINS(e.msg, "without the key column 'Key'");
	recon_free(r);
}

static void test_recon_ids_and_keyless(void)
{
	const char *origin = put("o2.csv", "key,source,line\n0018c00002FInbo,a.csv,2\n");
	const char *ok = put("s2.csv", "\"sf__Id\",\"sf__Created\",Id\n"
			     "\"0018c00002FInboAAD\",\"false\",\"0018c00002FInboAAD\"\n");
	struct seen s;
	struct bs_err e;
	unsigned long long held;
	struct recon *r;

	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Id", 1, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, NULL, 0, NULL, collect, &s, &held, &e), 0);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.lines[0], "updated 0018c00002FInboAAD a.csv:2 0018c00002FInboAAD ||");
	recon_free(r);

	/* insert: no keys; the missing rows are still counted */
	memset(&s, 0, sizeof(s));
	r = recon_open(NULL, NULL, 3, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, LOCKS, NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, NULL, 0, NULL, collect, &s, &held, &e), 0);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.lines[0], "updated  ?:0 0018c00002FInboAAD ||");
	CHECK_STR(s.lines[2], "unprocessed  ?:0  |no result came back for this record|");
	recon_free(r);
}

/* Rows no result mentions (a refused job, a row missing from every
 * result set) are reported with the record as the bulk file sent it. */
static void test_recon_records_from_sent(void)
{
	const char *origin = put("o3.csv", "key,source,line\nk1,a.csv,2\n"
				 "k2,a.csv,3\nk3,a.csv,4\n");
	const char *sent = put_gz("sent.csv.gz", "Key,Name,Parent__r.Key\n"
				  "k1,One,p1\nk2,\"Two, Ltd\",p2\nk3,Three,\n");
	const char *ok = put("s3.csv", "\"sf__Id\",\"sf__Created\",Key,Name\n"
			     "\"a01A\",\"true\",\"k1\",\"One\"\n");
	struct seen s;
	struct bs_err e;
	unsigned long long held;
	struct recon *r;

	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Key", 3, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, 0, NULL, collect, &s, &e),
		  0);
	CHECK_INT(recon_end_attempt(r, sent, 0, "job Aborted", collect, &s, &held,
				    &e), 0);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.lines[1], "unprocessed k2 a.csv:3  |job Aborted|");
	CHECK_STR(s.records[1], "Key=k2;Name=Two, Ltd;Parent__r.Key=p2");
	CHECK_STR(s.records[2], "Key=k3;Name=Three;Parent__r.Key=");
	recon_free(r);

	/* a refused job: every row, with its record */
	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Key", 3, &e);
	CHECK_INT(recon_end_attempt(r, sent, 0, "refused", collect, &s, &held, &e),
		  0);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.records[0], "Key=k1;Name=One;Parent__r.Key=p1");
	recon_free(r);

	/* insert (no keys): known only when no result mentioned any row */
	memset(&s, 0, sizeof(s));
	r = recon_open(NULL, NULL, 3, &e);
	CHECK_INT(recon_end_attempt(r, sent, 0, "refused", collect, &s, &held, &e),
		  0);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.records[2], "Key=k3;Name=Three;Parent__r.Key=");
	recon_free(r);
}

/* A job the daily allocation stopped: the rows it processed keep their
 * outcomes, the others (unprocessed, or in no result) are held and go
 * into a gzipped retry file byte for byte. */
static void test_recon_hold_unprocessed(void)
{
	const char *origin = put("o4.csv", "key,source,line\nk1,a.csv,2\n"
				 "k2,a.csv,3\nk3,a.csv,4\nk4,a.csv,5\n");
	const char *sent = put_gz("sent4.csv.gz", "Key,Name\nk1,One\n"
				  "k2,\"Two\nlines\"\nk3,Three\nk4,Four\n");
	const char *ok = put("s4.csv", "\"sf__Id\",\"sf__Created\",Key,Name\n"
			     "\"a01A\",\"true\",\"k1\",\"One\"\n");
	const char *un = put("u4.csv", "Key,Name\nk3,Three\n");
	char buf[512];
	struct seen s;
	struct bs_err e;
	unsigned long long held, rows;
	gzFile g;
	struct recon *r;
	int n;

	memset(&s, 0, sizeof(s));
	r = recon_open(origin, "Key", 4, &e);
	CHECK_INT(recon_read(r, SF_RESULTS_SUCCESSFUL, ok, RECON_HOLD_UNPROCESSED,
			     NULL, collect, &s, &e), 0);
	CHECK_INT(recon_read(r, SF_RESULTS_UNPROCESSED, un, RECON_HOLD_UNPROCESSED,
			     NULL, collect, &s, &e), 0);
	CHECK_INT(recon_end_attempt(r, sent, RECON_HOLD_UNPROCESSED, "quota",
				    collect, &s, &held, &e), 0);
	CHECK_INT(s.n, 1);                  /* k1 only: the rest waits */
	CHECK_INT(held, 3);
	CHECK_INT(bulkfile_copy_rows(sent, "Key", recon_held, r,
				     path_of("retry.csv.gz"), &rows, &e), 0);
	CHECK_INT(rows, 3);
	g = gzopen(path_of("retry.csv.gz"), "rb");
	n = g ? gzread(g, buf, sizeof(buf) - 1) : -1;
	if (g)
		gzclose(g);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, "Key,Name\nk2,\"Two\nlines\"\nk3,Three\nk4,Four\n");
	CHECK_INT(recon_retry(r), 3);
	recon_free(r);
}

/* ---- bulkfile ------------------------------------------------------- */

static const char csv_text[] =
	"OrbId__c,Name,Memo__c\n"
	"a,Alpha,plain\n"
	"b,\"Beta, Inc.\",\"two\nlines\"\n"
	"c,Gamma,\"say \"\"hi\"\"\"\n";

static size_t read_all(struct bulkfile_body *b, char *buf, size_t size)
{
	struct bs_err e;
	size_t n = 0;
	ssize_t got;

	while ((got = bulkfile_body_read(b, buf + n, size - n < 7 ? size - n : 7,
					 &e)) > 0)
		n += (size_t)got;
	return n;
}

static int want_bc(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	return len == 1 && (key[0] == 'b' || key[0] == 'c');
}

static void test_bulkfile(void)
{
	const char *gz = put_gz("x.csv.gz", csv_text);
	char buf[4096];
	struct bulkfile_body *b;
	struct bs_err e;
	unsigned long long rows;
	FILE *f;
	size_t n;

	b = bulkfile_body_open(gz, 0, &e);
	CHECK(b != NULL);
	if (b) {
		CHECK_INT(bulkfile_body_gzip(b), 0);
		CHECK_INT(bulkfile_body_len(b), strlen(csv_text));
		n = read_all(b, buf, sizeof(buf));
		CHECK(n == strlen(csv_text) && !memcmp(buf, csv_text, n));
		CHECK_INT(bulkfile_body_rewind(b, &e), 0);
		CHECK_INT(read_all(b, buf, sizeof(buf)), strlen(csv_text));
		bulkfile_body_free(b);
	}
	b = bulkfile_body_open(gz, 1, &e);
	CHECK(b != NULL);
	if (b) {
		CHECK_INT(bulkfile_body_gzip(b), 1);
		n = read_all(b, buf, sizeof(buf));
		CHECK_INT(n, bulkfile_body_len(b));
		CHECK(n > 2 && (unsigned char)buf[0] == 0x1f &&
		      (unsigned char)buf[1] == 0x8b);
		bulkfile_body_free(b);
	}
	CHECK(bulkfile_body_open(path_of("nope.csv.gz"), 1, &e) == NULL);
	CHECK_INT(e.kind, BS_E_IO);

	CHECK_INT(bulkfile_copy_rows(gz, "OrbId__c", want_bc, NULL,
				     path_of("retry.csv"), &rows, &e), 0);
	CHECK_INT(rows, 2);
	f = fopen(path_of("retry.csv"), "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK_STR(buf, "OrbId__c,Name,Memo__c\n"
		  "b,\"Beta, Inc.\",\"two\nlines\"\n"
		  "c,Gamma,\"say \"\"hi\"\"\"\n");
	CHECK_INT(bulkfile_copy_rows(gz, "Nope__c", want_bc, NULL,
				     path_of("retry2.csv"), &rows, &e), -1);
}

/* ---- bulkdir -------------------------------------------------------- */

static const char *manifest(const char *objects)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"format\": \"billsync-export/1\", "
		 "\"objects\": [%s]}", objects);
	return put("manifest.json", text);
}

#define FILE_ENTRY(p) "{\"path\": \"" p "\", \"origin\": \"o.csv\", \"rows\": 3}"

static const char *load_error(const char *objects)
{
	static struct bs_err e;
	struct bulkdir *bd;

	manifest(objects);
	bs_err_clear(&e);
	bd = bulkdir_load(dir, &e);
	if (bd) {
		bulkdir_free(bd);
		return "";
	}
	CHECK_INT(e.kind, BS_E_INPUT);
	return e.msg;
}

static void test_bulkdir(void)
{
	struct bs_err e;
	struct bulkdir *bd;

	manifest("{\"object\": \"P__c\", \"operation\": \"upsert\", \"external_id\": "
		 "\"Ext__c\", \"level\": 0, \"files\": [" FILE_ENTRY("x.csv.gz") "]},"
		 "{\"object\": \"C__c\", \"operation\": \"update\", \"level\": 1, "
		 "\"depends_on\": [\"P__c\", \"Elsewhere__c\"], \"files\": ["
		 FILE_ENTRY("x.csv.gz") ", " FILE_ENTRY("x.csv.gz") "]}");
	bd = bulkdir_load(dir, &e);
	CHECK(bd != NULL);
	if (bd) {
		CHECK_INT(bd->nobjects, 2);
		CHECK_INT(bd->nfiles, 3);
		CHECK_INT(bd->rows, 9);
		CHECK_STR(bd->objects[0].key_field, "Ext__c");
		CHECK_STR(bd->objects[1].key_field, "Id");
		CHECK(bd->objects[1].external_id == NULL);
		CHECK_INT(bd->objects[1].ndeps, 1);   /* Elsewhere__c: not here */
		CHECK_INT(bd->objects[1].depends_on[0], 0);
		CHECK_INT(bulkdir_file_at(bd, 2)->index, 2);
		CHECK(bulkdir_file_at(bd, 2)->object == &bd->objects[1]);
		CHECK(bulkdir_file_at(bd, 3) == NULL);
		CHECK_STR(bulkdir_file_at(bd, 0)->origin_path, path_of("o.csv"));
		bulkdir_free(bd);
	}
	put("o.csv", "key,source,line\n");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"upsert\", "
				  "\"files\": []}"), "names no external_id");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"merge\", "
				  "\"files\": []}"), "operation 'merge'");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": [" FILE_ENTRY("../x.csv.gz") "]}"),
		       "not a path inside");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": [" FILE_ENTRY("/etc/passwd") "]}"),
		       "not a path inside");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": [" FILE_ENTRY("nope.csv.gz") "]}"),
		       "is missing");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": [{\"path\": \"x.csv.gz\", "
				  "\"compressed_bytes\": 1}]}"), "the manifest says 1");
	CHECK_CONTAINS(load_error("{\"object\": \"C__c\", \"operation\": \"insert\", "
				  "\"depends_on\": [\"P__c\"], \"files\": []},"
				  "{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": []}"), "not listed before it");
	CHECK_CONTAINS(load_error("{\"object\": \"P__c\", \"operation\": \"insert\", "
				  "\"files\": []}, {\"object\": \"P__c\", \"operation\": "
				  "\"insert\", \"files\": []}"), "listed twice");
	put("manifest.json", "{\"format\": \"other/2\", \"objects\": []}");
	CHECK(bulkdir_load(dir, &e) == NULL);
	CHECK_CONTAINS(e.msg, "expected 'billsync-export/1'");
	put("manifest.json", "{not json");
	CHECK(bulkdir_load(dir, &e) == NULL);
	CHECK_CONTAINS(e.msg, "cannot read the manifest");
}

int main(void)
{
	char cmd[sizeof(dir) + 16];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	RUN(test_recon_keyed);
	RUN(test_recon_ids_and_keyless);
	RUN(test_recon_records_from_sent);
	RUN(test_recon_hold_unprocessed);
	RUN(test_bulkfile);
	RUN(test_bulkdir);
	rc = tap_done();
	/* every file the tests wrote lies in dir */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? rc : 1;
}
