#!/usr/bin/env python3
"""Jobs that Salesforce cleans up while billsync is away: `billsync run` killed
with SIGKILL, then the job it recorded outlives one of the emulator's lifetime
knobs (docs/emulator.md), then `billsync run` again.  The restart must end as a
clean run does: every record synced exactly once, none stored twice in
Salesforce, the same per-record outcomes in the state.

  open limit  killed right after creating a job (its upload answered 500, not
              executed, so the job is Open and empty); the job then passes
              open_limit_s and ends Failed ("Timeout : Job was not closed
              within ... of its creation"); billsync sees a job that ended
              without processing a record and sends the file in a new one
  expired     killed while polling a job; the job then ends and passes
              expire_after_s: it is deleted (GET -> 404 NOT_FOUND), which
              billsync's loader takes as "job gone; creating a new one"
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synctest import (Tap, World, check_like_clean, check_run, clean_result,  # noqa: E402
                      duplicates, emuctl, is_upload, job_of, request_mark, wait_for)

SLOW_MS = 300
FINAL = ("JobComplete", "Failed", "Aborted")

def find(emu, mark, pred):
    """The first request logged after mark for which pred is true."""
    for r in emu.requests():
        if r["seq"] > mark and pred(r):
            return r
    return None


def job_state(emu, jid):
    """The emulator's state of job jid, or None when it does not exist."""
    for j in emu.jobs():
        if j["id"] == jid:
            return j["state"]
    return None


def kill_after_create(t, w, label):
    """Starts billsync and kills it once a job is created and its upload was
    refused (500, not executed): the job is Open and empty.  Returns its id."""
    emu = w.emu
    mark = request_mark(emu)
    emu.set_faults(slow_ms=SLOW_MS)
    proc = w.spawn()
    jid = None
    if wait_for(lambda: find(emu, mark, lambda r: r["kind"] == "job_create"), proc):
        emu.set_faults(http_500_every=1)
        put = wait_for(lambda: find(emu, mark, lambda r: is_upload(r) and r["status"] == 500),
                       proc)
        jid = put and job_of(put["path"])
    alive = proc.kill()
    emu.set_faults(slow_ms=None, http_500_every=None)
    t.ok(jid and alive, "%s: SIGKILL after the job was created" % label, jid, alive,
         proc.stderr()[-2000:])
    return jid


def kill_while_polling(t, w, label):
    """Starts billsync with jobs processed at 5 records/s and kills it after its
    first job-info GET.  Returns the polled job's id."""
    emu = w.emu
    mark = request_mark(emu)
    emu.set_faults(rate=5)
    proc = w.spawn()
    r = wait_for(lambda: find(emu, mark, lambda r: r["method"] == "GET" and
                              r["kind"] == "job_info"), proc)
    jid = r and job_of(r["path"])
    alive = proc.kill()
    emu.set_faults(rate=None)
    t.ok(jid and alive, "%s: SIGKILL while polling" % label, jid, alive,
         proc.stderr()[-2000:])
    return jid


def restart(t, w, clean, label, jid):
    """The next `billsync run` ends as a clean run; returns its Result."""
    ledger = [j["id"] for j in w.jobs()]
    t.ok(jid in ledger, "%s: the killed run had recorded the job" % label, jid, ledger)
    r = w.run()
    check_run(t, r, 1, "%s: the restart" % label)
    check_like_clean(t, w, clean, label)
    files = w.query("SELECT run, path, status FROM files")
    t.ok(files and all(f["status"] == "done" for f in files),
         "%s: every bulk file is done" % label, files)
    return r


def open_limit(t, emu, clean):
    label = "open limit"
    emu.reset()
    with World(emu=emu, load={"max_jobs": "1"}) as w:
        jid = kill_after_create(t, w, label)
        if not jid:
            return
        t.eq(job_state(emu, jid), "Open", "%s: the job was left Open" % label)
        emu.set_faults(open_limit_s=0.5)
        state = wait_for(lambda: job_state(emu, jid) != "Open" and job_state(emu, jid),
                         timeout=10)
        info = [j for j in emu.jobs() if j["id"] == jid]
        t.eq((state, info and info[0].get("errorMessage", "")[:10]), ("Failed", "Timeout : "),
             "%s: past open_limit_s the job is Failed (Timeout)" % label, info)
        emu.set_faults(open_limit_s=None)       # the restart's own jobs are not cut
        r = restart(t, w, clean, label, jid)
        t.eq([j["id"] for j in emu.jobs() if j["state"] == "Open"], [],
             "%s: no job is left Open" % label, r)


def expired(t, emu, clean):
    label = "expired"
    emu.reset()
    with World(emu=emu, load={"max_jobs": "1"}) as w:
        jid = kill_while_polling(t, w, label)
        if not jid:
            return
        state = wait_for(lambda: job_state(emu, jid) in FINAL and job_state(emu, jid),
                         timeout=30)
        t.ok(state, "%s: the polled job ended after the kill" % label, state)
        emu.set_faults(expire_after_s=0.5)
        gone = wait_for(lambda: job_state(emu, jid) is None, timeout=10)
        c = emu_get(emu, jid)
        t.eq((bool(gone), c), (True, 404), "%s: past expire_after_s the job is gone "
             "(GET -> 404)" % label)
        emu.set_faults(expire_after_s=None)
        r = restart(t, w, clean, label, jid)
        t.has(r.stderr, "job %s to resume is gone; creating a new one" % jid,
              "%s: the restart says the job is gone" % label)


def emu_get(emu, jid):
    """The status of GET .../jobs/ingest/<jid> with a fresh token."""
    import http.client
    import json
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        conn.request("POST", "/services/oauth2/token", "grant_type=client_credentials&"
                     "client_id=billsync-demo&client_secret=demo-secret",
                     {"Content-Type": "application/x-www-form-urlencoded"})
        tok = json.loads(conn.getresponse().read())["access_token"]
        conn.request("GET", "/services/data/v62.0/jobs/ingest/%s" % jid,
                     headers={"Authorization": "Bearer " + tok})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def main():
    t = Tap()
    with emuctl.Emulator() as emu:
        with World(emu=emu) as w:
            r = w.run()
            check_run(t, r, 1, "clean run")
            clean = clean_result(w)
            t.eq(duplicates(clean["landed"]), [], "clean run: no external id stored twice")
        t.run(open_limit, t, emu, clean)
        t.run(expired, t, emu, clean)
    t.done()


if __name__ == "__main__":
    main()
