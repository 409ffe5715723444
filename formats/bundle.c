/* bundle.c - deterministic .tar/.tar.gz/.zip writer over libarchive (see bundle.h). */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#define BUNDLE_BUF ((size_t)64 << 10)

enum bundle_format { BUNDLE_NONE, BUNDLE_TAR, BUNDLE_TGZ, BUNDLE_ZIP };

static int bundle_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

static enum bundle_format bundle_format_of(const char *archive)
{
	if (bundle_ends_with(archive, ".tar"))
		return BUNDLE_TAR;
	if (bundle_ends_with(archive, ".tar.gz") || bundle_ends_with(archive, ".tgz"))
		return BUNDLE_TGZ;
	if (bundle_ends_with(archive, ".zip"))
		return BUNDLE_ZIP;
	return BUNDLE_NONE;
}

int bundle_supported(const char *archive)
{
	return bundle_format_of(archive) != BUNDLE_NONE;
}

/* Relative, no empty, "." or ".." component. */
static int bundle_name_ok(const char *name)
{
	const char *p = name, *slash;
	size_t n;

	if (!*name || *name == '/')
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

static int bundle_cmp(const void *a, const void *b)
{
	const struct bundle_entry *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int bundle_lib_err(struct bs_err *err, struct archive *a,
			  const char *archive, const char *what)
{
	const char *msg = archive_error_string(a);

	return bs_err_at(err, BS_E_IO, archive, 0, "%s: %s", what,
			 msg ? msg : "unknown libarchive error");
}

static struct archive *bundle_open(const char *archive, const char *tmp,
				   enum bundle_format fmt, struct bs_err *err)
{
	struct archive *a = archive_write_new();
	int rc;

	if (!a) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for an archive writer");
		return NULL;
	}
	if (fmt == BUNDLE_ZIP) {
		rc = archive_write_set_format_zip(a);
	} else {
		rc = archive_write_set_format_pax_restricted(a);
		if (rc == ARCHIVE_OK && fmt == BUNDLE_TGZ)
			rc = archive_write_add_filter_gzip(a);
		if (rc == ARCHIVE_OK && fmt == BUNDLE_TGZ)
			rc = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	}
	if (rc == ARCHIVE_OK)
		rc = archive_write_open_filename(a, tmp);
	if (rc != ARCHIVE_OK) {
		bundle_lib_err(err, a, archive, "cannot start the archive");
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* Copies the file at e->path into the archive as e->name. */
static int bundle_add(struct archive *a, struct archive_entry *ae,
		      enum bundle_format fmt, const struct bundle_entry *e,
		      long long mtime, char *buf, const char *archive,
		      struct bs_err *err)
{
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	fd = open(e->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bs_err_at(err, BS_E_IO, e->path, 0, "cannot open: %s",
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		bs_err_at(err, BS_E_IO, e->path, 0, "not a regular file");
		goto out;
	}
	if (fmt == BUNDLE_ZIP &&
	    (bundle_ends_with(e->name, ".gz") ?
	     archive_write_zip_set_compression_store(a) :
	     archive_write_zip_set_compression_deflate(a)) != ARCHIVE_OK) {
		bundle_lib_err(err, a, archive, "cannot set zip compression");
		goto out;
	}
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, (time_t)mtime, 0);
	archive_entry_set_size(ae, st.st_size);
	if (archive_write_header(a, ae) != ARCHIVE_OK) {
		bundle_lib_err(err, a, archive, "cannot add a member header");
		goto out;
	}
	for (;;) {
		n = read(fd, buf, BUNDLE_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bs_err_at(err, BS_E_IO, e->path, 0, "cannot read: %s",
				  strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(a, buf, (size_t)n) != n) {
			bundle_lib_err(err, a, archive, "cannot write a member");
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int bundle_write(const char *archive, const struct bundle_entry *entries,
		 size_t n, long long mtime, struct bs_err *err)
{
	enum bundle_format fmt = bundle_format_of(archive);
	const struct bundle_entry **sorted = NULL;
	struct archive_entry *ae = NULL;
	struct archive *a = NULL;
	char *buf = NULL, *tmp = NULL;
	size_t i, len = strlen(archive);
	int rc = -1;

	if (fmt == BUNDLE_NONE)
		return bs_err_set(err, BS_E_USAGE,
				  "cannot tell the archive format of '%s'; use "
				  ".tar, .tar.gz, .tgz or .zip",
				  archive);
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	buf = malloc(BUNDLE_BUF);
	tmp = malloc(len + sizeof(".tmp"));
	ae = archive_entry_new();
	if (!sorted || !buf || !tmp || !ae) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for an archive");
		goto out;
	}
	memcpy(tmp, archive, len);
	memcpy(tmp + len, ".tmp", sizeof(".tmp"));
	for (i = 0; i < n; i++)
		sorted[i] = &entries[i];
	qsort(sorted, n, sizeof(*sorted), bundle_cmp);
	for (i = 0; i < n; i++) {
		if (!bundle_name_ok(sorted[i]->name)) {
			bs_err_set(err, BS_E_USAGE, "bad archive member name '%s'",
				   sorted[i]->name);
			goto out;
		}
		if (i && !strcmp(sorted[i - 1]->name, sorted[i]->name)) {
			bs_err_set(err, BS_E_USAGE, "archive member '%s' given twice",
				   sorted[i]->name);
			goto out;
		}
	}
	if (!(a = bundle_open(archive, tmp, fmt, err)))
		goto out;
	for (i = 0; i < n; i++)
		if (bundle_add(a, ae, fmt, sorted[i], mtime, buf, archive, err) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		bundle_lib_err(err, a, archive, "cannot finish the archive");
		goto out;
	}
	if (rename(tmp, archive) < 0) {
		bs_err_at(err, BS_E_IO, archive, 0, "cannot rename '%s' to it: %s",
			  tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_write_free(a);
	if (rc < 0 && a)
		unlink(tmp);
	archive_entry_free(ae);
	free(tmp);
	free(buf);
	free(sorted);
	return rc;
}
