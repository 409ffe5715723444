/*
 * failmalloc.c - allocation-failure injection for a test-only build of
 * billsync (make's $(BUILD)/san/billsync-failmalloc, linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,
 * --wrap=strndup, so every allocation billsync's own objects make comes
 * here, and so does every allocation of jansson's: a constructor below
 * hands jansson this allocator with json_set_alloc_funcs(), so a JSON
 * document billsync builds can run out of memory half-built.  The other
 * libraries it links (libcsv, zlib, ISA-L, SQLite, libcurl, libarchive,
 * OpenSSL) allocate as usual (docs/testing.md says why), and billsync
 * calls no other allocating function of libc, such as realpath(p, NULL)).
 * Test-only code: the counters below are the global state the product
 * must not have.
 *
 *   BILLSYNC_FAILMALLOC=N        the Nth allocation (1-based) returns NULL,
 *                                once; the others succeed
 *   BILLSYNC_FAILMALLOC_SITES=F  at exit, writes to F one line per call site
 *                                "INDEX SITE": the index of the site's
 *                                first allocation and the site: the return
 *                                addresses of the three innermost frames
 *                                that called the allocator (so a helper
 *                                such as sbuf_grow counts once per caller),
 *                                jansson's own frames left out (so each
 *                                json_object_set_new() of billsync's is a
 *                                site of its own),
 *                                as offsets into their objects (for
 *                                addr2line -e billsync-failmalloc)
 *   BILLSYNC_FAILMALLOC_COUNT=F  at exit, writes to F how many allocations
 *                                the run made (the range of N to sweep)
 *   BILLSYNC_FAILMALLOC_WHERE=1  prints the stack of the failed allocation
 *                                (offsets, for addr2line) to stderr
 *   BILLSYNC_FAILMALLOC_JANSSON=0  leaves jansson's allocations out (its
 *                                parser reports a string it could not
 *                                allocate as a syntax error, which a load of
 *                                Salesforce's answers cannot tell from one)
 *
 * tests/e2e/t90_alloc.sh uses the second to fail each site once with the
 * first.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

#define SITE_DEPTH 3
#define MAX_FRAMES (SITE_DEPTH + 24)
#define MAX_SITES 8192

struct site {
	uintptr_t pc[SITE_DEPTH];
	unsigned long first;
};

/* jansson's allocations come here too (they are billsync's JSON
 * documents), unless BILLSYNC_FAILMALLOC_JANSSON=0 */
__attribute__((constructor)) static void route_jansson(void)
{
	const char *v = getenv("BILLSYNC_FAILMALLOC_JANSSON");

	if (!v || strcmp(v, "0"))
		json_set_alloc_funcs(__wrap_malloc, free);
}

static struct {
	int ready;
	unsigned long n;        /* allocations so far */
	unsigned long fail_at;  /* 0: none */
	const char *sites_path;
	const char *count_path;
	struct site *sites;     /* a hash table of MAX_SITES */
	size_t n_sites;
	int busy;               /* inside backtrace(), which may allocate */
} fm;

/* 1 when pc is code of libjansson's, whose frames a site skips */
static int in_jansson(void *pc)
{
	Dl_info info;

	return dladdr(pc, &info) && info.dli_fname &&
		strstr(info.dli_fname, "libjansson");
}

static uintptr_t offset_of(void *pc)
{
	Dl_info info;

	if (dladdr(pc, &info) && info.dli_fbase)
		return (uintptr_t)pc - (uintptr_t)info.dli_fbase;
	return (uintptr_t)pc;
}

static void write_sites(void)
{
	FILE *f = fopen(fm.sites_path, "w");
	size_t i;

	if (!f)
		return;
	for (i = 0; i < MAX_SITES; i++) {
		const struct site *s = &fm.sites[i];

		if (s->first)
			fprintf(f, "%lu %lx:%lx:%lx\n", s->first,
				(unsigned long)s->pc[0], (unsigned long)s->pc[1],
				(unsigned long)s->pc[2]);
	}
	fclose(f);
}

static void write_count(void)
{
	FILE *f = fopen(fm.count_path, "w");

	if (!f)
		return;
	fprintf(f, "%lu\n", fm.n);
	fclose(f);
}

static void setup(void)
{
	const char *v = getenv("BILLSYNC_FAILMALLOC");

	fm.ready = 1;
	fm.fail_at = v ? strtoul(v, NULL, 10) : 0;
	fm.count_path = getenv("BILLSYNC_FAILMALLOC_COUNT");
	if (fm.count_path)
		atexit(write_count);
	fm.sites_path = getenv("BILLSYNC_FAILMALLOC_SITES");
	if (fm.sites_path) {
		fm.sites = __real_calloc(MAX_SITES, sizeof(*fm.sites));
		if (fm.sites)
			atexit(write_sites);
	}
}

/* Records the call site of allocation fm.n: caller, the wrapper's return
 * address, and the frames above it, less those in jansson. */
static void record(void *caller)
{
	void *frames[MAX_FRAMES];
	struct site s = { { 0 }, 0 };
	size_t h = 0, i;
	int n, k, j = 0;

	fm.busy = 1;
	n = backtrace(frames, MAX_FRAMES);
	fm.busy = 0;
	for (k = 0; k < n && frames[k] != caller; k++)
		;
	if (k == n) {   /* not found: the caller alone */
		frames[0] = caller;
		k = 0;
		n = 1;
	}
	while (k + 1 < n && in_jansson(frames[k]))
		k++;
	for (; k < n && j < SITE_DEPTH; k++, j++) {
		s.pc[j] = offset_of(frames[k]);
		h = h * 1000003u ^ s.pc[j];
	}
	for (i = h % MAX_SITES; fm.n_sites < MAX_SITES - 1; i = (i + 1) % MAX_SITES) {
		struct site *t = &fm.sites[i];

		if (!t->first) {
			s.first = fm.n;
			*t = s;
			fm.n_sites++;
			return;
		}
		if (!memcmp(t->pc, s.pc, sizeof(s.pc)))
			return;
	}
}

/* Counts one allocation made from caller; 1 when it is to fail. */
static int count(void *caller)
{
	if (!fm.ready)
		setup();
	if (fm.busy)
		return 0;
	fm.n++;
	if (fm.sites)
		record(caller);
	if (fm.n != fm.fail_at)
		return 0;
	if (getenv("BILLSYNC_FAILMALLOC_WHERE")) {
		void *frames[16];
		int k, n;

		fm.busy = 1;
		n = backtrace(frames, 16);
		fm.busy = 0;
		for (k = 0; k < n; k++)
			fprintf(stderr, "failmalloc: #%d 0x%lx\n", k,
				(unsigned long)offset_of(frames[k]));
	}
	return 1;
}

#define CALLER __builtin_extract_return_addr(__builtin_return_address(0))

void *__wrap_malloc(size_t n)
{
	return count(CALLER) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return count(CALLER) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return count(CALLER) ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return count(CALLER) ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return count(CALLER) ? NULL : __real_strndup(s, n);
}
