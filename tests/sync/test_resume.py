#!/usr/bin/env python3
"""Resume (issue 7): `billsync run` killed with SIGKILL at each point of its
work, then started again, ends with what a clean run leaves: the same records
in Salesforce, none stored twice, the same per-record outcomes in the state,
and every job the killed run had recorded polled again, never created again.

The points are found by watching the emulator (its request log and jobs) and
the state database, never by hooks in billsync:

  export     the daily revenue file is a FIFO the test feeds: billsync is
             blocked reading it, with the other bulk files written
  created    the job is created and recorded; its upload is answered 500
             (not executed) while the answer is held back (slow_ms)
  uploaded   the upload is stored; its answer is held back (slow_ms)
  polling    jobs processed at 5 records/s: killed after a job-info GET
  results    killed after a successfulResults GET, its answer held back
  unrecorded the job-create request reached Salesforce but its answer did
             not reach billsync: the one window a ledger cannot cover; the
             job is left Open and empty, and still no record lands twice
  lock retry a job re-sending rows that failed with UNABLE_TO_LOCK_ROW exists

plus a run killed twice (the continuing run killed again) and a later
incremental run killed while polling."""

import os
import shutil
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (SAMPLE_FAILED, Tap, World, check_like_clean, check_run,  # noqa: E402
                      clean_result, duplicates, edit_csv, emuctl, is_upload, job_of,
                      request_mark, requests_after, wait_for)

SLOW_MS = 300
FINAL = ("JobComplete", "Failed", "Aborted")


class Point:
    """A kill point: arrange(world) sets it up, trigger(world, proc) waits for
    it and returns what it saw, restore(world) undoes arrange, and
    check_killed(t, world, label) checks it was hit."""
    faults = {}          # set by arrange, cleared by restore

    def arrange(self, w):
        self.mark = request_mark(w.emu)
        if self.faults:
            w.emu.set_faults(**self.faults)

    def restore(self, w):
        if self.faults:
            w.emu.set_faults(**{k: None for k in self.faults})

    def find(self, w, pred):
        """The first request logged since arrange for which pred is true."""
        for r in w.emu.requests():
            if r["seq"] > self.mark and pred(r):
                return r
        return None


# ---- the kill points --------------------------------------------------------

class ExportPoint(Point):
    name = "export"

    def arrange(self, w):
        super().arrange(w)
        # a dataset one mapping reads (a FIFO two chosen mappings read is
        # refused before the export starts); smaller than a pipe holds, so
        # the check before the export waits on it for the rest: the kill
        # comes while the run is exporting, before any bulk file is whole
        self.data = os.path.join(w.tmp, "ilib.csv")
        fifo = w.path("invoice_line_item_billing")
        shutil.move(fifo, self.data)
        os.mkfifo(fifo)
        self.fed, self.release = threading.Event(), threading.Event()
        self.feeder = threading.Thread(target=self.feed, args=(fifo,), daemon=True)
        self.feeder.start()

    def feed(self, fifo):
        """Writes the first 200 kB (all of a smaller file), and then leaves
        billsync waiting for more: the pipe stays open."""
        with open(self.data, "rb") as f:
            head = f.read(200000)
        try:
            with open(fifo, "wb") as out:
                out.write(head)
                out.flush()
                self.fed.set()
                self.release.wait(60)
        except BrokenPipeError:
            pass

    def trigger(self, w, proc):
        fed = wait_for(self.fed.is_set, proc)
        exporting = wait_for(lambda: [r for r in w.runs() if r["phase"] == "exporting"],
                             proc)
        return fed and exporting and "run %d exporting" % exporting[0]["id"]

    def restore(self, w):
        self.release.set()
        self.feeder.join(5)
        os.remove(w.path("invoice_line_item_billing"))
        shutil.move(self.data, w.path("invoice_line_item_billing"))

    def check_killed(self, t, w, label):
        t.eq(self.find(w, lambda r: r["kind"] == "job_create"), None,
             "%s: no job was created before the kill" % label)
        t.ok(not [f for _, _, fs in os.walk(w.last_run()[1] or w.tmp) for f in fs
                  if f == "manifest.json"],
             "%s: the kill came before the export's end (no manifest)" % label)


