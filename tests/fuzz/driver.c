/*
 * driver.c - replays a corpus through one fuzz harness without libFuzzer
 * (zstd's regression driver): `fuzz_csv tests/fuzz/corpus/csv` runs every
 * file of the folder (or each file named) through LLVMFuzzerTestOneInput
 * and prints a TAP line per file for tests/run-tests.sh.  A crash or a
 * sanitizer report ends the program with a non-zero status, which the
 * runner counts as a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int n_run;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the whole file at path into *buf, an allocation of exactly *len
 * bytes (1 for an empty file), so that ASan reports a harness that reads
 * past the end of its input. */
static int slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, k;
	uint8_t *b = malloc(cap), *nb;

	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return -1;
	}
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				fclose(f);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	/* the read buffer is larger than the file: an exact copy */
	*buf = malloc(n ? n : 1);
	if (!*buf) {
		free(b);
		return -1;
	}
	memcpy(*buf, b, n);
	free(b);
	*len = n;
	return 0;
}

static void run_file(const char *path)
{
	uint8_t *buf;
	size_t len;

	n_run++;
	if (slurp(path, &buf, &len) != 0) {
		printf("not ok %d - cannot read %s\n", n_run, path);
		return;
	}
	/* an empty input is the end of the one-byte block: reading there is
	 * past the end too */
	LLVMFuzzerTestOneInput(len ? buf : buf + 1, len);
	free(buf);
	printf("ok %d - %s\n", n_run, path);
	fflush(stdout);
}

static void run_dir(const char *dir)
{
	char **names = NULL, **nn, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		printf("not ok %d - cannot open %s\n", ++n_run, dir);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		run_file(path);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	if (n_run == 0)
		printf("not ok 1 - no corpus files given\n");
	printf("1..%d\n", n_run ? n_run : 1);
	return 0;
}
