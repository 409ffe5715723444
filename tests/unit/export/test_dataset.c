/* test_dataset.c - unit tests of etl/export/dataset.c: which files make a dataset
 * (folders, file names, globs, [dataset NAME] files =, folders of daily
 * drops, archives), their order, and rows read across them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "base/config.h"
#include "export/dataset.h"

static char dir[] = "/tmp/billsync-test-dataset.XXXXXX";

/* Writes dir/name (making its folder) with a plans CSV of the given ids. */
static void write_plans(const char *name, const char *ids)
{
	char path[512], *slash;
	const char *p = ids;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/'));
	     *slash++ = '/') {
		*slash = '\0';
		mkdir(path, 0755);
	}
	f = fopen(path, "w");
	REQUIRE(f != NULL);
	fputs("id,name\n", f);
	while (*p) {
		size_t n = strcspn(p, " ");

		fprintf(f, "%.*s,Plan %.*s\n", (int)n, p, (int)n, p);
		p += n + (p[n] == ' ');
	}
	fclose(f);
}

/* A configuration whose [source] path is each of the given locations
 * (relative to dir), plus an optional [dataset plans] files = GLOB. */
static struct config *conf(const char *const *paths, size_t n,
			   const char *files_glob)
{
	struct config *cfg = config_new_defaults();
	struct bs_err e;
	char buf[512];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, paths[i]);
		CHECK(config_set(cfg, "source", "path", buf, 0, &e) == 0);
	}
	if (files_glob) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, files_glob);
		CHECK(config_set(cfg, "dataset plans", "files", buf, 0, &e) == 0);
	}
	return cfg;
}

/* The dataset's entries as "name name ..." relative to dir, and the ids of
 * its rows in reading order as "id id ...". */
static void read_all(struct config *cfg, const char *name, char *files,
		     size_t fsz, char *ids, size_t isz, struct bs_err *err)
{
	static const char *const cols[] = { "id" };
	const struct dataset_entry *ent;
	struct rowsrc_row row;
	struct dataset *ds = dataset_open(cfg, name, err);
	size_t i, n, dl = strlen(dir) + 1;
	int r;

	files[0] = ids[0] = '\0';
	REQUIRE(ds != NULL);
	n = dataset_entries(ds, &ent);
	for (i = 0; i < n; i++)
		snprintf(files + strlen(files), fsz - strlen(files), "%s%s",
			 i ? " " : "", ent[i].name + (strncmp(ent[i].name, dir,
			 dl - 1) ? 0 : dl));
	CHECK(dataset_select(ds, cols, 1, err) == 0);
	while ((r = dataset_next(ds, &row, err)) == ROWSRC_ROW)
		snprintf(ids + strlen(ids), isz - strlen(ids), "%s%.*s",
			 ids[0] ? " " : "", (int)row.v[0].len, row.v[0].s);
	CHECK_INT(r, ROWSRC_DONE);
	dataset_free(ds);
}

static void test_names_in_a_folder(void)
{
	static const char *const loc[] = { "flat" };
	struct config *cfg;
	struct bs_err e;
	char files[1024], ids[256];

	write_plans("flat/plans.csv", "p1");
	write_plans("flat/plans-2024-05-02.csv", "p3");
	write_plans("flat/plans-2024-05-01.csv", "p2");
	write_plans("flat/plansx.csv", "no");       /* not "plans-" or "plans." */
	write_plans("flat/customers.csv", "no");
	cfg = conf(loc, 1, NULL);
	read_all(cfg, "plans", files, sizeof(files), ids, sizeof(ids), &e);
	CHECK_STR(files, "flat/plans-2024-05-01.csv flat/plans-2024-05-02.csv "
		  "flat/plans.csv");
	CHECK_STR(ids, "p2 p3 p1");
	config_free(cfg);
}

static void test_folder_of_daily_drops(void)
{
	static const char *const loc[] = { "drops" };
	struct config *cfg;
	struct bs_err e;
	char files[1024], ids[256];

	write_plans("drops/plans/2024-05-02.csv", "b");
	write_plans("drops/plans/2024-05-01.csv", "a");
	cfg = conf(loc, 1, NULL);
	read_all(cfg, "plans", files, sizeof(files), ids, sizeof(ids), &e);
	CHECK_STR(files, "drops/plans/2024-05-01.csv drops/plans/2024-05-02.csv");
	CHECK_STR(ids, "a b");
	config_free(cfg);
}

static void test_glob_as_source(void)
{
	static const char *const loc[] = { "g/plans-0*.csv" };
	struct config *cfg;
	struct bs_err e;
	char files[1024], ids[256];

	write_plans("g/plans-01.csv", "g1");
	write_plans("g/plans-02.csv", "g2");
	write_plans("g/plans-10.csv", "g10");   /* outside the glob */
	cfg = conf(loc, 1, NULL);
	read_all(cfg, "plans", files, sizeof(files), ids, sizeof(ids), &e);
	CHECK_STR(files, "g/plans-01.csv g/plans-02.csv");
	CHECK_STR(ids, "g1 g2");
	config_free(cfg);
}

static void test_dataset_files_glob(void)
{
	static const char *const loc[] = { "flat" };
	struct config *cfg;
	struct bs_err e;
	char files[1024], ids[256];

	write_plans("other/x-02.csv", "x2");
	write_plans("other/x-01.csv", "x1");
	write_plans("other/y-01.csv", "no");
	cfg = conf(loc, 1, "other/x-*.csv");
	read_all(cfg, "plans", files, sizeof(files), ids, sizeof(ids), &e);
	CHECK_STR(files, "other/x-01.csv other/x-02.csv");
	CHECK_STR(ids, "x1 x2");
	config_free(cfg);
}

