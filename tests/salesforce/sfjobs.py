"""Bulk API 2.0 ingest jobs: job info shapes, the processor that runs them, and result CSVs."""

import random
import threading
import time

import sfcsv
from sfcsv import CsvError
from sfrows import LOCKED, Plan, apply_row
from sfwire import record_error, sf_time

OPEN, UPLOAD_COMPLETE, IN_PROGRESS = "Open", "UploadComplete", "InProgress"
JOB_COMPLETE, FAILED, ABORTED = "JobComplete", "Failed", "Aborted"
STATES = (OPEN, UPLOAD_COMPLETE, IN_PROGRESS, JOB_COMPLETE, FAILED, ABORTED)
TERMINAL = (JOB_COMPLETE, FAILED, ABORTED)

CHUNK = 200             # records per transaction chunk
BATCH = 10000           # records per internal batch (one DailyBulkApiBatches unit)
STEP_MAX = 400          # records processed per job per lock hold
TICK = 0.005            # processor wake-up interval, seconds

# Decisions (open question 4 and fault switches): these texts were never recorded.
NO_DATA = "InvalidBatch : No data was uploaded for this job"
BATCHES_EXCEEDED = "ExceededQuota : DailyBulkApiBatches Limit exceeded."
RECORDS_EXCEEDED = "ExceededQuota : DailyBulkRecords Limit exceeded."
RETRIES_EXCEEDED = "InternalServerError : Failed to process batch: retried more than 20 times"
# Decision (open question 4, the open_limit_s knob): a job still Open when the 24-hour
# open limit passes ends Failed with this errorMessage.  The reference leaves the end
# state unknown.  Failed rather than Aborted: Aborted means stopped by the job's
# creator or a user with "Manage Data Integrations" (reference 3.9), Failed means
# "the job could not be processed", which a server-side clean-up is; a Failed job
# carries an errorMessage that says why, and Salesforce's advice for a failed job
# (create a new job for the unprocessed records) is what a client must do here.
# "Timeout" is one of the Bulk exception names of reference 7.1.
OPEN_TIMEOUT = "Timeout : Job was not closed within %s of its creation"


