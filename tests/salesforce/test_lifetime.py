"""Job lifetime knobs (reference 3.9 and 11 item 6): open_limit_s, the 24-hour open limit,
and expire_after_s, the 7-day expiry of ended jobs, on the emulator's own clock."""

import time

from emutest import INGEST, Client, Emulator, Tap

t = Tap()
NOT_FOUND = ('[ {\n  "errorCode" : "NOT_FOUND",\n  "message" : "The requested resource does '
             'not exist"\n} ]')


def get(c, jid, what=""):
    return c.get("%s/%s%s" % (INGEST, jid, "/" + what if what else ""))


def defaults():
    with Emulator() as emu:
        f = emu.inspect("GET", "faults")
        t.eq((f["open_limit_s"], f["expire_after_s"]), (86400.0, 604800.0),
             "defaults: 24 hours open, 7 days after the end")
    with Emulator(faults={"open_limit_s": 1.5, "expire_after_s": 2}) as emu:
        f = emu.inspect("GET", "faults")
        t.eq((f["open_limit_s"], f["expire_after_s"]), (1.5, 2.0), "set by --fault at start")
        emu.set_faults(open_limit_s=7, expire_after_s=0)
        f = emu.inspect("GET", "faults")
        t.eq((f["open_limit_s"], f["expire_after_s"]), (7.0, 0.0), "set by POST faults")
        emu.set_faults(open_limit_s=None)
        t.eq(emu.inspect("GET", "faults")["open_limit_s"], 1.5, "null restores the start value")
        try:
            emu.set_faults(expire_after_s=-1)
            t.ok(False, "a negative value is refused")
        except RuntimeError as e:
            t.has(str(e), "400", "a negative value is refused with 400")


def open_limit(emu):
    c = Client(emu)
    emu.set_faults(open_limit_s=1, expire_after_s=0)
    t0 = time.monotonic()
    empty = c.create("OrbPlan__c", "insert").json()["id"]
    loaded = c.create("OrbPlan__c", "insert").json()["id"]
    c.upload(loaded, "Name\nL1\nL2\n")
    done, _, _ = c.run_job("OrbPlan__c", "Name\nD1\n", "insert")
    time.sleep(max(0.0, 0.5 - (time.monotonic() - t0)))
    t.eq([c.info(j)["state"] for j in (empty, loaded)], ["Open", "Open"],
         "before open_limit_s the jobs are Open")
    time.sleep(max(0.0, 1.3 - (time.monotonic() - t0)))
    info = c.info(empty)
    t.eq((info["state"], info.get("errorMessage"), info["numberRecordsProcessed"]),
         ("Failed", "Timeout : Job was not closed within 1 second of its creation", 0),
         "after open_limit_s an Open job is Failed, with an errorMessage")
    t.ok(info["systemModstamp"] >= info["createdDate"] and "contentUrl" not in info,
         "its systemModstamp moved; no contentUrl", info)
    info = c.info(loaded)
    t.eq((info["state"], info.get("errorMessage")),
         ("Failed", "Timeout : Job was not closed within 1 second of its creation"),
         "a job with data but not closed too")
    t.eq(get(c, loaded, "unprocessedrecords").text, 'Name\n"L1"\n"L2"\n',
         "its records are unprocessed")
    t.eq(get(c, loaded, "failedResults").text, '"sf__Id","sf__Error",Name\n',
         "failedResults: the header only")
    t.eq(c.info(done["id"])["state"], "JobComplete", "a closed job is not affected")
    r = c.upload(empty, "Name\nLate\n")
    t.eq((r.status, r.json()[0]["errorCode"], r.json()[0]["message"]),
         (400, "INVALIDJOBSTATE", "Uploading data to a Job in state Failed is not allowed"),
         "a PUT after the limit is refused")
    r = c.set_state(empty, "UploadComplete")
    t.eq((r.status, r.json()[0]["errorCode"]), (400, "INVALIDJOBSTATE"),
         "closing after the limit is refused")
    listed = {j["id"]: j["state"] for j in c.get(INGEST).json()["records"]}
    t.eq((listed.get(empty), listed.get(loaded)), ("Failed", "Failed"), "the list shows Failed")
    t.eq(emu.stats()["jobs_timed_out"], 2, "stats count jobs_timed_out")
    t.eq(c.request("DELETE", "%s/%s" % (INGEST, empty)).status, 204,
         "a timed-out job can be deleted")
    # 0 = never; changing the knob applies to jobs already open
    emu.set_faults(open_limit_s=1)
    kept = c.create("OrbPlan__c", "insert").json()["id"]
    emu.set_faults(open_limit_s=0)
    time.sleep(1.3)
    t.eq(c.info(kept)["state"], "Open", "open_limit_s=0: a job stays Open")
    emu.set_faults(open_limit_s=None, expire_after_s=None)


def expiry(emu):
    c = Client(emu)
    emu.reset()
    emu.set_faults(expire_after_s=1)
    info, _, _ = c.run_job("OrbPlan__c", "Name\nE1\n", "insert")
    jid = info["id"]
    opened = c.create("OrbPlan__c", "insert").json()["id"]
    aborted = c.create("OrbPlan__c", "insert").json()["id"]
    c.set_state(aborted, "Aborted")
    t.eq((get(c, jid).status, get(c, jid, "successfulResults").status), (200, 200),
         "right after the end the job and its results are there")
    time.sleep(1.3)
    r = get(c, jid)
    t.eq((r.status, r.text), (404, NOT_FOUND), "after expire_after_s: GET job -> 404 NOT_FOUND")
    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        r = get(c, jid, kind)
        t.eq((r.status, r.text), (404, NOT_FOUND), "%s -> 404 NOT_FOUND" % kind)
    t.eq(get(c, aborted).status, 404, "an aborted job expires too")
    r = c.request("DELETE", "%s/%s" % (INGEST, jid))
    t.eq(r.status, 404, "DELETE of an expired job -> 404")
    ids = [j["id"] for j in c.get(INGEST).json()["records"]]
    t.ok(jid not in ids and aborted not in ids and opened in ids,
         "the job list drops expired jobs only", ids)
    t.eq(c.info(opened)["state"], "Open", "a job that has not ended does not expire")
    t.ok(jid not in [j["id"] for j in emu.jobs()], "GET /__emulator__/jobs drops it too")
    t.eq(emu.stats()["jobs_expired"], 2, "stats count jobs_expired")
    emu.set_faults(expire_after_s=None)


def both(emu):
    """An Open job fails at open_limit_s and expires expire_after_s after that moment,
    whether or not anyone looked at it in between."""
    c = Client(emu)
    emu.set_faults(open_limit_s=1, expire_after_s=1)
    watched = c.create("OrbPlan__c", "insert").json()["id"]
    unseen = c.create("OrbPlan__c", "insert").json()["id"]
    time.sleep(1.4)
    t.eq(c.info(watched)["state"], "Failed", "Failed after open_limit_s")
    time.sleep(0.9)
    t.eq((get(c, watched).status, get(c, unseen).status), (404, 404),
         "gone open_limit_s + expire_after_s after creation, looked at or not")
    emu.set_faults(open_limit_s=None, expire_after_s=None)
    emu.reset()
    t.eq(emu.stats()["jobs_expired"], 0, "reset zeroes the counters")


t.run(defaults)
with Emulator() as emu:
    for fn in (open_limit, expiry, both):
        t.run(fn, emu)
t.done()