class CreatedPoint(Point):
    name = "created"
    faults = {"slow_ms": SLOW_MS}

    def trigger(self, w, proc):
        if not wait_for(lambda: self.find(w, lambda r: r["kind"] == "job_create"), proc):
            return None
        w.emu.set_faults(http_500_every=1)      # the upload is refused, not executed
        put = wait_for(lambda: self.find(w, lambda r: is_upload(r) and r["status"] == 500),
                       proc)
        return put and job_of(put["path"])

    def restore(self, w):
        super().restore(w)
        w.emu.set_faults(http_500_every=None)

    def check_killed(self, t, w, label):
        t.eq(self.find(w, lambda r: is_upload(r) and r["status"] == 201), None,
             "%s: no upload had landed at the kill" % label)


class UploadedPoint(Point):
    name = "uploaded"
    faults = {"slow_ms": SLOW_MS}

    def trigger(self, w, proc):
        put = wait_for(lambda: self.find(w, lambda r: is_upload(r) and r["status"] == 201),
                       proc)
        return put and job_of(put["path"])

    def check_killed(self, t, w, label):
        state = {j["id"]: j["state"] for j in w.emu.jobs()}
        t.eq(state.get(self.detail), "Open", "%s: the job had its data but was not closed"
             % label)


class PollingPoint(Point):
    name = "polling"
    faults = {"rate": 5}

    def trigger(self, w, proc):
        r = wait_for(lambda: self.find(w, lambda r: r["method"] == "GET" and
                                       r["kind"] == "job_info"), proc)
        return r and job_of(r["path"])

    def check_killed(self, t, w, label):
        state = {j["id"]: j["state"] for j in w.emu.jobs()}
        t.ok(state.get(self.detail) not in FINAL, "%s: the polled job was still running"
             % label, state)


class ResultsPoint(Point):
    name = "results"
    faults = {"slow_ms": SLOW_MS}

    def trigger(self, w, proc):
        r = wait_for(lambda: self.find(w, lambda r: "successfulResults" in r["path"]), proc)
        return r and job_of(r["path"])

    def check_killed(self, t, w, label):
        job = [j for j in w.jobs() if j["id"] == self.detail]
        files = {f["path"]: f["status"] for f in w.files(job[0]["run"])} if job else {}
        t.ok(job and files.get(job[0]["path"]) != "done", "%s: the file was not done at "
             "the kill" % label, job, files)


class UnrecordedPoint(Point):
    name = "unrecorded"
    faults = {"slow_ms": SLOW_MS}

    def trigger(self, w, proc):
        r = wait_for(lambda: self.find(w, lambda r: r["kind"] == "job_create"), proc)
        return r and "create seq %d" % r["seq"]

    def check_killed(self, t, w, label):
        t.eq(w.jobs(), [], "%s: the ledger had no job at the kill" % label)


class LockRetryPoint(Point):
    """Rows locked once each: killed once a job re-sending locked rows exists."""
    name = "lock retry"
    faults = {"lock_rows_every": 5}

    def trigger(self, w, proc):
        jobs = wait_for(lambda: [j for j in w.jobs() if j["attempt"] >= 1], proc)
        return jobs and jobs[0]["id"]

    def check_killed(self, t, w, label):
        t.ok(any(j["attempt"] >= 1 for j in w.jobs()), "%s: a lock retry job was in the "
             "ledger" % label)


# ---- one scenario ------------------------------------------------------------

def check_end(t, w, clean, label):
    """Salesforce and the state end as after a clean run."""
    check_like_clean(t, w, clean, label)
    files = w.query("SELECT run, path, status FROM files")
    t.ok(files and all(f["status"] == "done" for f in files),
         "%s: every bulk file of every run is done" % label, files)


