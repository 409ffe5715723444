/* input.c - byte streams over plain, gzipped and archived export files
 * through libarchive, plus an in-memory stream for tests (see input.h). */
#include "input.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "gunzip.h"

/* Bytes libarchive reads from the file at a time. */
#define INPUT_BLOCK ((size_t)64 << 10)

#define NOT_ARCHIVE "not an archive (.tar, .tar.gz, .tgz or .zip)"

struct input {
	struct archive *a;          /* libarchive reader, or NULL */
	FILE *f;                    /* what a reads (input_open_stream) */
	struct gunzip *gz;          /* gzip stream: the entry itself when a is
				       NULL, else what a reads (.tar.gz) */
	unsigned char *blk;         /* a's blocks out of gz or f */
	struct bs_err gz_err;       /* why gz failed under a */
	const unsigned char *mem;   /* without a and gz: the caller's bytes */
	size_t mem_len, mem_pos, max_chunk;
	unsigned long long off;
	int eof;                    /* the entry is known to be empty */
	int archive;                /* the path is an archive */
	const char *member;         /* the member in name, or NULL */
	char name[];                /* display name */
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum input_kind input_kind_of(const char *path)
{
	if (ends_with(path, ".tar") || ends_with(path, ".tar.gz") ||
	    ends_with(path, ".tgz") || ends_with(path, ".zip"))
		return INPUT_ARCHIVE;
	if (ends_with(path, ".gz"))
		return INPUT_GZIP;
	return INPUT_PLAIN;
}

/* libarchive's read callback for a .tar.gz: blocks out of gunzip, which
 * checks what libarchive's gzip filter does not. */
static la_ssize_t gz_block(struct archive *a, void *ctx, const void **buf)
{
	struct input *in = ctx;
	ssize_t n = gunzip_read(in->gz, in->blk, INPUT_BLOCK, &in->gz_err);

	if (n < 0) {
		/* -1 is libarchive's ARCHIVE_ERRNO_MISC */
		archive_set_error(a, -1, "%s", in->gz_err.msg);
		return -1;
	}
	*buf = in->blk;
	return n;
}

/* libarchive's read callback for input_open_stream: libarchive's own
 * FILE reader takes a read error for the end of the file. */
static la_ssize_t file_block(struct archive *a, void *ctx, const void **buf)
{
	struct input *in = ctx;
	size_t n = fread(in->blk, 1, INPUT_BLOCK, in->f);

	if (!n && ferror(in->f)) {
		archive_set_error(a, errno ? errno : EIO, "%s",
				  strerror(errno ? errno : EIO));
		return -1;
	}
	*buf = in->blk;
	return (la_ssize_t)n;
}

/* Fills err from a's last error: the file system's (BS_E_IO) or the data's
 * (BS_E_INPUT), or what gunzip said under it; returns -1. */
static int archive_fail(struct bs_err *err, struct input *in, const char *what)
{
	const char *s = archive_error_string(in->a);
	int e = archive_errno(in->a);

	if (in->gz_err.kind != BS_E_NONE) {
		if (err)
			*err = in->gz_err;
		return -1;
	}
	if (e == EIO || e == EACCES || e == ENOENT || e == EISDIR)
		return bs_err_at(err, BS_E_IO, in->name, 0, "cannot %s: %s",
				 what, strerror(e));
	if (!s)
		s = "corrupt or truncated data";
	if (in->member)
		return bs_err_at(err, BS_E_INPUT, in->name, 0,
				 "corrupt archive: cannot read member '%s': %s",
				 in->member, s);
	if (in->archive)
		return bs_err_at(err, BS_E_INPUT, in->name, 0,
				 "corrupt archive: %s", s);
	return bs_err_at(err, BS_E_INPUT, in->name, 0, "cannot %s: %s", what, s);
}

/* 1 when an archive member's name is absolute or climbs out of the
 * archive through "..": such a member is refused, never read. */
static int escapes(const char *m)
{
	int depth = 0;
	size_t n;

	if (*m == '/' || *m == '\\')
		return 1;
	while (*m) {
		n = strcspn(m, "/\\");
		if (n == 2 && m[0] == '.' && m[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && m[0] == '.')) {
			depth++;
		}
		m += n;
		m += strspn(m, "/\\");
	}
	return 0;
}

/* A libarchive reader for path's kind; -1 when out of memory. */
static int new_reader(struct input *in, const char *path, enum input_kind kind)
{
	if (!(in->a = archive_read_new()))
		return -1;
	if (kind == INPUT_PLAIN) {
		archive_read_support_format_raw(in->a);
		archive_read_support_format_empty(in->a);
	} else if (ends_with(path, ".zip")) {
		archive_read_support_format_zip(in->a);
	} else {
		archive_read_support_format_tar(in->a);
	}
	archive_read_support_filter_none(in->a);
	return 0;
}

/* Opens path as its kind says: a gzip stream, or a libarchive reader
 * positioned before its first entry (through gunzip for .tar.gz). */
static int open_path(struct input *in, const char *path, enum input_kind kind,
		     struct bs_err *err)
{
	int tgz = ends_with(path, ".tar.gz") || ends_with(path, ".tgz");
	struct stat st;

