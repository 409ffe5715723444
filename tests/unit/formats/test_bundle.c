/* test_bundle.c - unit tests of the archive writer: .tar, .tar.gz and .zip
 * listed and extracted by tar and unzip, sorted members, fixed metadata,
 * byte-identical output, bad names and formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "formats/bundle.h"

static char dir[] = "/tmp/billsync-bundle.XXXXXX";

/* DIR/name; valid until the next call. */
static char *path_in(const char *name)
{
	static char buf[4200];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void put_file(const char *name, const char *data, size_t len)
{
	FILE *f = fopen(path_in(name), "wb");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* The stdout of cmd (run in dir), NUL-terminated; "" on failure. */
static char *output(const char *cmd)
{
	char full[8800];
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);
	FILE *f;

	snprintf(full, sizeof(full), "cd '%s' && %s", dir, cmd);
	f = popen(full, "r");
	while (f && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	if (!f || pclose(f) != 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

static int sh(const char *cmd)
{
	char full[8800];

	snprintf(full, sizeof(full), "cd '%s' && %s", dir, cmd);
	return system(full);
}

static char *big;                 /* 300 kB: more than one read buffer */
#define BIG_LEN ((size_t)300000)

static void make_inputs(void)
{
	size_t i;

	big = malloc(BIG_LEN);
	for (i = 0; big && i < BIG_LEN; i++)
		big[i] = (char)('a' + (i * 7 + i / 13) % 26);
	put_file("manifest.json", "{\"files\":2}\n", 12);
	put_file("a1.csv.gz", "not really gzip\n", 16);
	put_file("big.bin", big, BIG_LEN);
}

static const struct bundle_entry entries[] = {
	/* given out of order: the archive sorts them */
	{ NULL, "run/manifest.json" },
	{ NULL, "run/Obj__c/Obj__c-0001.csv.gz" },
	{ NULL, "run/Big/big.bin" },
};

static void fill(struct bundle_entry *e)
{
	static char paths[3][4200];

	memcpy(e, entries, sizeof(entries));
	snprintf(paths[0], sizeof(paths[0]), "%s/manifest.json", dir);
	snprintf(paths[1], sizeof(paths[1]), "%s/a1.csv.gz", dir);
	snprintf(paths[2], sizeof(paths[2]), "%s/big.bin", dir);
	e[0].path = paths[0];
	e[1].path = paths[1];
	e[2].path = paths[2];
}

/* Writes archive, lists it with "LIST ARCHIVE", extracts it with
 * "EXTRACT ARCHIVE INTO" into x/ and compares the members with the inputs. */
static void check_archive(const char *archive, const char *list,
			  const char *extract, const char *into)
{
	struct bundle_entry e[3];
	struct bs_err err;
	char cmd[4400], *out;

	fill(e);
	CHECK_INT(bundle_write(path_in(archive), e, 3, 1700000000, &err), 0);
	snprintf(cmd, sizeof(cmd), "%s '%s'", list, archive);
	out = output(cmd);
	CHECK_STR(out, "run/Big/big.bin\nrun/Obj__c/Obj__c-0001.csv.gz\nrun/manifest.json\n");
	free(out);
	sh("rm -rf x && mkdir x");
	snprintf(cmd, sizeof(cmd), "%s '%s' %s", extract, archive, into);
	CHECK_INT(sh(cmd), 0);
	CHECK_INT(sh("cmp -s x/run/Big/big.bin big.bin"), 0);
	CHECK_INT(sh("cmp -s x/run/Obj__c/Obj__c-0001.csv.gz a1.csv.gz"), 0);
	CHECK_INT(sh("cmp -s x/run/manifest.json manifest.json"), 0);
	snprintf(cmd, sizeof(cmd), "test ! -e '%s.tmp'", archive);
	CHECK_INT(sh(cmd), 0);
}

static void test_tar(void)
{
	char *out;

	check_archive("b.tar", "tar -tf", "tar -xf", "-C x");
	out = output("tar -tvf b.tar --numeric-owner | head -n 1");
	CHECK_CONTAINS(out, "-rw-r--r-- 0/0");
	CHECK_CONTAINS(out, "300000 2023-11-1");
	free(out);
}

static void test_tar_gz(void)
{
	check_archive("b.tar.gz", "tar -tzf", "tar -xzf", "-C x");
	CHECK_INT(sh("gzip -t b.tar.gz"), 0);
	check_archive("b.tgz", "tar -tzf", "tar -xzf", "-C x");
}

static void test_zip(void)
{
	char *out;

	check_archive("b.zip", "unzip -Z1", "unzip -q", "-d x");
	CHECK_INT(sh("unzip -tq b.zip >/dev/null"), 0);
	out = output("unzip -l b.zip");
	CHECK_CONTAINS(out, "300000  2023-11-1");
	free(out);
	/* the .gz member is stored, the others are deflated */
	out = output("unzip -v b.zip");
	CHECK_CONTAINS(out, "Stored");
	CHECK_CONTAINS(out, "Defl");
	free(out);
}

/* Same inputs, same bytes, whatever the time of writing. */
static void test_deterministic(void)
{
	static const char *const names[] = { "d.tar", "d.tar.gz", "d.zip" };
	struct bundle_entry e[3];
	struct bs_err err;
	char cmd[4400];
	size_t i;

	fill(e);
	for (i = 0; i < 3; i++) {
		CHECK_INT(bundle_write(path_in(names[i]), e, 3, 1700000000, &err), 0);
		snprintf(cmd, sizeof(cmd), "cp '%s' first", names[i]);
		sh(cmd);
		sleep(1);
		CHECK_INT(bundle_write(path_in(names[i]), e, 3, 1700000000, &err), 0);
		snprintf(cmd, sizeof(cmd), "cmp -s '%s' first", names[i]);
		CHECK_INT(sh(cmd), 0);
	}
}

static void test_errors(void)
{
	struct bundle_entry e[3];
	struct bs_err err;
	static const char *const bad[] = { "/abs", "a/../b", "./a", "a//b", "", ".." };
	size_t i;

	CHECK(bundle_supported("x.tar.gz"));
	CHECK(bundle_supported("x.zip"));
	CHECK(!bundle_supported("x.rar"));
	CHECK(!bundle_supported(".tar"));
	fill(e);
	bs_err_clear(&err);
	CHECK_INT(bundle_write(path_in("x.7z"), e, 3, 0, &err), -1);
	CHECK_INT(err.kind, BS_E_USAGE);
	CHECK_CONTAINS(err.msg, "cannot tell the archive format");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e[0].name = bad[i];
		CHECK_INT(bundle_write(path_in("bad.tar"), e, 3, 0, &err), -1);
		CHECK_INT(err.kind, BS_E_USAGE);
	}
	fill(e);
	e[2].name = e[1].name;
	CHECK_INT(bundle_write(path_in("dup.tar"), e, 3, 0, &err), -1);
	CHECK_CONTAINS(err.msg, "given twice");
	fill(e);
	e[1].path = "/nonexistent-dir/missing";
	CHECK_INT(bundle_write(path_in("miss.zip"), e, 3, 0, &err), -1);
	CHECK_INT(err.kind, BS_E_IO);
	CHECK_CONTAINS(err.file, "missing");
	CHECK_INT(sh("test ! -e miss.zip && test ! -e miss.zip.tmp"), 0);
	/* an empty archive is fine */
	CHECK_INT(bundle_write(path_in("empty.tar"), e, 0, 0, &err), 0);
	CHECK_INT(sh("tar -tf empty.tar"), 0);
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_inputs();
	RUN(test_tar);
	RUN(test_tar_gz);
	RUN(test_zip);
	RUN(test_deterministic);
	RUN(test_errors);
	free(big);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
