/* zsink.c - streaming gzip file writer over ISA-L or zlib (see zsink.h). */
#include "zsink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#define ZSINK_OUT ((size_t)256 << 10)   /* compressed bytes per write(2) */

struct zsink {
	char *path;             /* final name */
	char *tmp;              /* PATH.tmp, written until close */
	int fd;
	struct zsink_opts o;

	/* Compressor side: the worker thread's when threaded. */
	struct isal_zstream *is;
	unsigned char *level_buf;
	z_stream zs;
	int zs_live;            /* deflateInit2 done */
	unsigned char *out;     /* ZSINK_OUT bytes */
	struct sha256 *sha;
	uint32_t crc;
	unsigned long long gz_bytes;
	int failed;             /* sticky: werr holds the error */
	struct bs_err werr;

	/* Caller side. */
	unsigned char *blk[2];  /* blk[1] only when threaded */
	int cur;                /* block being filled */
	int broken;             /* a call failed: werr says why */
	size_t fill;
	unsigned long long raw_bytes;

	/* Hand-over to the worker: job is the block to compress, or -1. */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_job, cv_done;
	int thread_live, job, job_final, quit;
	size_t job_len;
};

int zsink_opts_parse(struct zsink_opts *o, const char *spec,
		     struct bs_err *err)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	enum zsink_codec codec;
	long level = ZSINK_LEVEL_DEFAULT;
	char *end;

	if (n == 4 && !memcmp(spec, "isal", 4))
		codec = ZSINK_ISAL;
	else if (n == 4 && !memcmp(spec, "zlib", 4))
		codec = ZSINK_ZLIB;
	else
		return bs_err_set(err, BS_E_CONFIG,
				  "unknown compression '%s'; use isal[:0-3] or zlib[:1-9]",
				  spec);
	if (colon) {
		errno = 0;
		level = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || errno || level < 0 ||
		    level > (codec == ZSINK_ISAL ? ISAL_DEF_MAX_LEVEL : 9) ||
		    (codec == ZSINK_ZLIB && level < 1))
			return bs_err_set(err, BS_E_CONFIG,
					  "bad compression level in '%s'; use "
					  "isal[:0-3] or zlib[:1-9]",
					  spec);
	}
	o->codec = codec;
	o->level = (int)level;
	return 0;
}

/* ---- compressor side ---------------------------------------------------- */

static int zsink_fail(struct zsink *z, enum bs_errkind kind, const char *what,
		      int errnum)
{
	z->failed = 1;
	if (errnum)
		return bs_err_at(&z->werr, kind, z->path, 0, "%s: %s", what,
				 strerror(errnum));
	return bs_err_at(&z->werr, kind, z->path, 0, "%s", what);
}

