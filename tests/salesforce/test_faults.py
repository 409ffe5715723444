"""Fault switches (start-up and runtime), the inspection API, the request log and counters."""

import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

from emutest import BASE, INGEST, Client, Emulator, Tap, csv_rows

t = Tap()
LOCKED = "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"


def http_5xx(emu):
    c = Client(emu)
    c.token()
    emu.set_faults(http_500_every=3)
    codes = [c.get(BASE + "/limits").status for _ in range(6)]
    t.eq(codes, [200, 200, 500, 200, 200, 500], "http_500_every=3: every third API call -> 500")
    r = c.get(BASE + "/limits")
    emu.set_faults(http_500_every=1)
    r = c.get(BASE + "/limits")
    t.eq(r.json()[0]["errorCode"], "UNKNOWN_EXCEPTION", "500 body UNKNOWN_EXCEPTION")
    t.has(r.json()[0]["message"], "An unexpected error occurred. Please include this ErrorId",
          "500 message text")
    before = emu.stats()["api_requests"]["total"]
    c.get(BASE + "/limits")
    t.eq(emu.stats()["api_requests"]["total"], before, "a faulted call is not counted")
    emu.set_faults(http_500_every=None, http_503_every=2)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.upload(jid, "Name\nF1\n")
    t.eq((r.status, r.json()[0]["errorCode"]), (503, "SERVER_UNAVAILABLE"),
         "http_503_every=2: second call -> 503")
    emu.set_faults(http_503_every=0)
    t.eq(c.upload(jid, "Name\nF1\n").status, 201, "a 5xx upload stored nothing: re-PUT works")
    t.eq(emu.stats()["faults_fired"].get("http_500_every"), 4, "faults_fired counts 500s")


def raw_put(emu, c, jid, body, token=None):
    """PUTs on a fresh connection without retrying; 'answered' or the error's name.
    token: None for the client's token, "" for no Authorization header."""
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    headers = {"Content-Type": "text/csv"}
    token = c.token() if token is None else token
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        conn.request("PUT", "%s/%s/batches" % (INGEST, jid), body.encode(), headers)
        r = conn.getresponse()
        r.read()
        return "answered %d" % r.status
    except (ConnectionError, http.client.HTTPException) as e:
        return type(e).__name__
    finally:
        conn.close()


def drop_upload(emu):
    c = Client(emu)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    emu.set_faults(drop_upload_once=1)
    body = "Name\n" + "".join("D%d\n" % i for i in range(2000))
    outcome = raw_put(emu, c, jid, body)
    t.ok(not outcome.startswith("answered"), "drop_upload_once=1: the upload connection is "
         "dropped", outcome)
    t.eq(emu.inspect("GET", "faults")["drop_upload_once"], "", "the switch disarms itself")
    t.eq(c.upload(jid, body).status, 201, "dropped before storing: a re-PUT succeeds")
    log = [e for e in emu.requests() if e["kind"] == "job_upload"]
    t.ok(log[-2].get("dropped") and log[-2]["status"] == 0, "request log marks the drop",
         log[-2:])
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    emu.set_faults(drop_upload_once="after")
    outcome = raw_put(emu, c, jid, "Name\nAfter\n")
    t.ok(not outcome.startswith("answered"), "drop_upload_once=after: no answer either",
         outcome)
    r = c.upload(jid, "Name\nAfter\n")
    t.eq(r.json()[0]["errorCode"], "BULK_API_ERROR", "dropped after storing: re-PUT is a "
         "second upload")
    c.set_state(jid, "UploadComplete")
    info, _ = c.wait(jid)
    t.eq(info["numberRecordsProcessed"], 1, "the stored data is processed")
    t.eq(emu.stats()["faults_fired"].get("drop_upload_once"), 2, "both drops counted")


