/* test_msg.c - the message module: what each level writes, and the
 * progress line cleared before any other line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "base/msg.h"

/* Writes one of each kind at level (tty: a terminal) and returns the log
 * (the caller's to free). */
static char *write_all(enum msg_level level, int tty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct msg *m = f ? msg_new(f, level, tty) : NULL;

	CHECK(m != NULL);
	if (m) {
		msg_note(m, "note %d", 1);
		msg_line(m, "line");
		msg_verbose(m, "verbose");
		msg_warn(m, "warn");
		msg_error(m, "error");
		msg_hint(m, "hint");
	}
	msg_free(m);
	if (f)
		fclose(f);
	return buf;
}

static void test_levels(void)
{
	char *s = write_all(MSG_NORMAL, 0);

	CHECK_STR(s, "billsync: note 1\nline\nbillsync: warning: warn\n"
		  "billsync: error\nhint\n");
	free(s);
	s = write_all(MSG_QUIET, 0);
	CHECK_STR(s, "billsync: warning: warn\nbillsync: error\nhint\n");
	free(s);
	s = write_all(MSG_VERBOSE, 0);
	CHECK_STR(s, "billsync: note 1\nline\nverbose\nbillsync: warning: warn\n"
		  "billsync: error\nhint\n");
	free(s);
}

static void test_progress(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct msg *m = msg_new(f, MSG_NORMAL, 1), *q, *plain;

	CHECK(msg_has_display(m));
	msg_progress(m, "files %d/%d", 1, 2);
	msg_note(m, "a note");            /* clears the progress line first */
	msg_progress(m, "files %d/%d", 2, 2);
	msg_progress_done(m);
	msg_progress_done(m);             /* once only */
	fflush(f);
	CHECK_STR(buf, "\r\033[Kfiles 1/2\r\033[Kbillsync: a note\n"
		  "\r\033[Kfiles 2/2\n");
	q = msg_new(f, MSG_QUIET, 1);
	plain = msg_new(f, MSG_NORMAL, 0);
	CHECK(!msg_has_display(q));
	CHECK(!msg_has_display(plain));
	CHECK(msg_is_quiet(q) && !msg_is_quiet(plain));
	msg_progress(q, "x");
	msg_progress(plain, "x");
	fflush(f);
	CHECK_INT(strlen(buf), len);
	CHECK(strstr(buf, "\r\033[Kx") == NULL);
	/* NULL writes nothing and is quiet */
	msg_note(NULL, "nothing");
	msg_warn(NULL, "nothing");
	CHECK(msg_is_quiet(NULL));
	msg_free(NULL);
	msg_free(q);
	msg_free(plain);
	msg_free(m);
	fclose(f);
	free(buf);
}

int main(void)
{
	RUN(test_levels);
	RUN(test_progress);
	return tap_done();
}