static void test_glob_matching_nothing(void)
{
	static const char *const loc[] = { "g/nothing-*.csv" };
	struct config *cfg = conf(loc, 1, NULL);
	struct bs_err e;

	CHECK(dataset_open(cfg, "plans", &e) == NULL);
	CHECK_INT(e.kind, BS_E_INPUT);
	CHECK(strstr(e.msg, "plans") != NULL);
	config_free(cfg);
}

static void test_archive(void)
{
	static const char *const loc[] = { "a/export.tar.gz" };
	struct config *cfg;
	struct bs_err e;
	char cmd[1024], files[1024], ids[256];

	write_plans("a/src/plans.csv", "t1 t2");
	write_plans("a/src/customers.csv", "c1");
	snprintf(cmd, sizeof(cmd), "tar -czf %s/a/export.tar.gz -C %s/a/src "
		 "customers.csv plans.csv", dir, dir);
	CHECK(system(cmd) == 0);
	cfg = conf(loc, 1, NULL);
	read_all(cfg, "plans", files, sizeof(files), ids, sizeof(ids), &e);
	CHECK_STR(files, "a/export.tar.gz!plans.csv");
	CHECK_STR(ids, "t1 t2");
	config_free(cfg);
}

/* dir/name, in a static buffer. */
static const char *in_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* dir/name, a plans CSV of n rows whose ids start at first. */
static void write_many(const char *name, int first, int n)
{
	FILE *f = fopen(in_dir(name), "w");
	int i;

	REQUIRE(f != NULL);
	fputs("id,name\n", f);
	for (i = first; i < first + n; i++)
		fprintf(f, "%d,Plan number %d\n", i, i * 7919);
	fclose(f);
}

static unsigned long long size_of(const char *name)
{
	struct stat st;

	return stat(in_dir(name), &st) == 0 ? (unsigned long long)st.st_size : 0;
}

/* dataset_progress: bytes of the files on disk against their total, an
 * archive counted once for its two members, a gzipped file by its
 * compressed size; never backwards, past each file once it is read, the
 * total at the end. */
static void test_progress(void)
{
	static const char *const loc[] = { "pr/plans-1.csv", "pr/plans-2.csv.gz",
					   "pr/arch.tar" };
	static const char *const fifo[] = { "pf/plans.csv" };
	static const char *const cols[] = { "id" };
	unsigned long long done, total, last = 0, s1, s2, want;
	struct rowsrc_row row;
	struct config *cfg;
	struct dataset *ds;
	struct bs_err e;
	char cmd[1024];
	int r, ok = 1, past1 = 1, past2 = 1, id;

	mkdir(in_dir("pr"), 0755);
	write_many("pr/plans-1.csv", 0, 20000);
	write_many("pr/plans-2.csv", 20000, 20000);
	write_many("pr/plans-3.csv", 40000, 20000);
	write_many("pr/plans-4.csv", 60000, 20000);
	snprintf(cmd, sizeof(cmd), "cd %s/pr && gzip plans-2.csv && tar -cf "
		 "arch.tar plans-3.csv plans-4.csv && rm plans-3.csv "
		 "plans-4.csv", dir);
	REQUIRE(system(cmd) == 0);
	s1 = size_of("pr/plans-1.csv");
	s2 = size_of("pr/plans-2.csv.gz");
	want = s1 + s2 + size_of("pr/arch.tar");
	cfg = conf(loc, 3, NULL);
	ds = dataset_open(cfg, "plans", &e);
	REQUIRE(ds != NULL);
	CHECK(dataset_select(ds, cols, 1, &e) == 0);
	dataset_progress(ds, &done, &total);
	CHECK_INT(total, want);
	CHECK_INT(done, 0);
	while ((r = dataset_next(ds, &row, &e)) == ROWSRC_ROW) {
		dataset_progress(ds, &done, &total);
		ok &= done >= last && done <= total;
		last = done;
		id = (int)strtol(row.v[0].s, NULL, 10);
		if (id == 20000)        /* the first row of the second file */
			past1 = done >= s1;
		else if (id == 40000)   /* ... of the archive's first member */
			past2 = done >= s1 + s2;
	}
	CHECK_INT(r, ROWSRC_DONE);
	CHECK(ok);
	CHECK(past1);
	CHECK(past2);
	dataset_progress(ds, &done, &total);
	CHECK_INT(done, want);
	dataset_free(ds);
	config_free(cfg);

	/* a FIFO has no size: no total, so no percent and no ETA */
	mkdir(in_dir("pf"), 0755);
	REQUIRE(mkfifo(in_dir("pf/plans.csv"), 0644) == 0);
	cfg = conf(fifo, 1, NULL);
	ds = dataset_open(cfg, "plans", &e);
	REQUIRE(ds != NULL);
	CHECK(dataset_select(ds, cols, 1, &e) == 0);
	dataset_progress(ds, &done, &total);
	CHECK_INT(total, 0);
	dataset_free(ds);
	config_free(cfg);
}

int main(void)
{
	char cmd[128];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	RUN(test_names_in_a_folder);
	RUN(test_folder_of_daily_drops);
	RUN(test_glob_as_source);
	RUN(test_dataset_files_glob);
	RUN(test_glob_matching_nothing);
	RUN(test_archive);
	RUN(test_progress);
	rc = tap_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