def drop_only_served(emu):
    """drop_upload_once is taken only by an upload that is authenticated and whose job
    exists; refused PUTs are answered as usual and leave the switch armed."""
    c = Client(emu)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    unknown = "750Hs00002FIn0zIAT"
    fired = emu.stats()["faults_fired"].get("drop_upload_once", 0)
    for mode in ("1", "after"):
        emu.set_faults(drop_upload_once=mode)
        t.eq(raw_put(emu, c, unknown, "Name\nX\n", token=""), "answered 401",
             "drop armed (%s): a PUT without a token to an unknown job -> 401" % mode)
        t.eq(raw_put(emu, c, jid, "Name\nX\n", token="bogus"), "answered 401",
             "drop armed (%s): a PUT with a bad token -> 401" % mode)
        t.eq(raw_put(emu, c, unknown, "Name\nX\n"), "answered 404",
             "drop armed (%s): an authenticated PUT to an unknown job -> 404" % mode)
        t.eq(emu.inspect("GET", "faults")["drop_upload_once"],
             "before" if mode == "1" else "after", "... and the switch is still armed")
    t.eq(emu.stats()["faults_fired"].get("drop_upload_once", 0), fired, "nothing fired")
    emu.set_faults(drop_upload_once=1)
    t.ok(not raw_put(emu, c, jid, "Name\nX\n").startswith("answered"),
         "the next served upload takes the drop")
    t.eq(c.upload(jid, "Name\nX\n").status, 201, "nothing was stored: a re-PUT works")


def exact_numbers(emu):
    """The inspection API gives stored numbers exactly (never through a float)."""
    c = Client(emu)
    info, _, bad = c.run_job("OrbCustomer__c", "OrbId__c,Name,Balance__c\n"
                             "x1,Big,99999999999999.99\nx2,Small,0.1\nx3,Neg,-12.345\n"
                             "x4,Int,1500\n")
    t.eq(info["numberRecordsFailed"], 0, "numbers stored", bad)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("GET", "/__emulator__/records/OrbCustomer__c")
    text = conn.getresponse().read().decode()
    conn.close()
    for v in ("99999999999999.99", "0.10", "-12.35", "1500.00"):
        t.has(text, '"Balance__c":%s,' % v, "records answer has the number %s as stored" % v)
    got = {r["OrbId__c"]: r["Balance__c"] for r in emu.records("OrbCustomer__c", exact=True)}
    t.eq(got, {"x1": Decimal("99999999999999.99"), "x2": Decimal("0.10"),
               "x3": Decimal("-12.35"), "x4": Decimal("1500.00")},
         "records(exact=True): Decimal values, exact")
    got = {r["OrbId__c"]: r["Balance__c"] for r in emu.records("OrbCustomer__c")}
    t.ok(got["x2"] == 0.1 and got["x4"] == 1500.0 and isinstance(got["x4"], float),
         "records(): floats, as before", got)
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "emulator.port"), "w", encoding="ascii") as f:
            f.write("%d\n" % emu.port)
        out = subprocess.run([sys.executable, os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "emuctl.py"), "records", "OrbCustomer__c", "--dir", d],
            capture_output=True, text=True, check=False)
    t.has(out.stdout, '"Balance__c": 99999999999999.99', "emuctl.py records prints it exactly")
    t.eq([r["Balance__c"] for r in json.loads(out.stdout, parse_float=Decimal)
          if r["OrbId__c"] == "x1"], [Decimal("99999999999999.99")], "... as valid JSON")


def lock_rows(emu):
    c = Client(emu)
    emu.set_faults(lock_rows_every=3)
    data = "OrbId__c,Name\n" + "".join("l%d,L%d\n" % (i, i) for i in range(1, 10))
    info, ok, bad = c.run_job("OrbPlan__c", data)
    failed = {r[2]: r[1] for r in csv_rows(bad)[1:]}
    t.eq(failed, {"l3": LOCKED, "l6": LOCKED, "l9": LOCKED},
         "lock_rows_every=3: records 3, 6, 9 fail with UNABLE_TO_LOCK_ROW")
    t.eq(info["numberRecordsFailed"], 3, "three failures counted")
    retry = "OrbId__c,Name\n" + "".join("l%d,L%d\n" % (i, i) for i in (3, 6, 9))
    info, ok, bad = c.run_job("OrbPlan__c", retry)
    t.eq((info["numberRecordsFailed"], len(csv_rows(ok)) - 1), (0, 3),
         "the same records re-sent in a new job succeed")
    data = "OrbId__c,Name\n" + "".join("m%d,M%d\n" % (i, i) for i in range(1, 4))
    info, ok, bad = c.run_job("OrbPlan__c", data)
    t.eq([r[2] for r in csv_rows(bad)[1:]], ["m3"], "new records are still locked every 3rd")
    info, ok, bad = c.run_job("OrbPlan__c", "OrbId__c,Name\nn1,#N/A\nn2,#N/A\nn3,#N/A\n")
    t.eq([r[1][:22] for r in csv_rows(bad)[1:]], ["REQUIRED_FIELD_MISSING"] * 3,
         "a record that fails anyway is not reported as locked")
    t.eq(emu.stats()["faults_fired"].get("lock_rows_every"), 4, "faults_fired counts locks")
    emu.set_faults(lock_rows_every=0)


