/* upjournal.c - the checkpoint journal of `billsync upload` (see
 * upjournal.h). */
#include "upjournal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../formats/sbuf.h"

#define JOURNAL "upload.journal"
#define LINE_MAX_LEN 8192

struct jentry {
	char *path;
	char job_id[SF_ID_SIZE];
	int done;
};

struct upjournal {
	char *path;
	int fd;
	int resuming;
	struct jentry *e;
	size_t n, alloc;
};

static struct jentry *entry(struct upjournal *j, const char *path, int add)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].path, path))
			return &j->e[i];
	if (!add)
		return NULL;
	if (j->n == j->alloc) {
		size_t na = j->alloc ? j->alloc * 2 : 16;
		struct jentry *ne = realloc(j->e, na * sizeof(*ne));

		if (!ne)
			return NULL;
		j->e = ne;
		j->alloc = na;
	}
	memset(&j->e[j->n], 0, sizeof(j->e[0]));
	j->e[j->n].path = strdup(path);
	if (!j->e[j->n].path)
		return NULL;
	return &j->e[j->n++];
}

/* Takes one line; unknown or damaged lines (a cut last line) are ignored. */
static int take_line(struct upjournal *j, char *line)
{
	char *f[4];
	size_t n = 0;
	struct jentry *e;

	f[n++] = line;
	while (n < 4 && (line = strchr(line, '\t'))) {
		*line++ = '\0';
		f[n++] = line;
	}
	if (n == 2 && !strcmp(f[0], "done")) {
		e = entry(j, f[1], 1);
		if (!e)
			return -1;
		e->done = 1;
	} else if (n == 4 && !strcmp(f[0], "job") && !strcmp(f[2], "0") &&
		   sf_id_check(f[3]) == 0) {
		e = entry(j, f[1], 1);
		if (!e)
			return -1;
		snprintf(e->job_id, sizeof(e->job_id), "%s", f[3]);
	}
	return 0;
}

static int load(struct upjournal *j, struct bs_err *err)
{
	char line[LINE_MAX_LEN];
	FILE *f = fopen(j->path, "r");

	if (!f)
		return errno == ENOENT ? 0 :
		       bs_err_set(err, BS_E_IO, "cannot read '%s': %s", j->path,
				  strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (!n || line[n - 1] != '\n')
			continue;
		line[n - 1] = '\0';
		j->resuming = 1;
		if (take_line(j, line) < 0) {
			fclose(f);
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
	}
	fclose(f);
	return 0;
}

struct upjournal *upjournal_open(const char *dir, int restart,
				 struct bs_err *err)
{
	struct upjournal *j = calloc(1, sizeof(*j));
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (!j || sbuf_addf(&sb, "%s/%s", dir, JOURNAL) < 0) {
		free(j);
		sbuf_release(&sb);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	j->path = sbuf_detach(&sb, NULL);
	j->fd = -1;
	if (!restart && load(j, err) < 0)
		goto fail;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
		     (restart ? O_TRUNC : 0), 0644);
	if (j->fd < 0) {
		bs_err_set(err, BS_E_IO, "cannot write '%s': %s", j->path,
			   strerror(errno));
		goto fail;
	}
	return j;
fail:
	upjournal_close(j, 0);
	return NULL;
}

int upjournal_resuming(const struct upjournal *j)
{
	return j->resuming;
}

int upjournal_lookup(const struct upjournal *j, const char *path, int *done,
		     char job_id[SF_ID_SIZE])
{
	const struct jentry *e = entry((struct upjournal *)j, path, 0);

	*done = e ? e->done : 0;
	snprintf(job_id, SF_ID_SIZE, "%s", e ? e->job_id : "");
	return e != NULL;
}

static int append(struct upjournal *j, const char *line, struct bs_err *err)
{
	size_t n = strlen(line);

	if (write(j->fd, line, n) != (ssize_t)n || fsync(j->fd) != 0)
		return bs_err_set(err, BS_E_IO, "cannot write '%s': %s", j->path,
				  strerror(errno));
	return 0;
}

static int check_path(const struct upjournal *j, const char *path,
		      struct bs_err *err)
{
	if (strpbrk(path, "\t\n") || strlen(path) > LINE_MAX_LEN / 2)
		return bs_err_set(err, BS_E_INPUT, "'%s' cannot be recorded in "
				  "'%s'", path, j->path);
	return 0;
}

int upjournal_job(struct upjournal *j, const char *path, unsigned attempt,
		  const char *job_id, struct bs_err *err)
{
	char line[LINE_MAX_LEN];

	if (check_path(j, path, err) < 0)
		return -1;
	snprintf(line, sizeof(line), "job\t%s\t%u\t%s\n", path, attempt, job_id);
	return append(j, line, err);
}

int upjournal_done(struct upjournal *j, const char *path, struct bs_err *err)
{
	char line[LINE_MAX_LEN];

	if (check_path(j, path, err) < 0)
		return -1;
	snprintf(line, sizeof(line), "done\t%s\n", path);
	return append(j, line, err);
}

void upjournal_close(struct upjournal *j, int remove)
{
	size_t i;

	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (remove)
		unlink(j->path);
	for (i = 0; i < j->n; i++)
		free(j->e[i].path);
	free(j->e);
	free(j->path);
	free(j);
}
