/* rejects.c - an object's rejects.csv (see rejects.h). */
#include "rejects.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/csvw.h"
#include "formats/sbuf.h"

#define REJECT_HEAD 4096   /* bytes of a record too large to quote whole */

struct rejects {
	char *dir;
	FILE *f;
	struct sbuf row;
};

struct rejects *rejects_new(const char *dir, size_t max_record)
{
	struct rejects *r = calloc(1, sizeof(*r));

	if (!r || !(r->dir = strdup(dir))) {
		free(r);
		return NULL;
	}
	sbuf_init(&r->row, max_record);
	return r;
}

static int open_file(struct rejects *r, struct bs_err *err)
{
	static const char *const header[] = { "source", "line", "field",
					       "reason", "record" };
	char path[4096];

	snprintf(path, sizeof(path), "%s/rejects.csv", r->dir);
	sbuf_reset(&r->row);
	if (csvw_record_strs(&r->row, header, NULL, 5, 0, err) < 0)
		return -1;
	r->f = fopen(path, "w");
	if (!r->f || fwrite(r->row.buf, 1, r->row.len, r->f) != r->row.len)
		return bs_err_at(err, BS_E_IO, path, 0, "cannot write: %s",
				 strerror(errno));
	return 0;
}

int rejects_add(struct rejects *r, const char *source, unsigned long line,
		const struct bs_err *reason, const char *raw, size_t raw_len,
		struct bs_err *err)
{
	const char *cells[5];
	size_t lens[5];
	char num[32];

	if (!r->f && open_file(r, err) < 0)
		return -1;
	snprintf(num, sizeof(num), "%lu", line);
	cells[0] = source;
	cells[1] = num;
	cells[2] = reason->field;
	cells[3] = reason->msg;
	cells[4] = raw;
	lens[0] = strlen(cells[0]);
	lens[1] = strlen(num);
	lens[2] = strlen(cells[2]);
	lens[3] = strlen(cells[3]);
	lens[4] = raw_len;
	sbuf_reset(&r->row);
	if (csvw_record_strs(&r->row, cells, lens, 5, 0, err) < 0) {
		/* a record too large to quote whole: keep its head */
		lens[4] = lens[4] > REJECT_HEAD ? REJECT_HEAD : lens[4];
		sbuf_reset(&r->row);
		if (csvw_record_strs(&r->row, cells, lens, 5, 0, err) < 0)
			return -1;
	}
	if (fwrite(r->row.buf, 1, r->row.len, r->f) != r->row.len)
		return bs_err_set(err, BS_E_IO, "cannot write rejects.csv");
	return 0;
}

int rejects_any(const struct rejects *r)
{
	return r && r->f;
}

int rejects_close(struct rejects *r, struct bs_err *err)
{
	int rc = 0;

	if (r && r->f && fclose(r->f) != 0)
		rc = bs_err_at(err, BS_E_IO, r->dir, 0,
			       "cannot write rejects.csv");
	if (r)
		r->f = NULL;
	rejects_free(r);
	return rc;
}

void rejects_free(struct rejects *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	sbuf_release(&r->row);
	free(r->dir);
	free(r);
}
