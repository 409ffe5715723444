/* fuzz_archive.c - archive input (formats/input.c, gunzip.c): the first
 * byte picks what the rest is named (.tar, .tar.gz, .zip, .gz, .tgz), the
 * rest is written to a file of that name, and every member (or the gzip
 * stream) is read to its end or its error. */
#include <sys/types.h>

#include "formats/input.h"
#include "fuzz.h"

static const char *const names[] = {
	"f.tar", "f.tar.gz", "f.zip", "f.gz", "f.tgz"
};

static void read_to_end(const char *path, const char *member)
{
	struct bs_err err;
	struct input *in = input_open(path, member, &err);
	char buf[4096];

	if (!in)
		return;
	while (input_read(in, buf, sizeof(buf), &err) > 0)
		;
	input_free(in);
}

struct walk {
	const char *path;
	int n;
};

static int each_member(void *ctx, const char *member)
{
	struct walk *w = ctx;

	if (++w->n > 64)     /* enough members for one input */
		return 1;
	read_to_end(w->path, member);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name, *path;
	struct bs_err err;
	struct walk w = { NULL, 0 };

	if (size < 1)
		return 0;
	name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
	path = fuzz_file(name, data + 1, size - 1);
	if (!path)
		return 0;
	if (input_kind_of(name) == INPUT_ARCHIVE) {
		w.path = path;
		input_list_members(path, each_member, &w, &err);
		read_to_end(path, "data.csv");
	} else {
		read_to_end(path, NULL);
	}
	return 0;
}
