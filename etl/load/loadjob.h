/*
 * loadjob.h - the steps of one Bulk API 2.0 job of a bulk file: create it
 * (within the budget, remembered for strays.h), upload (gzip, or plain
 * when the org refuses it; an upload whose answer was lost is checked on
 * the job before sending again), close, poll until it ends.  Each returns
 * 0 when done, 1 when Salesforce refused it (the attempt failed, the load
 * goes on) where said, -1 when the load stops (the file's outcome is set).
 */
#ifndef LOADJOB_H
#define LOADJOB_H

#include "filerun.h"

/* Creates the job for the current attempt: 0, 1 (refused: the file
 * failed), -1 (an error, or the budget says stop before this file). */
int loadjob_create(struct filerun *fr);

/* Before the rows of a resumed ExceededQuota job are reported, creates
 * the job that sends the rest (fr->next): if the allocation is still used
 * up, Salesforce refuses it and the file stays as it was.  0 or -1. */
int loadjob_open_next(struct filerun *fr);
/* Aborts the job loadjob_open_next made when it is not needed after all. */
void loadjob_drop_next(struct filerun *fr);

/* Reads the job's state: 0, 1 when it is gone (*not_found), -1. */
int loadjob_get(struct filerun *fr, long *retry_after, int *not_found);

/* Uploads the current attempt's file into the Open job: 0 when uploaded,
 * 1 when the attempt was given up, -1. */
int loadjob_upload(struct filerun *fr);
/* UploadComplete: 0, 1, -1. */
int loadjob_close(struct filerun *fr);

/* Polls until the job ends: 0 when it did, -1 when the load stops or the
 * deadline passed (the file stays unfinished). */
int loadjob_poll(struct filerun *fr);

#endif