def scenario(t, emu, clean, point):
    label = "killed at %s" % point.name
    emu.reset()
    # one job at a time: a job created by a parallel worker in the instant of
    # the kill would be the "unrecorded" point's case, not this point's
    with World(emu=emu, load={"max_jobs": "1"}) as w:
        point.arrange(w)
        proc = w.spawn()
        point.detail = point.trigger(w, proc)
        alive = proc.kill()
        if not t.ok(point.detail and alive, "%s: SIGKILL at that point" % label,
                    point.detail, alive, proc.stderr()[-2000:]):
            point.restore(w)
            return
        point.check_killed(t, w, label)
        killed_run = w.runs()[-1]["id"]
        ledger = {j["path"]: j["id"] for j in w.jobs(killed_run) if j["attempt"] == 0}
        point.restore(w)
        mark = request_mark(emu)
        r = w.run()
        check_run(t, r, 1, "%s: the restart" % label)
        after = requests_after(emu, mark)

        check_end(t, w, clean, label)

        # the jobs the killed run recorded were polled, not created again
        polled = {job_of(q["path"]) for q in after if q["kind"] == "job_info"}
        t.eq(sorted(j for j in ledger.values() if j not in polled), [],
             "%s: the restart polled every job the killed run had recorded" % label,
             "ledger: %s" % ledger)
        again = {p: [j["id"] for j in w.jobs(killed_run)
                     if j["path"] == p and j["attempt"] == 0] for p in ledger}
        t.eq(again, {p: [j] for p, j in ledger.items()}, "%s: no file of the killed run "
             "got a second job" % label)
        ours = {j["id"] for j in w.jobs()}
        orphans = [j for j in emu.jobs() if j["id"] not in ours]
        if point.name == "unrecorded":
            t.ok(len(orphans) >= 1 and all(j["state"] == "Open" and
                                           not j["numberRecordsProcessed"] for j in orphans),
                 "%s: the job whose answer was lost is left Open and empty" % label, orphans)
        else:
            t.eq(orphans, [], "%s: every job Salesforce has is in the ledger" % label)
        if point.name == "export":
            t.has(r.stderr, "stopped while writing its bulk files; starting over",
                  "%s: the restart says it starts over" % label)
        elif ledger:
            t.has(r.stderr, "continuing run %d" % killed_run, "%s: the restart continues "
                  "the killed run" % label)
        if point.name in ("created", "uploaded", "polling", "results"):
            t.ok(point.detail in ledger.values(), "%s: the job at the kill point was in "
                 "the ledger" % label, point.detail, ledger)


def killed_twice(t, emu, clean):
    """Killed while polling, then the run that continues it killed while
    downloading results: the third run still ends as a clean run."""
    label = "killed twice"
    emu.reset()
    with World(emu=emu, load={"max_jobs": "1"}) as w:
        for point in (PollingPoint(), ResultsPoint()):
            point.arrange(w)
            proc = w.spawn()
            point.detail = point.trigger(w, proc)
            t.ok(point.detail and proc.kill(), "%s: SIGKILL at %s" % (label, point.name),
                 proc.stderr()[-2000:])
            point.restore(w)
        r = w.run()
        check_run(t, r, 1, "%s: the third run" % label)
        check_end(t, w, clean, label)
        t.eq([(x["id"], x["phase"]) for x in w.runs()], [(1, "done"), (2, "done")],
             "%s: the killed run was continued, not started again" % label)
        per_file = {}
        for j in w.jobs(1):
            if j["attempt"] == 0:
                per_file.setdefault(j["path"], []).append(j["id"])
        t.eq([p for p, ids in per_file.items() if len(ids) > 1], [],
             "%s: one job per file of the killed run" % label, per_file)
        ours = {j["id"] for j in w.jobs()}
        t.eq([j["id"] for j in emu.jobs() if j["id"] not in ours], [],
             "%s: every job Salesforce has is in the ledger" % label)