	in->archive = kind == INPUT_ARCHIVE;
	if (stat(path, &st) < 0)
		return bs_err_at(err, BS_E_IO, in->name, 0, "cannot open: %s",
				 strerror(errno));
	if (S_ISDIR(st.st_mode))
		return bs_err_at(err, BS_E_IO, in->name, 0, "cannot open: %s",
				 strerror(EISDIR));
	if (kind == INPUT_GZIP || tgz) {
		in->gz = gunzip_open(path, in->name, err);
		if (!in->gz)
			return -1;
		if (!tgz)
			return 0;
	}
	if (new_reader(in, path, kind) < 0 ||
	    (tgz && !(in->blk = malloc(INPUT_BLOCK))))
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if ((tgz ? archive_read_open(in->a, in, NULL, gz_block, NULL)
		 : archive_read_open_filename(in->a, path, INPUT_BLOCK))
	    != ARCHIVE_OK)
		return archive_fail(err, in, "read");
	return 0;
}

/* Fills err for a member that escapes(); the error names the archive. */
static int refuse(const struct input *in, const char *m, struct bs_err *err)
{
	int n = in->member ? (int)(in->member - in->name - 1)
			   : (int)strlen(in->name);
	char path[BS_ERR_FILE_MAX];

	snprintf(path, sizeof(path), "%.*s", n, in->name);
	return bs_err_at(err, BS_E_INPUT, path, 0,
			 "member '%s' refused: its name %s", m,
			 *m == '/' || *m == '\\' ? "is absolute"
			 : "climbs out of the archive");
}

/* The next regular-file member of an archive: 1 and *pathname, 0 at the
 * end, -1 on error. */
static int next_member(struct input *in, const char **pathname,
		       struct bs_err *err)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		r = archive_read_next_header(in->a, &e);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(err, in, "read archive");
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		*pathname = archive_entry_pathname(e);
		if (!*pathname)
			*pathname = archive_entry_pathname_utf8(e);
		if (*pathname && escapes(*pathname))
			return refuse(in, *pathname, err);
		if (*pathname)
			return 1;
	}
}

static struct input *input_alloc(const char *name, const char *member,
				 struct bs_err *err)
{
	size_t n = strlen(name), m = member ? strlen(member) + 1 : 0;
	struct input *in = calloc(1, sizeof(*in) + n + m + 1);

	if (!in) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(in->name, name, n);
	if (member) {
		in->name[n] = '!';
		memcpy(in->name + n + 1, member, m - 1);
		in->member = in->name + n + 1;
	}
	bs_err_clear(&in->gz_err);
	return in;
}

int input_list_members(const char *path,
		       int (*fn)(void *ctx, const char *member),
		       void *ctx, struct bs_err *err)
{
	struct input *in;
	const char *m;
	int r;

	if (input_kind_of(path) != INPUT_ARCHIVE)
		return bs_err_at(err, BS_E_INPUT, path, 0, NOT_ARCHIVE);
	in = input_alloc(path, NULL, err);
	if (!in)
		return -1;
	r = open_path(in, path, INPUT_ARCHIVE, err);
	while (r == 0 && (r = next_member(in, &m, err)) == 1) {
		r = fn(ctx, m);
		if (r)
			break;
	}
	input_free(in);
	return r;
}

/* Positions a on the entry to read: the only one of a plain or gzipped
 * file, or the member of an archive. */
static int seek_entry(struct input *in, const char *path, enum input_kind kind,
		      const char *member, struct bs_err *err)
{
	struct archive_entry *e;
	const char *m;
	int r;

	if (kind == INPUT_GZIP)
		return 0;
	if (kind == INPUT_ARCHIVE) {
		while ((r = next_member(in, &m, err)) == 1)
			if (strcmp(m, member) == 0)
				return 0;
		if (r == 0)
			bs_err_at(err, BS_E_INPUT, path, 0,
				  "no member '%s' in the archive", member);
		return -1;
	}
	r = archive_read_next_header(in->a, &e);
	if (r == ARCHIVE_EOF) {
		in->eof = 1;
		return 0;
	}
	if (r < ARCHIVE_WARN)
		return archive_fail(err, in, "read");
	return 0;
}