def lock_rows_times(emu):
    """lock_rows_times=K: the records lock_rows_every chose stay locked in K jobs,
    wherever they sit in those jobs; then they go through."""
    c = Client(emu)
    emu.set_faults(lock_rows_every=2, lock_rows_times=3)
    data = "OrbId__c,Name\n" + "".join("k%d,K%d\n" % (i, i) for i in range(1, 5))
    info, ok, bad = c.run_job("OrbPlan__c", data)
    t.eq(sorted(r[2] for r in csv_rows(bad)[1:]), ["k2", "k4"],
         "lock_rows_times=3: every 2nd record is locked in the first job")
    retry = "OrbId__c,Name\nk2,K2\nk4,K4\n"
    for n in (2, 3):
        info, ok, bad = c.run_job("OrbPlan__c", retry)
        t.eq(sorted((r[2], r[1]) for r in csv_rows(bad)[1:]),
             [("k2", LOCKED), ("k4", LOCKED)],
             "... and again in job %d (k2 is now the first record of its job)" % n)
    info, ok, bad = c.run_job("OrbPlan__c", retry)
    t.eq((info["numberRecordsFailed"], len(csv_rows(ok)) - 1), (0, 2),
         "... and goes through in the fourth")
    emu.set_faults(lock_rows_times=0)
    data = "OrbId__c,Name\nz1,Z1\nz2,Z2\n"
    for n in range(4):
        info, ok, bad = c.run_job("OrbPlan__c", data if n == 0 else "OrbId__c,Name\nz2,Z2\n")
        if [r[2] for r in csv_rows(bad)[1:]] != ["z2"]:
            break
    t.eq(n, 3, "lock_rows_times=0: the chosen record is locked in every job")
    emu.set_faults(lock_rows_every=0, lock_rows_times=None)
    t.eq(emu.inspect("GET", "faults")["lock_rows_times"], 1, "the default is once")


def drop_create(emu):
    """drop_create_once: the job is created, the answer is lost."""
    c = Client(emu)
    c.token()
    before = {j["id"] for j in emu.jobs()}
    emu.set_faults(drop_create_once=1)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request("POST", INGEST, json.dumps({"object": "OrbPlan__c", "operation": "insert"}),
                     {"Content-Type": "application/json", "Authorization": "Bearer " + c.token()})
        r = conn.getresponse()
        r.read()
        outcome = "answered %d" % r.status
    except (ConnectionError, http.client.HTTPException) as e:
        outcome = type(e).__name__
    finally:
        conn.close()
    t.ok(not outcome.startswith("answered"), "drop_create_once=1: no answer", outcome)
    made = [j for j in emu.jobs() if j["id"] not in before]
    t.eq([(j["object"], j["state"]) for j in made], [("OrbPlan__c", "Open")],
         "... but the job was created, and is Open")
    log = [e for e in emu.requests() if e["kind"] == "job_create"]
    t.ok(log[-1].get("dropped") and log[-1]["status"] == 200, "the log marks the drop",
         log[-1])
    t.eq(emu.inspect("GET", "faults")["drop_create_once"], "", "the switch disarms itself")
    t.eq(c.create("OrbPlan__c", "insert").status, 200, "the next create is answered")
    emu.set_faults(drop_create_once="503")
    r = c.create("OrbPlan__c", "insert")
    t.eq((r.status, r.json()[0]["errorCode"]), (503, "SERVER_UNAVAILABLE"),
         "drop_create_once=503: the answer is a 503 ...")
    listed = c.get(INGEST).json()["records"]
    t.eq(len([j for j in listed if j["id"] not in before]), 3,
         "... and the job exists all the same (GET jobs/ingest lists it)")
    t.eq(emu.stats()["faults_fired"].get("drop_create_once"), 2, "both drops counted")
    emu.set_faults(drop_create_once=1)
    r = c.create("Nope__c", "insert")
    t.eq(r.status, 400, "a refused create is answered and leaves the switch armed")
    t.eq(emu.inspect("GET", "faults")["drop_create_once"], "drop", "... still armed")
    emu.set_faults(drop_create_once=0)