/* Writes n compressed bytes to the file and the digest. */
static int zsink_emit(struct zsink *z, const unsigned char *p, size_t n)
{
	ssize_t w;

	sha256_update(z->sha, p, n);
	z->gz_bytes += n;
	while (n) {
		w = write(z->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return zsink_fail(z, BS_E_IO, "cannot write", errno);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int zsink_isal_block(struct zsink *z, unsigned char *in, size_t len,
			    int final)
{
	struct isal_zstream *s = z->is;

	s->next_in = in;
	s->avail_in = (uint32_t)len;
	s->end_of_stream = (uint16_t)final;
	s->flush = NO_FLUSH;
	do {
		s->next_out = z->out;
		s->avail_out = (uint32_t)ZSINK_OUT;
		if (isal_deflate(s) != COMP_OK)
			return zsink_fail(z, BS_E_INTERNAL, "igzip compression failed", 0);
		if (zsink_emit(z, z->out, ZSINK_OUT - s->avail_out) < 0)
			return -1;
	} while (s->avail_out == 0 || s->avail_in ||
		 (final && s->internal_state.state != ZSTATE_END));
	return 0;
}

static int zsink_zlib_block(struct zsink *z, unsigned char *in, size_t len,
			    int final)
{
	z_stream *s = &z->zs;
	int rc;

	s->next_in = in;
	s->avail_in = (uInt)len;
	do {
		s->next_out = z->out;
		s->avail_out = (uInt)ZSINK_OUT;
		rc = deflate(s, final ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR)
			return zsink_fail(z, BS_E_INTERNAL, "zlib compression failed", 0);
		if (zsink_emit(z, z->out, ZSINK_OUT - s->avail_out) < 0)
			return -1;
	} while (s->avail_out == 0 || (final && rc != Z_STREAM_END));
	return 0;
}

/* Compresses one block (the last one when final). */
static int zsink_block(struct zsink *z, unsigned char *in, size_t len,
		       int final)
{
	if (z->failed)
		return -1;
	z->crc = crc32_gzip_refl(z->crc, in, len);
	if (z->o.codec == ZSINK_ISAL)
		return zsink_isal_block(z, in, len, final);
	return zsink_zlib_block(z, in, len, final);
}

static void *zsink_worker(void *arg)
{
	struct zsink *z = arg;
	int idx, final;
	size_t len;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		while (z->job < 0 && !z->quit)
			pthread_cond_wait(&z->cv_job, &z->mu);
		if (z->job < 0)
			break;
		idx = z->job;
		len = z->job_len;
		final = z->job_final;
		pthread_mutex_unlock(&z->mu);
		zsink_block(z, z->blk[idx], len, final);
		pthread_mutex_lock(&z->mu);
		z->job = -1;
		pthread_cond_signal(&z->cv_done);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* ---- caller side --------------------------------------------------------- */

/* Hands the compressor's error to the caller (err may be NULL). */
static int zsink_report(const struct zsink *z, struct bs_err *err)
{
	if (err)
		*err = z->werr;
	return -1;
}

/* Waits until the worker has no block; after it, z->failed is current. */
static void zsink_wait_idle(struct zsink *z)
{
	while (z->job >= 0)
		pthread_cond_wait(&z->cv_done, &z->mu);
}

/* Hands the filled block over (or compresses it here) and starts the next. */
static int zsink_submit(struct zsink *z, int final, struct bs_err *err)
{
	int failed;

	if (z->broken)
		goto fail;
	if (!z->thread_live) {
		if (zsink_block(z, z->blk[0], z->fill, final) < 0)
			goto fail;
		z->fill = 0;
		return 0;
	}
	pthread_mutex_lock(&z->mu);
	zsink_wait_idle(z);
	failed = z->failed;
	if (!failed) {
		z->job = z->cur;
		z->job_len = z->fill;
		z->job_final = final;
		pthread_cond_signal(&z->cv_job);
	}
	pthread_mutex_unlock(&z->mu);
	if (failed)
		goto fail;
	z->cur ^= 1;
	z->fill = 0;
	return 0;
fail:
	z->broken = 1;
	return zsink_report(z, err);
}

/* Lets the worker finish what it holds and joins it. */
static void zsink_stop(struct zsink *z)
{
	if (!z->thread_live)
		return;
	pthread_mutex_lock(&z->mu);
	zsink_wait_idle(z);
	z->quit = 1;
	pthread_cond_signal(&z->cv_job);
	pthread_mutex_unlock(&z->mu);
	pthread_join(z->thread, NULL);
	z->thread_live = 0;
}

static void zsink_free(struct zsink *z)
{
	zsink_stop(z);
	if (z->fd >= 0)
		close(z->fd);
	if (z->tmp)
		unlink(z->tmp);
	if (z->zs_live)
		deflateEnd(&z->zs);
	pthread_mutex_destroy(&z->mu);
	pthread_cond_destroy(&z->cv_job);
	pthread_cond_destroy(&z->cv_done);
	sha256_free(z->sha);
	free(z->is);
	free(z->level_buf);
	free(z->out);
	free(z->blk[0]);
	free(z->blk[1]);
	free(z->tmp);
	free(z->path);
	free(z);
}

static int zsink_start_isal(struct zsink *z, struct bs_err *err)
{
	static const uint32_t level_buf_size[ISAL_DEF_MAX_LEVEL + 1] = {
		0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
		ISAL_DEF_LVL3_DEFAULT
	};
	uint32_t size = level_buf_size[z->o.level];

	z->is = malloc(sizeof(*z->is));
	z->level_buf = size ? malloc(size) : NULL;
	if (!z->is || (size && !z->level_buf))
		return bs_err_set(err, BS_E_NOMEM, "out of memory for igzip");
	isal_deflate_init(z->is);
	z->is->gzip_flag = IGZIP_GZIP;
	z->is->level = (uint32_t)z->o.level;
	z->is->level_buf = z->level_buf;
	z->is->level_buf_size = size;
	return 0;
}

static int zsink_start_zlib(struct zsink *z, struct bs_err *err)
{
	/* windowBits 15 + 16: a gzip wrapper with mtime 0 and no name. */
	if (deflateInit2(&z->zs, z->o.level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return bs_err_set(err, BS_E_NOMEM, "out of memory for zlib");
	z->zs_live = 1;
	return 0;
}

static int zsink_check_level(struct zsink_opts *o, struct bs_err *err)
{
	int isal = o->codec == ZSINK_ISAL;

	if (o->codec != ZSINK_ISAL && o->codec != ZSINK_ZLIB)
		return bs_err_set(err, BS_E_CONFIG, "unknown compression codec %d",
				  (int)o->codec);
	if (o->level == ZSINK_LEVEL_DEFAULT)
		o->level = isal ? ZSINK_ISAL_LEVEL_DEFAULT : ZSINK_ZLIB_LEVEL_DEFAULT;
	if (o->level < (isal ? 0 : 1) || o->level > (isal ? ISAL_DEF_MAX_LEVEL : 9))
		return bs_err_set(err, BS_E_CONFIG,
				  "compression level %d is out of range for %s",
				  o->level, isal ? "isal (0-3)" : "zlib (1-9)");
	return 0;
}

struct zsink *zsink_open(const char *path, const struct zsink_opts *opts,
			 struct bs_err *err)
{
	static const struct zsink_opts defaults = ZSINK_OPTS_INIT;
	struct zsink *z;
	size_t n = strlen(path);

	z = calloc(1, sizeof(*z));
	if (!z) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for a gzip writer");
		return NULL;
	}
	z->fd = -1;
	z->job = -1;
	z->o = opts ? *opts : defaults;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv_job, NULL);
	pthread_cond_init(&z->cv_done, NULL);
	if (zsink_check_level(&z->o, err) < 0)
		goto fail;
	z->path = strdup(path);
	z->tmp = malloc(n + sizeof(".tmp"));
	z->out = malloc(ZSINK_OUT);
	z->blk[0] = malloc(ZSINK_BLOCK);
	z->blk[1] = z->o.threaded ? malloc(ZSINK_BLOCK) : NULL;
	if (!z->path || !z->tmp || !z->out || !z->blk[0] ||
	    (z->o.threaded && !z->blk[1])) {
		bs_err_set(err, BS_E_NOMEM, "out of memory for a gzip writer");
		goto fail_notmp;
	}
	memcpy(z->tmp, path, n);
	memcpy(z->tmp + n, ".tmp", sizeof(".tmp"));
	if (!(z->sha = sha256_new(err)))
		goto fail_notmp;
	if ((z->o.codec == ZSINK_ISAL ? zsink_start_isal(z, err) :
	     zsink_start_zlib(z, err)) < 0)
		goto fail_notmp;
	z->fd = open(z->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (z->fd < 0) {
		bs_err_at(err, BS_E_IO, z->tmp, 0, "cannot create: %s",
			  strerror(errno));
		goto fail_notmp;
	}
	if (z->o.threaded) {
		if (pthread_create(&z->thread, NULL, zsink_worker, z) != 0) {
			bs_err_set(err, BS_E_INTERNAL,
				   "cannot start the compression thread");
			goto fail;
		}
		z->thread_live = 1;
	}
	return z;
fail_notmp:
	/* PATH.tmp was not created by us: leave whatever is there alone. */
	free(z->tmp);
	z->tmp = NULL;
fail:
	zsink_free(z);
	return NULL;
}

int zsink_write(struct zsink *z, const void *buf, size_t len,
		struct bs_err *err)
{
	const unsigned char *p = buf;
	size_t n;

	if (z->broken)
		return zsink_report(z, err);
	while (len) {
		n = ZSINK_BLOCK - z->fill;
		if (n > len)
			n = len;
		memcpy(z->blk[z->cur] + z->fill, p, n);
		z->fill += n;
		z->raw_bytes += n;
		p += n;
		len -= n;
		if (z->fill == ZSINK_BLOCK && zsink_submit(z, 0, err) < 0)
			return -1;
	}
	return 0;
}

unsigned long long zsink_raw_bytes(const struct zsink *z)
{
	return z->raw_bytes;
}

/* fsyncs the directory holding path, so that a rename in it lasts. */
static int zsink_sync_dir(const char *path, struct bs_err *err)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) + 1 >= sizeof(dir))
		return bs_err_at(err, BS_E_IO, path, 0, "directory name too long");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path),
			 path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bs_err_at(err, BS_E_IO, dir, 0, "cannot open directory: %s",
				 strerror(errno));
	rc = fsync(fd);
	close(fd);
	if (rc < 0)
		return bs_err_at(err, BS_E_IO, dir, 0, "cannot sync directory: %s",
				 strerror(errno));
	return 0;
}

int zsink_close(struct zsink *z, struct zsink_stats *st, struct bs_err *err)
{
	struct zsink_stats s;
	int fd;

	if (zsink_submit(z, 1, err) < 0)
		goto fail;
	zsink_stop(z);
	if (z->failed) {
		zsink_report(z, err);
		goto fail;
	}
	if (z->o.sync && fsync(z->fd) < 0) {
		bs_err_at(err, BS_E_IO, z->tmp, 0, "cannot sync: %s", strerror(errno));
		goto fail;
	}
	fd = z->fd;
	z->fd = -1;
	if (close(fd) < 0) {
		bs_err_at(err, BS_E_IO, z->tmp, 0, "cannot close: %s", strerror(errno));
		goto fail;
	}
	memset(&s, 0, sizeof(s));
	s.raw_bytes = z->raw_bytes;
	s.gz_bytes = z->gz_bytes;
	s.crc32 = z->crc;
	if (sha256_final(z->sha, s.sha256, err) < 0)
		goto fail;
	if (rename(z->tmp, z->path) < 0) {
		bs_err_at(err, BS_E_IO, z->path, 0, "cannot rename '%s' to it: %s",
			  z->tmp, strerror(errno));
		goto fail;
	}
	free(z->tmp);
	z->tmp = NULL;
	if (z->o.sync && zsink_sync_dir(z->path, err) < 0)
		goto fail;
	if (st)
		*st = s;
	zsink_free(z);
	return 0;
fail:
	zsink_free(z);
	return -1;
}

void zsink_abort(struct zsink *z)
{
	if (z)
		zsink_free(z);
}