/* At the end of a .tar.gz member: reads the gzip stream to its end, for
 * its CRC-32 covers the member too. */
static int drain(struct input *in, struct bs_err *err)
{
	ssize_t r;

	while ((r = gunzip_read(in->gz, in->blk, INPUT_BLOCK, err)) > 0)
		;
	in->eof = 1;
	return r < 0 ? -1 : 0;
}

struct input *input_open(const char *path, const char *member,
			 struct bs_err *err)
{
	enum input_kind kind = input_kind_of(path);
	struct input *in;

	if (member && kind != INPUT_ARCHIVE) {
		bs_err_at(err, BS_E_INPUT, path, 0, NOT_ARCHIVE);
		return NULL;
	}
	if (!member && kind == INPUT_ARCHIVE) {
		bs_err_at(err, BS_E_INPUT, path, 0,
			  "an archive: name one of its members");
		return NULL;
	}
	if (member && ends_with(member, ".gz")) {
		bs_err_at(err, BS_E_INPUT, path, 0,
			  "member '%s': gzipped members are not supported",
			  member);
		return NULL;
	}
	in = input_alloc(path, member, err);
	if (!in)
		return NULL;
	if (open_path(in, path, kind, err) < 0 ||
	    seek_entry(in, path, kind, member, err) < 0) {
		input_free(in);
		return NULL;
	}
	return in;
}

struct input *input_open_stream(FILE *f, const char *path,
				struct bs_err *err)
{
	enum input_kind kind = input_kind_of(path);
	struct input *in;

	if (kind == INPUT_ARCHIVE) {
		fclose(f);
		bs_err_at(err, BS_E_INPUT, path, 0, "an archive that is not a "
			  "regular file cannot be read");
		return NULL;
	}
	if (!(in = input_alloc(path, NULL, err))) {
		fclose(f);
		return NULL;
	}
	if (kind == INPUT_GZIP) {
		in->gz = gunzip_open_stream(f, path, err);
		if (in->gz)
			return in;
		input_free(in);
		return NULL;
	}
	in->f = f;
	if (new_reader(in, path, kind) < 0 ||
	    !(in->blk = malloc(INPUT_BLOCK))) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		input_free(in);
		return NULL;
	}
	if (archive_read_open(in->a, in, NULL, file_block, NULL) != ARCHIVE_OK)
		archive_fail(err, in, "read");
	else if (seek_entry(in, path, kind, NULL, err) == 0)
		return in;
	input_free(in);
	return NULL;
}

struct input *input_open_mem(const char *name, const void *buf, size_t len,
			     size_t max_chunk, struct bs_err *err)
{
	struct input *in = input_alloc(name, NULL, err);

	if (!in)
		return NULL;
	in->mem = buf;
	in->mem_len = len;
	in->max_chunk = max_chunk;
	return in;
}

ssize_t input_read(struct input *in, void *buf, size_t n, struct bs_err *err)
{
	la_ssize_t r;

	if (!in->a && !in->gz) {
		if (n > in->mem_len - in->mem_pos)
			n = in->mem_len - in->mem_pos;
		if (in->max_chunk && n > in->max_chunk)
			n = in->max_chunk;
		if (n)
			memcpy(buf, in->mem + in->mem_pos, n);
		in->mem_pos += n;
		in->off += n;
		return (ssize_t)n;
	}
	if (in->eof)
		return 0;
	if (!in->a)
		r = gunzip_read(in->gz, buf, n, err);
	else if ((r = archive_read_data(in->a, buf, n)) < 0)
		archive_fail(err, in, "read");
	else if (r == 0 && in->gz && drain(in, err) < 0)
		r = -1;
	if (r < 0)
		return -1;
	in->off += (unsigned long long)r;
	return (ssize_t)r;
}

const char *input_name(const struct input *in)
{
	return in->name;
}

unsigned long long input_offset(const struct input *in)
{
	return in->off;
}

unsigned long long input_position(const struct input *in)
{
	la_int64_t n;

	if (in->gz)
		return gunzip_position(in->gz);
	if (!in->a)
		return in->mem_pos;
	n = archive_filter_bytes(in->a, -1);   /* -1: the file itself */
	return n > 0 ? (unsigned long long)n : 0;
}

void input_free(struct input *in)
{
	if (!in)
		return;
	if (in->a)
		archive_read_free(in->a);
	gunzip_free(in->gz);
	if (in->f)
		fclose(in->f);
	free(in->blk);
	free(in);
}
