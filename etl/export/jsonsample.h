/*
 * jsonsample.h - JSON lines have no header: the top-level keys of a
 * dataset's first records (JSON_SAMPLE_RECORDS of them, over its files in
 * order) stand for one, so that a mapping's column typo is found before
 * any row is read, as a CSV header finds it (`billsync check`, and
 * precheck.h before export, run, retry, resync and preview).  A record
 * may leave out a key whose value is null, so a column counts as there
 * when any sampled record has its first step; a dataset with no record
 * is not judged.
 *
 *     struct json_sample *js = json_sample_new();
 *     for each JSON-lines file: json_sample_file(js, name, rs, &e);
 *     json_sample_check(js, m, errs);
 *     json_sample_free(js);
 */
#ifndef JSONSAMPLE_H
#define JSONSAMPLE_H

#include "formats/bs_err.h"
#include "formats/rowsrc.h"
#include "map/mapping.h"

#define JSON_SAMPLE_RECORDS 1000
#define JSON_SAMPLE_KEYS 4096

struct json_sample;

/* NULL when out of memory; json_sample_free(NULL) is harmless. */
struct json_sample *json_sample_new(void);
void json_sample_free(struct json_sample *js);

/* Takes the keys of the records of one JSON-lines file (rs, opened, no
 * column selected; name borrowed until js is freed) until the sample is
 * full.  A bad record is left out (reading the data says what is wrong
 * with it).  0; 1 with *e when an error ended the file; -1 when out of
 * memory. */
int json_sample_file(struct json_sample *js, const char *name,
		     struct rowsrc *rs, struct bs_err *e);

/* The file sampled last ended before its end was reached (only the head
 * of a FIFO is read before the export: heads.h): the check then speaks of
 * the first records, not of every record.  Returns 0. */
int json_sample_cut(struct json_sample *js);

/* Each of m's columns whose first step no sampled record has: a
 * BS_E_CONFIG error at the column's mapping line, with a did-you-mean
 * hint, into errs. */
void json_sample_check(const struct json_sample *js, const struct mapping *m,
		       struct bs_errlist *errs);

#endif