def duration_text(seconds):
    """86400 -> '24 hours', 1.5 -> '1.5 seconds' (for OPEN_TIMEOUT)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return "%d hours" % (seconds // 3600)
    return "%g second%s" % (seconds, "" if seconds == 1 else "s")


def space_quote_error(col, raw, field):
    """The sf__Error of a record with a space before or after a quote.  Decision: the
    reference (section 5) makes this a row error without recording its text; this is
    the recorded deserialisation wording of section 4.2 (0-based col, as there)."""
    return record_error("INVALID_FIELD", "Failed to deserialize field at col %d. Due to, "
                        "'%s' has a space before or after its quotes" % (col, raw), [field])


class Job:
    def __init__(self, jid, obj, operation, ext_field, line_ending, delimiter,
                 api_version, rule_id, user_id, now):
        self.id, self.obj, self.operation, self.ext_field = jid, obj, operation, ext_field
        self.line_ending, self.delimiter = line_ending, delimiter
        self.api_version, self.rule_id, self.user_id = api_version, rule_id, user_id
        self.created = self.modstamp = now
        self.created_mono = time.monotonic()    # the lifetime knobs use this clock
        self.ended_mono = None                  # monotonic time it reached a terminal state
        self.state = OPEN
        self.data = None            # the uploaded CSV (decompressed bytes)
        self.closed_at = None       # monotonic time of UploadComplete
        self.preparing = False
        self.doomed = False         # fail_object fault: fails once it is InProgress
        self.header = None
        self.plan = None
        self.rows = None            # iterator over the records not yet processed
        self.dups = frozenset()
        self.total = self.processed = self.failed = self.retries = self.batches = 0
        self.row_index = 0
        self.started = None
        self.allowed = 0.0          # rate_total: records its share of the org allows so far
        self.total_ms = self.active_ms = 0.0
        self.error_message = None
        self.successes, self.failures = [], []
        self.unprocessed = None     # rows left when the job ended, once known

    @property
    def delim(self):
        return sfcsv.DELIMITERS[self.delimiter]

    @property
    def eol(self):
        return sfcsv.LINE_ENDINGS[self.line_ending]

    def content_url(self):
        return "services/data/v%s/jobs/ingest/%s/batches" % (self.api_version, self.id)

    def _base(self):
        d = {"id": self.id, "operation": self.operation, "object": self.obj.name,
             "createdById": self.user_id, "createdDate": sf_time(self.created),
             "systemModstamp": sf_time(self.modstamp), "state": self.state}
        if self.ext_field:
            d["externalIdFieldName"] = self.ext_field
        if self.rule_id:
            d["assignmentRuleId"] = self.rule_id
        d["concurrencyMode"] = "Parallel"
        d["contentType"] = "CSV"
        d["apiVersion"] = float(self.api_version)
        return d

    def info_short(self):
        """The PATCH (close/abort) response."""
        return self._base()

    def _with_format(self, listed, content_url):
        d = self._base()
        if listed:
            d["jobType"] = "V2Ingest"
        if content_url:
            d["contentUrl"] = self.content_url()
        d["lineEnding"] = self.line_ending
        d["columnDelimiter"] = self.delimiter
        return d

    def info_created(self, multipart=False):
        """The create response (multipart create: already closed, no contentUrl)."""
        return self._with_format(False, not multipart)

    def info_listed(self):
        """A job in GET .../jobs/ingest; contentUrl only while Open."""
        return self._with_format(True, self.state == OPEN)

    def info_full(self):
        d = self.info_listed()
        total_ms = self.total_ms
        if self.state == IN_PROGRESS and self.started is not None:
            total_ms = (time.monotonic() - self.started) * 1000
        d.update({"numberRecordsProcessed": self.processed,
                  "numberRecordsFailed": self.failed, "retries": self.retries,
                  "totalProcessingTime": int(total_ms),
                  "apiActiveProcessingTime": int(self.active_ms),
                  "apexProcessingTime": 0})
        if self.error_message:
            d["errorMessage"] = self.error_message
        return d

    def finish(self, state, message=None, at=None):
        """Moves the job to a terminal state; rows not processed become unprocessed.
        at: the monotonic time it ended, when that was before now."""
        now = time.monotonic()
        self.state = state
        self.error_message = message
        self.ended_mono = now if at is None else at
        self.modstamp = time.time() - (now - self.ended_mono)
        if self.started is not None:
            self.total_ms = (time.monotonic() - self.started) * 1000
        if self.rows is not None:
            self.unprocessed = list(self.rows)
            self.rows = None
            self.data = None

    def results(self, kind, shuffle_seed=0):
        """The text of successfulResults / failedResults / unprocessedrecords."""
        header, rows = self.header, self.unprocessed
        if rows is None and self.data is not None:
            # never started: every record of the upload; unparseable data comes back as sent
            text = self.data.decode("utf-8", "replace")
            try:
                parsed = list(sfcsv.iter_rows(text, self.delim, self.line_ending))
            except CsvError:
                if kind == "unprocessedrecords":
                    return text
                parsed = []
                header = header or sfcsv.read_header(text, self.delim)
            header = parsed[0] if parsed else header
            rows = parsed[1:]
        header = header or []
        if kind == "unprocessedrecords":
            head = sfcsv.plain_header(header, self.delim) if header else None
            lines = [sfcsv.result_line(r, self.delim) for r in rows or []]
        else:
            lead = ["sf__Id", "sf__Created"] if kind == "successfulResults" \
                else ["sf__Id", "sf__Error"]
            head = sfcsv.result_header(lead, header, self.delim)
            lines = self.successes if kind == "successfulResults" else self.failures
        if shuffle_seed:
            lines = list(lines)
            random.Random(shuffle_seed).shuffle(lines)
        out = ([head] if head is not None else []) + lines
        return "".join(line + self.eol for line in out)


class Processor(threading.Thread):
    """Moves closed jobs to InProgress and processes their records at faults['rate']
    records per second per job, in chunks of 200, until JobComplete or Failed.  With
    faults['rate_total'] the whole org processes at most that many records per second,
    shared equally by the jobs in progress (a job that needs less than its share leaves
    the rest to the others)."""

    def __init__(self, org):
        super().__init__(name="job-processor", daemon=True)
        self.org = org

    def run(self):
        org = self.org
        behind = False
        while True:
            with org.cond:
                if org.stopping:
                    return
                if not behind:
                    org.cond.wait(TICK if org.active else 1.0)    # closing a job notifies
                    if org.stopping:
                        return
            behind = self.step()

    def step(self):
        """One round over the active jobs; True when a job is behind its pace."""
        org = self.org
        now = time.monotonic()
        with org.lock:
            for jid, j in list(org.active.items()):
                if org.jobs.get(jid) is not j or j.state not in (UPLOAD_COMPLETE, IN_PROGRESS):
                    del org.active[jid]         # ended, aborted or deleted
            wait = org.faults["queue_ms"] / 1000.0
            ready = [j for j in org.active.values() if j.state == UPLOAD_COMPLETE
                     and not j.preparing and now - j.closed_at >= wait]
            for j in ready:
                j.preparing = True
            schema = org.schema
        for j in ready:
            prepared = self._prepare(schema, j)       # CPU work outside the lock
            with org.lock:
                self._start(j, prepared)
        with org.lock:
            running = [j for j in org.active.values() if j.state == IN_PROGRESS]
            self._share(running, time.monotonic())
        behind = False
        for j in running:               # the lock is let go between jobs
            with org.lock:
                if j.state == IN_PROGRESS:
                    behind = self._advance(j) or behind
        return behind

    def _share(self, running, now):
        """rate_total: hands out the records the org may process since the last call
        (org.share_at) to the jobs in progress, equally, by water-filling: a job gets no
        more than it can still use (its records left, and under `rate` its own pace), and
        what it leaves goes to the others.  Time when no job was in progress is not
        handed out."""
        org = self.org
        since, org.share_at = org.share_at, now
        total = org.faults["rate_total"]
        jobs = [j for j in running if not j.doomed and j.processed < j.total]
        if total <= 0 or not jobs:
            return
        budget = (now - max(since, min(j.started for j in jobs))) * total
        rate = org.faults["rate"]
        want = {}
        for j in jobs:
            j.allowed = max(j.allowed, j.processed)     # rate_total was off meanwhile
            cap = j.total if rate <= 0 else min(j.total, (now - j.started) * rate)
            want[j.id] = max(0.0, cap - j.allowed)
        jobs.sort(key=lambda j: want[j.id])
        for i, j in enumerate(jobs):
            give = min(want[j.id], budget / (len(jobs) - i))
            j.allowed += give
            budget -= give

    @staticmethod
    def _prepare(schema, job):
        """Reads the whole upload once: header plan, record count, duplicate keys,
        or the errorMessage that fails the job."""
        if job.data is None:
            return {"error": NO_DATA, "header": None}
        text = job.data.decode("utf-8", "replace")  # Decision: bad UTF-8 becomes U+FFFD
        header, bad = None, ()
        try:
            bad = sfcsv.check(text, job.delim, job.line_ending)
            rows = sfcsv.rows(text, job.delim, bad)
            header = next(rows, None)
            if header is None:
                # Decision (open question 3): an empty upload completes with 0 records.
                return {"error": None, "header": [], "total": 0, "text": text}
            plan = Plan(schema, job.obj, job.operation, job.ext_field, header)
            total, seen, dups = 0, set(), set()
            for row in rows:
                total += 1
                if len(row) != len(header):
                    # Decision: a record with the wrong number of values fails the job.
                    raise CsvError("InvalidBatch : Failed to parse CSV. Record %d has %d "
                                   "values, the header has %d" % (total, len(row), len(header)))
                if job.operation == "upsert" and not isinstance(row, sfcsv.BadRow):
                    # Decision: every record of a job that shares its external id with
                    # another record of the job fails (DUPLICATE_EXTERNAL_ID).
                    key = plan.row_key(row)
                    if key is not None:
                        (dups if key in seen else seen).add(key)
        except CsvError as e:
            if header is None:
                # the results still echo the uploaded header names (reference 4.1)
                header = sfcsv.read_header(text, job.delim)
            return {"error": str(e), "header": header}
        return {"error": None, "header": header, "plan": plan, "total": total,
                "dups": frozenset(dups), "text": text, "bad": bad}

    def _start(self, job, p):
        org = self.org
        if org.jobs.get(job.id) is not job or job.state != UPLOAD_COMPLETE:
            return                      # aborted or deleted meanwhile
        job.preparing = False
        job.header = p["header"]
        job.modstamp = time.time()
        job.started = time.monotonic()
        if job.obj.name in org.fail_objects():
            job.state, job.doomed = IN_PROGRESS, True
            return
        if p["error"]:
            job.finish(FAILED, p["error"])
            return
        job.state = IN_PROGRESS
        job.plan, job.total = p.get("plan"), p["total"]
        job.dups = p.get("dups", frozenset())
        if job.total:
            job.rows = sfcsv.rows(p["text"], job.delim, p["bad"])
            next(job.rows)              # the header
        else:
            job.finish(JOB_COMPLETE)

    def _advance(self, job):
        """Processes the job's records that are due; True when more are due already."""
        org = self.org
        if job.doomed:
            job.retries = 20
            org.fired("fail_object")
            job.finish(FAILED, RETRIES_EXCEEDED)
            return False
        rate = org.faults["rate"]
        elapsed = time.monotonic() - job.started
        target = job.total if rate <= 0 else min(job.total, int(elapsed * rate))
        if org.faults["rate_total"] > 0:
            target = min(target, int(job.allowed))
        budget = STEP_MAX
        while job.processed < job.total and budget > 0:
            n = min(CHUNK, job.total - job.processed)
            if job.processed + n > target:
                break
            while job.batches * BATCH < job.processed + n:     # one per started 10,000
                if org.usage["batches"] >= org.limits["DailyBulkApiBatches"]:
                    job.finish(FAILED, BATCHES_EXCEEDED)
                    return False
                org.usage["batches"] += 1
                job.batches += 1
            left = org.limits["DailyBulkRecords"] - org.usage["records"]
            if left <= 0:
                job.finish(FAILED, RECORDS_EXCEEDED)
                return False
            n = min(n, left)
            t0 = time.perf_counter()
            stamp = sf_time(time.time())
            for _ in range(n):
                self._row(job, stamp)
            job.active_ms += (time.perf_counter() - t0) * 1000
            job.modstamp = time.time()
            budget -= n
        if job.processed >= job.total:
            job.finish(JOB_COMPLETE)
            return False
        return budget <= 0 and job.processed + min(CHUNK, job.total - job.processed) <= target

    def _row(self, job, stamp):
        org = self.org
        row = next(job.rows)
        job.row_index += 1
        if isinstance(row, sfcsv.BadRow):
            # a space before or after a quote: this record fails, the others go on
            job.processed += 1
            org.usage["records"] += 1
            job.failed += 1
            org.stats["records_failed"] += 1
            col = job.plan.columns[row.col]
            job.failures.append(sfcsv.result_line(
                ["", space_quote_error(row.col, row[row.col], col.field.name)] + row,
                job.delim))
            return
        every = org.faults["lock_rows_every"]
        lock_key = None
        if every:
            # Decision: a record chosen (every Nth of a job) is refused with
            # UNABLE_TO_LOCK_ROW in lock_rows_times jobs (default 1: once), wherever it
            # sits in them; after that the same record re-sent succeeds.
            key = (job.obj.name, job.plan.row_key(row) or tuple(row))
            times, seen = org.faults["lock_rows_times"], org.locked.get(key, 0)
            if seen:
                if times == 0 or seen < times:
                    lock_key = key
            elif job.row_index % every == 0:
                lock_key = key
        out = apply_row(org.store, job.plan, row, stamp, job.dups, lock_key is not None)
        if out.error is LOCKED:
            org.locked[lock_key] += 1
            org.fired("lock_rows_every")
        job.processed += 1
        org.usage["records"] += 1
        if out.error:
            job.failed += 1
            org.stats["records_failed"] += 1
            job.failures.append(sfcsv.result_line([out.rid, out.error] + row, job.delim))
        else:
            job.successes.append(sfcsv.result_line(
                [out.rid, "true" if out.created else "false"] + job.plan.echo(row), job.delim))