def killed_later_run(t, emu):
    """A later, incremental run (one invoice paid) killed while polling: the
    restart finishes it, and the run it starts next does not send the invoice
    again."""
    label = "killed in a later run"
    emu.reset()
    with World(emu=emu, load={"max_jobs": "1"}) as w:
        check_run(t, w.run(), 1, "%s: the first run" % label)
        inv = "inv_54DlyhiRvaFgi4Iz"
        t.eq(edit_csv(w.path("invoices"), inv, status="paid"), {"status": "issued"},
             "%s: an issued invoice is paid" % label)
        point = PollingPoint()
        point.arrange(w)
        proc = w.spawn()
        point.detail = point.trigger(w, proc)
        t.ok(point.detail and proc.kill(), "%s: SIGKILL while polling" % label)
        point.restore(w)
        ledger = {j["path"]: j["id"] for j in w.jobs(2)}
        r = w.run()
        check_run(t, r, 1, "%s: the restart" % label)
        t.has(r.stderr, "continuing run 2", "%s: the restart continues run 2" % label)
        t.eq({j["path"]: j["id"] for j in w.jobs(2) if j["path"] in ledger}, ledger,
             "%s: run 2's recorded jobs were kept" % label)
        t.eq({o: sorted(k) for o, k in w.sent_keys().items() if k},
             {"OrbCustomer__c": sorted(k for _, k in SAMPLE_FAILED)},
             "%s: the next run sends the failed customers only, not the invoice" % label)
        inv_jobs = [j for j in emu.jobs() if j["object"] == "OrbInvoice__c"]
        t.eq(len(inv_jobs), 2, "%s: the invoice went in one job after the first run"
             % label)
        t.eq((w.status_of("OrbInvoice__c", inv),
              w.landed()["OrbInvoice__c"][inv][0]["Status__c"]), ("synced", "paid"),
             "%s: the invoice is synced and paid in Salesforce" % label)


def backfill_killed_in_export(t, emu):
    """A backfill killed before it sent anything is not silently replaced by
    the next daily run: the restart says which command to run again, and
    exits 1; the options are kept in the runs table for status."""
    label = "backfill killed while exporting"
    emu.reset()
    with World(emu=emu) as w:
        point = ExportPoint()
        point.arrange(w)
        proc = w.spawn("--since", "2024-01-01", "--until", "2025-01-01")
        detail = point.trigger(w, proc)
        alive = proc.kill()
        if not t.ok(detail and alive, "%s: SIGKILL during the export" % label, detail,
                    proc.stderr()[-2000:]):
            point.restore(w)
            return
        point.restore(w)
        killed = w.runs()[-1]
        t.eq((killed["mode"], killed["options"]),
             ("backfill", "--since 2024-01-01 --until 2025-01-01"),
             "%s: the run records its options" % label)
        r = w.run()
        t.eq(r.rc, 1, "%s: the next plain run exits 1" % label, r.stderr[-2000:])
        t.has(r.stderr, "run %d (billsync run --since 2024-01-01 --until 2025-01-01) stopped "
              "while writing its bulk files, so none of it was sent: run that command again"
              % killed["id"], "%s: and names the command to run again" % label)
        r = w.run()
        t.ok("stopped while writing" not in r.stderr,
             "%s: it is said once, not on every later run" % label, r.stderr[-1000:])


def main():
    t = Tap()
    with emuctl.Emulator() as emu:
        with World(emu=emu) as w:
            r = w.run()
            check_run(t, r, 1, "clean run")
            clean = clean_result(w)
            t.eq(duplicates(clean["landed"]), [], "clean run: no external id stored twice")
        for point in (ExportPoint(), CreatedPoint(), UploadedPoint(), PollingPoint(),
                      ResultsPoint(), UnrecordedPoint(), LockRetryPoint()):
            t.run(scenario, t, emu, clean, point)
        t.run(killed_twice, t, emu, clean)
        t.run(killed_later_run, t, emu)
        t.run(backfill_killed_in_export, t, emu)
    t.done()


if __name__ == "__main__":
    main()
