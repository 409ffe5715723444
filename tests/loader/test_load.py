#!/usr/bin/env python3
"""billsync upload against the emulator: a full load lands every record with the
right values and lookups, bad rows fail with the right errors and source lines, a
second load updates instead of creating, and no secret leaks anywhere."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import (BASIC_EXPECTED, Case, SECRET, Tap, check_basic_failures,   # noqa: E402
                      check_basic_landed, obj_report, totals)


def first_load(t, case):
    r = case.upload()
    t.eq(r.rc, 1, "a load with rejected records exits 1") or print("# %r" % r)
    rep = r.report
    t.ok(rep is not None, "--json prints a report", r)
    if rep is None:
        return
    t.eq(rep["status"], "records_failed", "report status")
    t.eq(rep["files"]["loaded"], 6, "all 6 files loaded")
    t.eq(totals(rep), (11, 1, 6, 0), "created, updated, failed, unprocessed over all objects")
    cus = obj_report(rep, "OrbCustomer__c")
    t.eq((cus["sent"], cus["created"], cus["failed"]), (6, 4, 2), "customers: sent/created/failed")
    t.eq(cus["failed_by_code"], {"REQUIRED_FIELD_MISSING": 1,
                                 "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": 1},
         "customers: failures by error code")
    t.eq(len(rep["jobs"]), 6, "one job per file")
    t.ok(all(j["state"] == "JobComplete" for j in rep["jobs"]), "every job completed",
         rep["jobs"])
    check_basic_landed(t, case, "first load")
    check_basic_failures(t, case, "first load")
    t.ok(not case.work_pending(), "a finished upload leaves nothing to do")
    t.eq(case.work_left(), [], "temporary files are removed")


def values(t, case):
    cus = case.by_key("OrbCustomer__c")
    acme = cus["cus_001"]
    t.eq((acme["Name"], acme["Email__c"], acme["Currency__c"], acme["Balance__c"],
          acme["AutoCollection__c"], acme["PaymentProvider__c"]),
         ("Acme Corp", "billing@acme.example", "USD", 12.5, True, "stripe_charge"),
         "customer values landed as sent")
    t.eq(acme["Account__c"], "001Hs00002abcdeIAA", "a lookup by Id is set")
    t.eq(cus["cus_002"]["Name"], "Globex, Inc.", "a value with a comma survives")
    t.eq(cus["cus_003"]["Name"], 'Quote "Q" Ltd', "a value with quotes survives")
    t.eq(cus["cus_003"]["BillingAddress__c"], "1 Main St\nSpringfield",
         "a value with a line break survives")
    t.eq(cus["cus_006"]["Name"], "Müller GmbH", "UTF-8 survives")
    subs = case.by_key("OrbSubscription__c")
    plans = case.by_key("OrbPlan__c")
    t.eq(subs["sub_001"]["OrbCustomer__c"], acme["Id"],
         "a child's lookup resolves to its parent's record id")
    t.eq(subs["sub_002"]["OrbPlan__c"], plans["plan_pro"]["Id"], "a second lookup resolves")
    inv = case.by_key("OrbInvoice__c")
    t.eq((inv["inv_001"]["OrbSubscription__c"], inv["inv_001"]["Total__c"],
          inv["inv_001"]["InvoiceDate__c"]),
         (subs["sub_001"]["Id"], 100.0, "2024-02-01"), "invoice lookup, money and date")


def failure_lines(t, case):
    rows = {(r["object"], r["key"]): r for r in case.failures()}
    r = rows.get(("OrbCustomer__c", "cus_004"), {})
    t.eq((r.get("source"), r.get("line"), r.get("error_fields")),
         ("samples/customers.csv", "6", "Name"),
         "a failed record names its source file, line and field")
    t.ok('"OrbId__c":"cus_004"' in r.get("record", ""), "the failed record's values are "
         "in the CSV", r)
    r = rows.get(("OrbSubscription__c", "sub_003"), {})
    t.ok("Foreign key external ID: cus_004 not found" in r.get("error_message", ""),
         "a lookup to a rejected parent fails with Salesforce's message", r)
    r = rows.get(("OrbInvoice__c", "inv_005"), {})
    t.eq((r.get("source"), r.get("line")), ("samples/invoices-2.csv", "3"),
         "source line of a row in the second file")


def second_load(t, case):
    before = {o: len(case.records(o)) for o in BASIC_EXPECTED}
    r = case.upload("--restart")     # a loaded folder is sent again only so
    t.eq(r.rc, 1, "the second load exits 1 (the same rows are still rejected)")
    rep = r.report or {"objects": []}
    c, u, f, _ = totals(rep)
    t.eq((c, u, f), (0, 12, 6), "the second load updates every record and creates none")
    after = {o: len(case.records(o)) for o in BASIC_EXPECTED}
    t.eq(after, before, "no duplicate records after the second load")
    check_basic_failures(t, case, "second load")


def text_report(t, case):
    r = case.upload("--restart", json_report=False)
    t.ok("OrbCustomer__c" in r.stdout and "failed with REQUIRED_FIELD_MISSING: 1" in r.stdout,
         "the text summary lists objects and failures by code", r)
    t.ok("failures.csv" in r.stdout, "the text summary names the failures file", r)
    t.ok("job 750" in r.stderr, "log lines name the jobs when not on a terminal", r)
    for where, text in (("stdout", r.stdout), ("stderr", r.stderr)):
        t.ok(SECRET not in text and "!AQ" not in text,
             "no secret or token in %s" % where)
    with open(os.path.join(case.dir, "failures.csv"), encoding="utf-8") as f:
        t.ok("!AQ" not in f.read(), "no token in the failures CSV")


def gzip_on_wire(t, case):
    puts = [q for q in case.emu.requests() if q["method"] == "PUT"]
    t.ok(puts and all(q["headers"].get("Content-Encoding") == "gzip" for q in puts),
         "uploads are sent gzipped", puts[:2])
    gets = [q for q in case.emu.requests() if "Results" in q["path"]]
    t.ok(gets and all("gzip" in q["headers"].get("Accept-Encoding", "") for q in gets),
         "results are asked for with Accept-Encoding gzip", gets[:1])
    t.ok(all(q["headers"].get("Sforce-Call-Options") == "client=billsync"
             for q in case.emu.requests() if q["path"].startswith("/services/data/")),
         "every API call carries Sforce-Call-Options: client=billsync")


def state_has_no_secret(t, case):
    """Neither the client secret nor an access token is in the state's files
    (the database, its write-ahead log, anything else there), as bytes."""
    # every token the emulator issues starts with the org id and "!AQ"
    token_start = _token(case.url).split("!AQ")[0] + "!AQ"
    names = []
    for base, _, files in os.walk(os.path.join(case.tmp, "state")):
        names.extend(os.path.join(base, n) for n in files)
    t.ok(any(n.endswith("billsync.db") for n in names), "the state database exists", names)
    found = []
    for n in names:
        with open(n, "rb") as f:
            data = f.read()
        for label, needle in (("client secret", SECRET), ("access token", token_start),
                              ("Bearer header", "Bearer ")):
            if needle.encode() in data:
                found.append((n, label))
    t.eq(found, [], "no secret or token in the state files (%d files)" % len(names))


def _token(url):
    """An access token from the emulator, to learn what tokens look like
    (each shares the org-id prefix of the ones billsync was given)."""
    import http.client
    import json
    import urllib.parse
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                   "client_id": "billsync-demo", "client_secret": SECRET})
    conn.request("POST", "/services/oauth2/token", body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(conn.getresponse().read())["access_token"]
    conn.close()
    return token


def refused_records(t):
    """A job Salesforce refuses (the upload is over the org's size cap): every
    row is in the failures CSV with the record as it was sent, not "{}"."""
    with Case(limits={"JobDataMaxBytes": 300}) as case:
        r = case.upload()
        rows = [x for x in case.failures() if "Exceeded max size" in x["error_message"]]
        t.ok(r.rc == 1 and rows, "refused upload: rows reported unprocessed", r)
        bad = []
        for x in rows:
            rec = json.loads(x["record"] or "{}")
            key = "Id" if x["object"] == "Account" else "OrbId__c"
            if rec.get(key) != x["key"] or len(rec) < 2:
                bad.append(x)
        t.eq(bad, [], "refused upload: each row carries its record, as sent")
        cus = [json.loads(x["record"] or "{}") for x in rows if x["key"] == "cus_003"]
        t.eq([(c.get("Name"), c.get("BillingAddress__c")) for c in cus],
             [('Quote "Q" Ltd', "1 Main St\nSpringfield")],
             "refused upload: quoted values come back as the bulk file had them")
        t.eq([x for x in case.failures() if x["record"] in ("", "{}")], [],
             "refused upload: no failures CSV row without its record")


def max_jobs_cap(t):
    """At most max_jobs jobs are in flight at once: from a job's upload to its
    last call (results), in the emulator's request log."""
    for cap in ("1", "2"):
        with Case(load={"max_jobs": cap}, faults={"rate": 40}) as case:
            r = case.upload()
            t.eq(r.rc, 1, "max_jobs %s: the load runs" % cap) or print("# %r" % r)
            span = {}
            for q in case.emu.requests():
                parts = q["path"].rstrip("/").split("/")
                if "ingest" in parts and parts.index("ingest") + 1 < len(parts):
                    job = parts[parts.index("ingest") + 1]
                    first, _ = span.get(job, (q["seq"], q["seq"]))
                    span[job] = (first, q["seq"])
            most = 0
            for _, (first, _) in span.items():
                live = sum(1 for a, b in span.values() if a <= first <= b)
                most = max(most, live)
            t.eq(len(span), 6, "max_jobs %s: six jobs" % cap)
            t.eq(most, int(cap), "max_jobs %s: at most (and, with three parents ready, "
                 "exactly) %s jobs in flight at once" % (cap, cap), span)


def main():
    t = Tap()
    with Case() as case:
        for fn in (first_load, values, failure_lines, gzip_on_wire, second_load,
                   text_report, state_has_no_secret):
            t.run(fn, t, case)
    for fn in (refused_records, max_jobs_cap):
        t.run(fn, t)
    t.done()


if __name__ == "__main__":
    main()
