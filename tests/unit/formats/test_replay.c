/* test_replay.c - unit tests of formats/replay.h and the readers over its
 * streams (input_open_stream, rowsrc_open_stream): a FIFO whose head is
 * looked at, twice, then read whole from its first byte; a head past
 * REPLAY_HEAD_MAX; a gzipped CSV file through a FIFO.  A child process
 * writes each FIFO. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "formats/input.h"
#include "formats/replay.h"
#include "formats/rowsrc.h"

static char dir[] = "/tmp/bs-replay.XXXXXX";
static char fifo[600];

/* A FIFO written with data[0..len) by a child (killed after 60 s); its
 * pid.  The child ignores a reader that goes away early. */
static pid_t feed(const unsigned char *data, size_t len)
{
	pid_t pid;

	snprintf(fifo, sizeof(fifo), "%s/f.csv", dir);
	unlink(fifo);
	if (mkfifo(fifo, 0600) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		FILE *f;

		signal(SIGPIPE, SIG_IGN);
		alarm(60);
		f = fopen(fifo, "wb");
		if (f)
			fwrite(data, 1, len, f);
		_exit(f && fclose(f) == 0 ? 0 : 1);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st = 0;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st)
							    : -1;
}

static unsigned char *pattern(size_t len)
{
	unsigned char *p = malloc(len);
	size_t i;

	for (i = 0; p && i < len; i++)
		p[i] = (unsigned char)(i * 7 + i / 251);
	return p;
}

/* Reads f to its end into a new buffer; *n its length; f closed. */
static unsigned char *slurp(FILE *f, size_t *n, int *failed)
{
	size_t cap = 1 << 20, k;
	unsigned char *buf = malloc(cap);

	*n = 0;
	while (buf && (k = fread(buf + *n, 1, cap - *n, f)) > 0) {
		*n += k;
		if (*n == cap && !(buf = realloc(buf, cap *= 2)))
			break;
	}
	*failed = ferror(f);
	fclose(f);
	return buf;
}

static void test_head_then_all(void)
{
	size_t len = 300000, n;
	unsigned char *data = pattern(len), head[200], *all;
	pid_t pid = feed(data, len);
	struct replay *r;
	struct bs_err e;
	int failed;
	FILE *f;

	REQUIRE(data && pid > 0);
	r = replay_open(fifo, NULL, &e);
	REQUIRE(r != NULL);
	f = replay_peek(r, &e);
	REQUIRE(f != NULL);
	CHECK_INT(fread(head, 1, 10, f), 10);
	CHECK(!memcmp(head, data, 10));
	fclose(f);
	f = replay_peek(r, &e);          /* again from the first byte */
	REQUIRE(f != NULL);
	CHECK_INT(fread(head, 1, sizeof(head), f), sizeof(head));
	CHECK(!memcmp(head, data, sizeof(head)));
	fclose(f);
	CHECK(!replay_full(r));
	f = replay_finish(r, &e);
	REQUIRE(f != NULL);
	all = slurp(f, &n, &failed);
	CHECK_INT(n, len);
	CHECK(!failed);
	CHECK(all && n == len && !memcmp(all, data, len));
	CHECK_INT(reap(pid), 0);
	free(all);
	free(data);
}

/* A peek stops at REPLAY_HEAD_MAX with an error; the whole file is still
 * read by the finish. */
static void test_head_max(void)
{
	size_t len = REPLAY_HEAD_MAX + (1 << 20), n;
	unsigned char *data = pattern(len), *got;
	pid_t pid = feed(data, len);
	struct replay *r;
	struct bs_err e;
	int failed;

	REQUIRE(data && pid > 0);
	r = replay_open(fifo, NULL, &e);
	REQUIRE(r != NULL);
	got = slurp(replay_peek(r, &e), &n, &failed);
	CHECK_INT(n, REPLAY_HEAD_MAX);
	CHECK(failed);
	CHECK(replay_full(r));
	free(got);
	got = slurp(replay_finish(r, &e), &n, &failed);
	CHECK_INT(n, len);
	CHECK(!failed);
	CHECK(got && n == len && !memcmp(got, data, len));
	CHECK_INT(reap(pid), 0);
	free(got);
	free(data);
}

/* A gzipped CSV file through a FIFO: its header through a peek, then
 * every row from the first. */
static void test_gzip_rows(void)
{
	char cmd[700], gz[8192];
	const char *const *names;
	struct rowsrc_row row;
	struct rowsrc *rs;
	struct replay *r;
	struct bs_err e;
	size_t len, rows = 0;
	pid_t pid;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | gzip -c > %s/x.gz",
		 "id,name\n1,a\n2,\"b, c\"\n3,d\n", dir);
	REQUIRE(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/x.gz", dir);
	f = fopen(cmd, "rb");
	REQUIRE(f != NULL);
	len = fread(gz, 1, sizeof(gz), f);
	fclose(f);
	pid = feed((const unsigned char *)gz, len);
	REQUIRE(pid > 0);
	r = replay_open(fifo, NULL, &e);
	REQUIRE(r != NULL);
	rs = rowsrc_open_stream(replay_peek(r, &e), "f.csv.gz", NULL, &e);
	REQUIRE(rs != NULL);
	CHECK_INT(rowsrc_header(rs, &names), 2);
	CHECK_STR(names[1], "name");
	rowsrc_free(rs);
	rs = rowsrc_open_stream(replay_finish(r, &e), "f.csv.gz", NULL, &e);
	REQUIRE(rs != NULL);
	while (rowsrc_next(rs, &row, &e) == ROWSRC_ROW)
		rows++;
	CHECK_INT(rows, 3);
	CHECK_STR(rowsrc_name(rs), "f.csv.gz");
	rowsrc_free(rs);
	CHECK_INT(reap(pid), 0);
}

/* An archive cannot be read from a stream; the stream is closed. */
static void test_no_archive(void)
{
	struct bs_err e;
	FILE *f = fopen("/dev/null", "rb");

	REQUIRE(f != NULL);
	CHECK(input_open_stream(f, "x.tar", &e) == NULL);
	CHECK_INT(e.kind, BS_E_INPUT);
}

int main(void)
{
	char cmd[128];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	RUN(test_head_then_all);
	RUN(test_head_max);
	RUN(test_gzip_rows);
	RUN(test_no_archive);
	rc = tap_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