def fail_object(emu):
    c = Client(emu)
    emu.set_faults(fail_object="OrbInvoice__c, OrbInvoiceLineItemBilling__c")
    c.run_job("OrbCustomer__c", "OrbId__c,Name\nfc1,C\n")
    info, ok, bad = c.run_job("OrbInvoice__c", "OrbId__c,Name,OrbCustomer__r.OrbId__c\n"
                              "fi1,I,fc1\nfi2,J,fc1\n")
    t.eq((info["state"], info["errorMessage"], info["numberRecordsProcessed"], info["retries"]),
         ("Failed", "InternalServerError : Failed to process batch: retried more than 20 times",
          0, 20), "fail_object: invoice jobs end Failed after 20 retries")
    un = c.results(info["id"], "unprocessedrecords").text
    t.eq(un, 'OrbId__c,Name,OrbCustomer__r.OrbId__c\n"fi1","I","fc1"\n"fi2","J","fc1"\n',
         "every record unprocessed")
    t.eq(emu.records("OrbInvoice__c"), [], "nothing stored")
    info, _, _ = c.run_job("OrbPlan__c", "OrbId__c,Name\nfp,P\n")
    t.eq(info["state"], "JobComplete", "other objects are not affected")
    emu.set_faults(fail_object=None)
    info, _, _ = c.run_job("OrbInvoice__c", "OrbId__c,Name\nfi3,K\n")
    t.eq(info["state"], "JobComplete", "cleared: invoice jobs complete again")


def limit_after_calls(emu):
    c = Client(emu)
    c.token()
    emu.set_faults(limit_after_calls=2)
    codes = [c.get(BASE + "/limits").status for _ in range(4)]
    t.eq(codes, [200, 200, 403, 403], "limit_after_calls=2: third call onwards -> 403")
    r = c.get(BASE + "/limits")
    t.eq(r.json(), [{"message": "TotalRequests Limit exceeded.",
                     "errorCode": "REQUEST_LIMIT_EXCEEDED"}], "403 body REQUEST_LIMIT_EXCEEDED")
    emu.set_faults(limit_after_calls=0)
    t.eq(c.get(BASE + "/limits").status, 200, "cleared: calls pass again")


def reject_gzip(emu):
    c = Client(emu)
    emu.set_faults(reject_gzip=1)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.upload(jid, gzip.compress(b"Name\nZ\n"), {"Content-Encoding": "gzip"})
    t.eq((r.status, r.json()[0]["errorCode"]), (415, "UNSUPPORTED_MEDIA_TYPE"),
         "reject_gzip: gzipped upload -> 415")
    t.eq(c.upload(jid, "Name\nZ\n").status, 201, "a plain upload is accepted")
    emu.set_faults(reject_gzip=0)


def slow(emu):
    c = Client(emu)
    c.token()
    emu.set_faults(slow_ms=150)
    t0 = time.monotonic()
    c.get(BASE + "/limits")
    took = time.monotonic() - t0
    t.ok(took >= 0.15, "slow_ms=150 delays answers", took)
    t0 = time.monotonic()
    emu.stats()
    t.ok(time.monotonic() - t0 < 0.15, "inspection calls are not slowed")
    emu.set_faults(slow_ms=0, rate=1000, queue_ms=200)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    c.upload(jid, "Name\n" + "".join("Q%d\n" % i for i in range(400)))
    t0 = time.monotonic()
    c.set_state(jid, "UploadComplete")
    time.sleep(0.1)
    t.eq(c.info(jid)["state"], "UploadComplete", "queue_ms=200: still UploadComplete at 0.1 s")
    info, seen = c.wait(jid)
    took = time.monotonic() - t0
    t.ok(info["state"] == "JobComplete" and 0.55 <= took < 2.0,
         "rate=1000: 400 records take about 0.4 s after the 0.2 s queue", took)
    t.ok(info["totalProcessingTime"] >= 350, "totalProcessingTime reflects the pacing",
         info["totalProcessingTime"])
    emu.set_faults(rate=None, queue_ms=None)


def _start_jobs(c, sizes, tag):
    """Creates and uploads one OrbPlan__c insert job per size, then closes them all;
    returns (job ids, monotonic time just before the first close)."""
    jids = []
    for k, n in enumerate(sizes):
        jid = c.create("OrbPlan__c", "insert").json()["id"]
        c.upload(jid, "Name\n" + "".join("%s%d_%d\n" % (tag, k, i) for i in range(n)))
        jids.append(jid)
    t0 = time.monotonic()
    for jid in jids:
        c.set_state(jid, "UploadComplete")
    return jids, t0


