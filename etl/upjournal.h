/*
 * upjournal.h - the checkpoint of `billsync upload DIR`: which bulk files
 * of DIR are loaded and which jobs were created, so that a run stopped by
 * an allocation limit, a deadline or a signal goes on where it stopped.
 *
 * DIR/upload.journal holds one line per event, appended and synced as it
 * happens:
 *
 *     job<TAB>PATH<TAB>ATTEMPT<TAB>JOB_ID   a job was created for PATH
 *     done<TAB>PATH                         PATH is finished
 *
 * PATH is the bulk file's path in the manifest.  The next run skips files
 * that are done and resumes the attempt-0 job of the others (loader.h
 * file_start).  When a run finishes every file the journal is removed, so
 * a later upload of the same directory starts afresh.  The journal holds
 * no secret: job ids and paths only.
 */
#ifndef UPJOURNAL_H
#define UPJOURNAL_H

#include "../formats/bs_err.h"
#include "sf_bulk.h"

struct upjournal;

/* Reads DIR/upload.journal if it exists (restart: ignores and empties it)
 * and opens it for appending. */
struct upjournal *upjournal_open(const char *dir, int restart,
				 struct bs_err *err);

/* 1 when an earlier run left entries. */
int upjournal_resuming(const struct upjournal *j);

/* What an earlier run recorded for path: *done, and the attempt-0 job in
 * job_id ("" when none).  Returns 1 when path is known, else 0. */
int upjournal_lookup(const struct upjournal *j, const char *path, int *done,
		     char job_id[SF_ID_SIZE]);

int upjournal_job(struct upjournal *j, const char *path, unsigned attempt,
		  const char *job_id, struct bs_err *err);
int upjournal_done(struct upjournal *j, const char *path, struct bs_err *err);

/* Closes the journal, removing the file when remove is set; NULL is
 * harmless. */
void upjournal_close(struct upjournal *j, int remove);

#endif
