/* msg.c - notes, warnings, errors and progress on the log (see msg.h). */
#include "msg.h"

#include <stdarg.h>
#include <stdlib.h>

struct msg {
	FILE *log;
	enum msg_level level;
	int tty;
	int drawn;      /* a progress line is on the terminal */
};

struct msg *msg_new(FILE *log, enum msg_level level, int tty)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->log = log;
	m->level = level;
	m->tty = tty;
	return m;
}

void msg_free(struct msg *m)
{
	free(m);
}

void msg_set_level(struct msg *m, enum msg_level level)
{
	if (m)
		m->level = level;
}

int msg_has_display(const struct msg *m)
{
	return m && m->tty && m->level > MSG_QUIET;
}

int msg_is_verbose(const struct msg *m)
{
	return m && m->level >= MSG_VERBOSE;
}

int msg_is_quiet(const struct msg *m)
{
	return !m || m->level <= MSG_QUIET;
}

static void clear_progress(struct msg *m)
{
	if (m->drawn) {
		fputs("\r\033[K", m->log);
		m->drawn = 0;
	}
}

static void vline(struct msg *m, const char *prefix, const char *fmt,
		  va_list ap)
{
	clear_progress(m);
	fputs(prefix, m->log);
	vfprintf(m->log, fmt, ap);
	fputc('\n', m->log);
	fflush(m->log);
}

#define MSG_LINE(m, min, prefix, fmt)                   \
	do {                                            \
		va_list ap;                             \
		if (!(m) || (m)->level < (min))         \
			return;                         \
		va_start(ap, fmt);                      \
		vline(m, prefix, fmt, ap);              \
		va_end(ap);                             \
	} while (0)

void msg_note(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_NORMAL, "billsync: ", fmt);
}

void msg_line(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_NORMAL, "", fmt);
}

void msg_verbose(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_VERBOSE, "", fmt);
}

void msg_warn(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_QUIET, "billsync: warning: ", fmt);
}

void msg_error(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_QUIET, "billsync: ", fmt);
}

void msg_hint(struct msg *m, const char *fmt, ...)
{
	MSG_LINE(m, MSG_QUIET, "", fmt);
}

void msg_progress(struct msg *m, const char *fmt, ...)
{
	va_list ap;

	if (!msg_has_display(m))
		return;
	fputs("\r\033[K", m->log);
	va_start(ap, fmt);
	vfprintf(m->log, fmt, ap);
	va_end(ap);
	fflush(m->log);
	m->drawn = 1;
}

void msg_progress_done(struct msg *m)
{
	if (m && m->drawn) {
		fputc('\n', m->log);
		m->drawn = 0;
	}
}