def _watch(c, jids, t0, timeout=10.0):
    """Polls the jobs until all ended: (snapshots [(seconds, [processed], [state])], end
    time of each job in seconds after t0)."""
    snaps, ended = [], {}
    while len(ended) < len(jids) and time.monotonic() - t0 < timeout:
        infos = [c.info(j) for j in jids]
        now = time.monotonic() - t0
        snaps.append((now, [i["numberRecordsProcessed"] for i in infos],
                      [i["state"] for i in infos]))
        for j, i in zip(jids, infos):
            if i["state"] in ("JobComplete", "Failed", "Aborted") and j not in ended:
                ended[j] = now
        time.sleep(0.02)
    return snaps, [ended.get(j) for j in jids]


def rate_total(emu):
    c = Client(emu)
    c.token()
    emu.set_faults(rate=0, rate_total=2000, queue_ms=0)
    jids, t0 = _start_jobs(c, [500] * 4, "rt")
    snaps, ended = _watch(c, jids, t0)
    infos = [c.info(j) for j in jids]
    t.eq([(i["state"], i["numberRecordsProcessed"]) for i in infos], [("JobComplete", 500)] * 4,
         "rate_total=2000: four jobs of 500 records complete")
    took = max(e or 99 for e in ended)
    t.ok(0.85 <= took < 3.0, "rate_total=2000 (rate=0): 2,000 records in four jobs take "
         "about 1 s, not at once", took)
    over = [(s, sum(p)) for s, p, _ in snaps if sum(p) > 2000 * s + 50]
    t.eq(over, [], "the four jobs together never run ahead of 2,000 records/s")
    both = [p for _, p, st in snaps if st == ["InProgress"] * 4]
    spread = max((max(p) - min(p) for p in both), default=0)
    t.ok(len(both) >= 3 and spread <= 400, "the jobs in progress share it equally (spread "
         "of processed counts at most two chunks)", len(both), spread, both[:8])

    emu.set_faults(rate_total=1000)
    jids, t0 = _start_jobs(c, [200, 1000], "rs")
    snaps, ended = _watch(c, jids, t0)
    t.ok(ended[0] is not None and ended[1] is not None and ended[0] < ended[1],
         "rate_total=1000, jobs of 200 and 1000 records: the small one ends first", ended)
    t.ok(ended[0] >= 0.3, "the small job gets half the org's pace while both run (200 "
         "records take about 0.4 s, not 0.2 s)", ended)
    t.ok(1.0 <= ended[1] < 1.75, "the big job then gets the whole pace: about 1.2 s in all "
         "(2 s if the small job's share were lost)", ended)

    emu.set_faults(rate=300, rate_total=1000)
    jids, t0 = _start_jobs(c, [300, 300], "rp")
    snaps, ended = _watch(c, jids, t0)
    t.ok(all(e is not None and 0.85 <= e < 2.5 for e in ended), "rate=300 still caps each "
         "job under rate_total=1000: two jobs of 300 take about 1 s, not 0.6 s", ended)

    emu.set_faults(rate=1000, rate_total=0)
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    c.upload(jid, "Name\n" + "".join("ro%d\n" % i for i in range(1000)))
    c.set_state(jid, "UploadComplete")
    while c.info(jid)["numberRecordsProcessed"] < 200:
        time.sleep(0.01)
    emu.set_faults(rate=0, rate_total=2000)
    info, _ = c.wait(jid)
    t.eq((info["state"], info["numberRecordsProcessed"]), ("JobComplete", 1000),
         "rate_total set while a job runs: the job goes on from where it was")
    emu.set_faults(rate=None, rate_total=None, queue_ms=None)
    t.eq(emu.inspect("GET", "faults")["rate_total"], 0.0, "rate_total is off by default")


def start_up_faults():
    with Emulator(faults={"http_500_every": 2, "lock_rows_every": 1, "fail_object": "Account"},
                  args=["--rate", "0", "--rate-total", "7500"]) as emu:
        f = emu.inspect("GET", "faults")
        t.eq((f["http_500_every"], f["lock_rows_every"], f["fail_object"], f["rate"],
              f["rate_total"]), (2, 1, "Account", 0.0, 7500.0),
             "--fault, --rate and --rate-total set the switches at start")
        c = Client(emu)
        t.eq([c.get(BASE + "/limits").status for _ in range(2)], [200, 500],
             "start-up http_500_every=2 works")
        emu.set_faults(http_500_every=5)
        t.eq(emu.set_faults(http_500_every=None)["http_500_every"], 2,
             "null restores the start-up value")
        emu.set_faults(http_500_every=0)
        emu.reset()
        t.eq(emu.inspect("GET", "faults")["http_500_every"], 2, "reset restores start-up faults")
        emu.set_limits(DailyApiRequests=3)
        t.eq(emu.set_limits(DailyApiRequests=None)["DailyApiRequests"], 100000,
             "null restores a start-up limit")


