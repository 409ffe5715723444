/*
 * loadrun.h - the shared state of one load (struct loader: its tasks,
 * workers, budget, pace, stray watch) and what every part of the loader
 * does with it: stop, note, report progress and job states to the hooks,
 * reserve allocations.  Below loader.c (options, order, worker threads),
 * loadfile.c (one bulk file's jobs) and strays.c (jobs lost answers may
 * have left), which call into it and never the other way; other modules
 * use loader.h.
 *
 * Locking: l->mu guards struct loader and its tasks, except halt and
 * gzip_refused (atomics).  Only the thread that called loader_run reads
 * the signal flag (*o->stop; the workers block SIGINT and SIGTERM) and
 * turns it into halt, which the workers watch.  Functions named *_locked expect the caller to
 * hold l->mu; the others take it themselves.  Hooks are called with l->mu
 * held, which is what makes them one at a time.
 */
#ifndef LOADRUN_H
#define LOADRUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "loadtypes.h"
#include "pollplan.h"

struct bulkdir_file;
struct sf_api;

#define PATH_BUF 4096
#define MSG_BUF 1024

enum task_state { T_WAITING, T_RUNNING, T_DONE };

struct task {
	const struct bulkdir_file *bf;
	struct loader_file lf;
	enum task_state state;
	enum loader_file_status status;
	unsigned long long processed;     /* for progress */
	enum sf_job_state job_state;      /* of its current job */
	unsigned jobs;
};

struct loader {
	const struct bulkdir *bd;
	struct sf_auth *auth;
	const struct loader_opts *o;
	const struct loader_hooks *h;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the org's pace, learned from the jobs that ended in this run; it
	 * sets the first wait of the next job (pollplan.h; under mu) */
	struct pollpace pace;
	struct task *tasks;
	size_t ntasks;
	size_t *obj_left;                 /* per object: files not loaded; a
					     file left unfinished keeps its
					     object's children waiting */
	atomic_int halt;                  /* stop everything now */
	int draining;                     /* start no new file */
	int stop_set;
	struct bs_err stop_err;           /* why the load stopped (first wins) */
	atomic_int gzip_refused;
	unsigned deadline_misses;
	unsigned long long last_progress_ms; /* the progress hook's last call */
	/* the org's allocations, as last seen */
	int have_api, have_batches;
	unsigned long long api_max, api_remaining, reserved_calls;
	unsigned long long batches_max, batches_remaining;
	struct loader_progress prog;
	unsigned workers_left;            /* worker threads still running */
	char tmpdir[PATH_BUF];
	/* every job this run created or resumed, and the creates that may
	 * have left a job behind (strays.h) */
	char (*known)[SF_ID_SIZE];
	size_t nknown, known_alloc;
	int known_incomplete;             /* out of memory: known is not
					     every job, so none is a stray */
	struct stray_watch *watch;
	size_t nwatch, watch_alloc;
};

/* A job create answered only after attempts whose answers were lost:
 * each of those may have made a job of its own, left Open.  At the end
 * of the run strays.c looks for them (docs/loading.md, Faults). */
struct stray_watch {
	const struct task *task;          /* the file it was for */
	char created_by[SF_ID_SIZE];      /* of the job that was answered */
	long long from_ms, to_ms;         /* createdDate window (Salesforce's
					     clock) a lost job falls in */
	unsigned tries;                   /* attempts whose answer was lost */
};

struct worker {
	struct loader *l;
	struct sf_api *api;
	struct task *task;                /* the file being loaded, or NULL */
	pthread_t thread;
};

/* snprintf that says when the text did not fit: 0, or -1 (cut). */
int loadrun_textf(char *buf, size_t size, const char *fmt, ...)
	BS_PRINTF(3, 4);

/* Why a load that SIGINT/SIGTERM stopped ended (also when a request it
 * cut short failed first). */
#define LOADRUN_INTERRUPTED "interrupted: run the same command again to " \
	"continue where it stopped"
/* Stops the load with err (the first reason is kept); halt_now stops
 * running jobs too, otherwise they finish first. */
void loadrun_stop_locked(struct loader *l, const struct bs_err *err,
			 int halt_now);
void loadrun_stop(struct loader *l, const struct bs_err *err, int halt_now);

/* A note for the note hook; f may be NULL. */
void loadrun_note_locked(struct loader *l, const struct loader_file *f,
			 const char *fmt, ...) BS_PRINTF(3, 4);

/* Recounts the progress and calls the progress hook. */
void loadrun_progress_locked(struct loader *l);

/* Calls job_created (created) or job_state; -1 when the hook failed (the
 * load is stopped). */
int loadrun_job_hook(struct loader *l, int created,
		     const struct loader_job *j);

/* Reserves the allocations a job of rows records needs (*calls: the API
 * calls reserved); -1, and the load drains, when that would eat into the
 * margin or the load is stopping. */
/* API calls a job of rows records is expected to take (loader_job_calls). */
unsigned long long loadrun_job_calls(unsigned long long rows);
int loadrun_budget_reserve(struct loader *l, const struct loader_file *f,
			   unsigned long long rows, unsigned long long *calls);
void loadrun_budget_release(struct loader *l, unsigned long long calls);

#endif
