/*
 * bs_err.h - the one error value of billsync.
 *
 * Every fallible function takes a `struct bs_err *err` as its last argument,
 * fills it on failure and returns -1 (or NULL).  Library-like code never
 * prints: the error travels up to etl/main.c, which prints it once as
 *
 *     billsync: FILE:LINE: field 'F': MESSAGE
 *
 * (the parts that are unknown are left out).  The struct has fixed-size
 * buffers, so setting an error never allocates and cannot fail.
 */
#ifndef BS_ERR_H
#define BS_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define BS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BS_PRINTF(fmt, args)
#endif

/* What went wrong, coarsely; etl/ maps each kind to an exit code. */
enum bs_errkind {
	BS_E_NONE = 0,
	BS_E_USAGE,     /* bad command line */
	BS_E_CONFIG,    /* configuration or mapping mistake: nothing is sent */
	BS_E_INPUT,     /* source data unreadable or malformed as a whole */
	BS_E_ROW,       /* one row is bad: it is rejected, the run goes on */
	BS_E_IO,        /* local files: output, state, temporary files */
	BS_E_REMOTE,    /* Salesforce answered with an error */
	BS_E_NETWORK,   /* Salesforce could not be reached */
	BS_E_LIMIT,     /* an org allocation is used up: stop at a checkpoint */
	BS_E_LOCKED,    /* another run holds the state directory */
	BS_E_NOMEM,     /* out of memory */
	BS_E_INTERNAL   /* a bug */
};

#define BS_ERR_FILE_MAX 512
#define BS_ERR_FIELD_MAX 128
#define BS_ERR_MSG_MAX 1024

struct bs_err {
	enum bs_errkind kind;
	char file[BS_ERR_FILE_MAX];   /* file the error is about, or "" */
	unsigned long line;           /* 1-based line in file, or 0 */
	char field[BS_ERR_FIELD_MAX]; /* column or field name, or "" */
	char msg[BS_ERR_MSG_MAX];     /* lower case, no final period */
};

/* Empties *err (kind BS_E_NONE). */
void bs_err_clear(struct bs_err *err);

/* Sets kind and message, clearing file, line and field; returns -1 so that
 * `return bs_err_set(err, ...)` is the idiom.  err may be NULL. */
int bs_err_set(struct bs_err *err, enum bs_errkind kind, const char *fmt, ...)
	BS_PRINTF(3, 4);

/* Like bs_err_set, with the file and line the error is about. */
int bs_err_at(struct bs_err *err, enum bs_errkind kind, const char *file,
	      unsigned long line, const char *fmt, ...) BS_PRINTF(5, 6);

/* Adds a location to an error set without one (file NULL keeps the file). */
void bs_err_locate(struct bs_err *err, const char *file, unsigned long line);

/* Names the field the error is about. */
void bs_err_field(struct bs_err *err, const char *field);

/* Puts "PREFIX: " in front of the message, e.g. to say which mapping. */
void bs_err_prefix(struct bs_err *err, const char *fmt, ...) BS_PRINTF(2, 3);

/* Writes "FILE:LINE: field 'F': MSG" (parts left out when unknown) into buf,
 * always NUL-terminated; returns the length it wanted. */
size_t bs_err_format(const struct bs_err *err, char *buf, size_t size);

/* A list of errors, for commands that report every mistake at once
 * (`billsync check`).  The struct is the caller's; release frees it. */
struct bs_errlist {
	struct bs_err *v;
	size_t n, alloc;
	size_t dropped;   /* errors not kept once the list held BS_ERRLIST_MAX,
			     or for want of memory */
	int nomem;        /* some of dropped: no memory to keep them */
};

#define BS_ERRLIST_MAX 1000

void bs_errlist_init(struct bs_errlist *l);
void bs_errlist_release(struct bs_errlist *l);
/* Appends a copy of *err; never fails (counts what it cannot keep). */
void bs_errlist_add(struct bs_errlist *l, const struct bs_err *err);

/* Short lower-case name of a kind ("input error", ...). */
const char *bs_errkind_name(enum bs_errkind kind);

#endif