def inspection(emu):
    c = Client(emu)
    emu.reset()
    t.eq(emu.records("OrbPlan__c"), [], "reset clears records")
    accounts = emu.records("Account")
    t.eq(sorted(a["Name"] for a in accounts), ["Acme, Inc.", "Globex GmbH", "Initech",
                                               "Stark Industries", "Umbrella KK"],
         "reset keeps the seeded Accounts")
    t.eq(accounts[0]["Id"], "001Hs00002abcdeIAA", "seed ids as in the schema")
    t.ok(set(accounts[0]) >= {"Id", "Name", "CreatedDate", "LastModifiedDate"},
         "records carry Id, CreatedDate, LastModifiedDate and fields", accounts[0])
    t.eq(emu.stats()["jobs_created"], 0, "reset zeroes counters")
    c.tok = None
    c.request("POST", INGEST, '{"object":"OrbPlan__c","operation":"insert"}',
              {"Content-Type": "application/json", "Accept": "application/json",
               "Sforce-Call-Options": "client=billsync", "Accept-Encoding": "gzip"})
    log = emu.requests()
    t.eq([e["kind"] for e in log], ["token", "job_create"], "request log in order, "
         "inspection calls not logged")
    e = log[1]
    t.eq((e["method"], e["path"], e["status"], e["authorization"]),
         ("POST", INGEST, 200, True), "log entry: method, path, status, authorization present")
    t.eq(e["headers"], {"Content-Type": "application/json", "Accept": "application/json",
                        "Sforce-Call-Options": "client=billsync", "Accept-Encoding": "gzip"},
         "log keeps the interesting headers")
    t.eq(e["body_bytes"], len('{"object":"OrbPlan__c","operation":"insert"}'), "body size")
    t.ok(c.tok not in json.dumps(log) and "demo-secret" not in json.dumps(log),
         "the log never holds the token or the secret")
    s = emu.stats()
    t.eq((s["api_requests"], s["requests"], s["jobs_created"], s["token_grants"]),
         ({"job_create": 1, "total": 1}, {"token": 1, "job_create": 1}, 1,
          {"client_credentials": 1}), "stats by kind")
    ids = emu.add_records("OrbCustomer__c", [{"Name": "Pre", "OrbId__c": "pre1",
                                              "Balance__c": 1.5}])
    t.ok(len(ids) == 1 and ids[0].startswith("a01"), "POST records seeds a record", ids)
    info, ok, bad = c.run_job("OrbCustomer__c", "OrbId__c,Balance__c\npre1,2\n")
    t.eq(csv_rows(ok)[1][:2], [ids[0], "false"], "seeded record is found by upsert")
    t.eq(emu.records("OrbCustomer__c")[0]["Balance__c"], 2.0, "and updated")
    jobs = emu.jobs()
    t.eq(jobs[-1]["state"], "JobComplete", "GET jobs lists job infos")
    for body, name in (({"nosuch": 1}, "unknown fault"), ({"rate": "fast"}, "bad value"),
                       ({"slow_ms": -1}, "negative value")):
        try:
            emu.set_faults(**body)
            t.ok(False, "%s refused" % name)
        except RuntimeError as err:
            t.has(str(err), "400", "%s refused with 400" % name)
    try:
        emu.inspect("GET", "records/Nope__c")
        t.ok(False, "unknown object refused")
    except RuntimeError as err:
        t.has(str(err), "404", "records of an unknown object -> 404")
    t.eq(emu.set_limits(DailyApiRequests=7)["DailyApiRequests"], 7, "POST limits sets a limit")


with Emulator() as emu:
    for fn in (http_5xx, drop_upload, drop_only_served, exact_numbers, lock_rows,
               lock_rows_times, drop_create, fail_object,
               limit_after_calls, reject_gzip, slow, rate_total, inspection):
        t.run(fn, emu)
t.run(start_up_faults)
t.done()
