"""Ingest jobs: create, upload, close, abort, info, list, delete, job failures (ref. 3, 5, 7)."""

import gzip
import re
import zlib

import sfids
from emutest import INGEST, Client, Emulator, Tap

t = Tap()
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\Z")
CREATE_KEYS = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
               "state", "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion",
               "contentUrl", "lineEnding", "columnDelimiter"]
SHORT_KEYS = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
              "state", "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion"]
FULL_KEYS = SHORT_KEYS + ["jobType", "lineEnding", "columnDelimiter", "numberRecordsProcessed",
                          "numberRecordsFailed", "retries", "totalProcessingTime",
                          "apiActiveProcessingTime", "apexProcessingTime"]


def bulk_err(r):
    return r.status, r.json()[0]["errorCode"], r.json()[0]["message"]


def create_job(c):
    r = c.create("OrbCustomer__c")
    t.eq(r.status, 200, "create job -> 200")
    j = r.json()
    t.eq(list(j), CREATE_KEYS, "create response: documented fields in documented order")
    t.ok(re.fullmatch(r"750[0-9A-Za-z]{15}", j["id"]) and sfids.normalize(j["id"]) == j["id"],
         "job id: 18 chars, prefix 750, valid checksum", j["id"])
    t.ok(TS.match(j["createdDate"]) and TS.match(j["systemModstamp"]),
         "timestamps yyyy-MM-ddTHH:mm:ss.SSS+0000", j["createdDate"])
    t.eq((j["state"], j["concurrencyMode"], j["contentType"], j["lineEnding"],
          j["columnDelimiter"], j["externalIdFieldName"], j["operation"], j["object"]),
         ("Open", "Parallel", "CSV", "LF", "COMMA", "OrbId__c", "upsert", "OrbCustomer__c"),
         "create response values and defaults")
    t.ok(isinstance(j["apiVersion"], float) and j["apiVersion"] == 62.0,
         "apiVersion is the number 62.0", j["apiVersion"])
    t.ok('"apiVersion" : 62.0,' in r.text, "Jackson-style JSON (\"key\" : value)", r.text)
    t.eq(j["contentUrl"], "services/data/v62.0/jobs/ingest/%s/batches" % j["id"],
         "contentUrl is relative without a leading slash")
    t.ok(re.fullmatch(r"005[0-9A-Za-z]{15}", j["createdById"]), "createdById is a user id")
    r = c.create("OrbPlan__c", "insert", lineEnding="CRLF", columnDelimiter="PIPE",
                 assignmentRuleId="01QHs000000AAAAMAA")
    j = r.json()
    t.ok("externalIdFieldName" not in j, "no externalIdFieldName for insert")
    t.eq((j["lineEnding"], j["columnDelimiter"], j["assignmentRuleId"]),
         ("CRLF", "PIPE", "01QHs000000AAAAMAA"), "lineEnding, delimiter, assignmentRuleId echoed")
    r = c.post_json("/services/data/v55.0/jobs/ingest/", {"object": "orbplan__c",
                                                         "operation": "insert"})
    t.eq((r.json()["apiVersion"], r.json()["object"]), (55.0, "OrbPlan__c"),
         "apiVersion from the URL; object name canonical; trailing slash")
    r = c.create("OrbInvoice__c", "upsert", "Id")
    t.eq(r.json().get("externalIdFieldName"), "Id", "upsert on Id accepted")
    gz = gzip.compress(b'{"object":"Account","operation":"insert"}')
    r = c.request("POST", INGEST, gz, {"Content-Type": "application/json",
                                       "Content-Encoding": "gzip"})
    t.eq(r.status, 200, "gzipped JSON create accepted (as Data Loader sends it)")


def create_errors(c):
    cases = [
        ({"object": "Nope__c", "operation": "insert"}, "INVALIDJOB",
         "InvalidJob : Unable to find object: Nope__c"),
        ({"operation": "insert"}, "INVALIDJOB", "InvalidJob : Unable to find object: "),
        ({"object": "OrbCustomer__c", "operation": "upsert"}, "INVALIDJOB",
         "InvalidJob : External ID was blank for OrbCustomer__c. An External ID must be "
         "specified for upsert."),
        ({"object": "OrbCustomer__c", "operation": "upsert", "externalIdFieldName": "Name"},
         "INVALIDJOB", "InvalidJob : Field name provided, Name does not match an External ID "
         "for OrbCustomer__c"),
        ({"object": "OrbCustomer__c", "operation": "upsert", "externalIdFieldName": "Nope__c"},
         "INVALIDJOB", "InvalidJob : Field name provided, Nope__c does not match an External ID "
         "for OrbCustomer__c"),
        ({"object": "OrbCustomer__c", "operation": ""}, "API_ERROR",
         "Invalid value: '' supplied for property: 'operation'"),
        ({"object": "OrbCustomer__c"}, "API_ERROR",
         "Invalid value: '' supplied for property: 'operation'"),
        ({"object": "OrbCustomer__c", "operation": "merge"}, "API_ERROR",
         "Invalid value: 'merge' supplied for property: 'operation'"),
        ({"object": "OrbCustomer__c", "operation": "insert", "contentType": "JSON"}, "API_ERROR",
         "Invalid value: 'JSON' supplied for property: 'contentType'"),
        ({"object": "OrbCustomer__c", "operation": "insert", "contentType": ""}, "API_ERROR",
         "Invalid value: '' supplied for property: 'contentType'"),
        ({"object": "OrbCustomer__c", "operation": "insert", "lineEnding": "CR"}, "API_ERROR",
         "Invalid value: 'CR' supplied for property: 'lineEnding'"),
        ({"object": "OrbCustomer__c", "operation": "insert", "columnDelimiter": "COLON"},
         "API_ERROR", "Invalid value: 'COLON' supplied for property: 'columnDelimiter'"),
    ]
    for spec, code, msg in cases:
        r = c.post_json(INGEST, spec)
        t.eq(bulk_err(r), (400, code, msg), "create %s -> %s" % (spec, code))
    r = c.post_json(INGEST, {"object": "Nope__c", "operation": "insert"})
    t.eq(r.text, '[ {\n  "errorCode" : "INVALIDJOB",\n  "message" : "InvalidJob : Unable to '
         'find object: Nope__c"\n} ]', "Bulk error body in Jackson style, errorCode first")
    r = c.request("POST", INGEST, "{not json", {"Content-Type": "application/json"})
    t.eq((r.status, r.json()[0]["errorCode"]), (400, "JSON_PARSER_ERROR"), "bad JSON -> 400")
    r = c.request("POST", INGEST, "object=Account&operation=insert",
                  {"Content-Type": "application/x-www-form-urlencoded"})
    t.eq(r.status, 415, "form-encoded create -> 415")
    for delim in ("BACKQUOTE", "CARET", "COMMA", "PIPE", "SEMICOLON", "TAB"):
        r = c.create("Account", "insert", columnDelimiter=delim)
        t.eq(r.status, 200, "columnDelimiter %s accepted" % delim)


def upload_rules(c, emu):
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.upload(jid, "Name\nP1\n", {"Content-Type": "text/csv; charset=UTF-8"})
    t.eq((r.status, r.raw), (201, b""), "upload -> 201 with an empty body")
    r = c.upload(jid, "Name\nP2\n")
    t.eq(bulk_err(r), (400, "BULK_API_ERROR",
                       "Found multipe contents for job: <%s>, please 'Close' / 'Abort' / 'Delete' "
                       "the current Job then create a new Job and make sure you only do 'PUT' "
                       "once on a given Job." % jid[:15]), "second PUT refused (15-char id)")
    c.set_state(jid, "UploadComplete")
    r = c.upload(jid, "Name\nP3\n")
    t.eq(bulk_err(r)[:2], (400, "BULK_API_ERROR"), "PUT after close with data: multiple contents")
    jid2 = c.create("OrbPlan__c", "insert").json()["id"]
    c.set_state(jid2, "Aborted")
    t.eq(bulk_err(c.upload(jid2, "Name\nx\n"))[:2], (400, "INVALIDJOBSTATE"),
         "PUT to an aborted job without data -> INVALIDJOBSTATE")
    jid3 = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.upload(jid3, "Name\nx\n", {"Content-Type": "application/json"})
    t.eq(r.status, 415, "upload with a non-CSV Content-Type -> 415")
    r = c.upload(jid3, gzip.compress(b"Name\nG1\nG2\n"), {"Content-Encoding": "gzip"})
    t.eq(r.status, 201, "gzip upload -> 201")
    c.set_state(jid3, "UploadComplete")
    info, _ = c.wait(jid3)
    t.eq((info["state"], info["numberRecordsProcessed"]), ("JobComplete", 2),
         "gzip upload decompressed and processed")
    jid4 = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.upload(jid4, zlib.compress(b"Name\nD1\n"), {"Content-Encoding": "deflate"})
    t.eq(r.status, 201, "deflate upload -> 201")
    r = c.upload(c.create("OrbPlan__c", "insert").json()["id"], b"\x1f\x8bnot gzip",
                 {"Content-Encoding": "gzip"})
    t.eq(bulk_err(r)[:2], (400, "BULK_API_ERROR"), "corrupt gzip -> 400")
    r = c.upload(c.create("OrbPlan__c", "insert").json()["id"], b"Name\n",
                 {"Content-Encoding": "br"})
    t.eq(r.status, 415, "unsupported Content-Encoding -> 415")
    r = c.upload("750Hs00002FIn0zIAT", "Name\n")
    t.eq(bulk_err(r), (404, "NOT_FOUND", "The requested resource does not exist"),
         "PUT to an unknown job -> 404")
    r = c.request("PUT", "%s/%s/batches/" % (INGEST, jid4.lower()), "x",
                  {"Content-Type": "text/csv"})
    t.eq(bulk_err(r)[:2], (400, "BULK_API_ERROR"),
         "18-char id is case-insensitive; batches/ with trailing slash")
    r = c.request("PUT", "%s/%s/batches" % (INGEST, jid4[:15]), "x",
                  {"Content-Type": "text/csv"})
    t.eq(bulk_err(r)[:2], (400, "BULK_API_ERROR"), "15-char id accepted")
    log = [e for e in emu.requests() if e["kind"] == "job_upload"]
    t.eq(log[-1]["headers"].get("Content-Type"), "text/csv", "request log keeps Content-Type")


def size_rule():
    with Emulator(limits={"JobDataMaxBytes": 400}) as emu:
        c = Client(emu)
        head = "Name\n"
        fits = head + "x" * (300 - len(head))          # base64 of 300 bytes = 400
        over = fits + "y"
        jid = c.create("OrbPlan__c", "insert").json()["id"]
        t.eq(c.upload(jid, fits).status, 201, "300 raw bytes = 400 base64 bytes: accepted")
        jid = c.create("OrbPlan__c", "insert").json()["id"]
        r = c.upload(jid, over)
        t.eq(bulk_err(r), (400, "BULK_API_ERROR", "Exceeded max size limit of 400 bytes for job "
                           "data (after base64 encoding): <%s>" % jid[:15]),
             "301 raw bytes exceed 400 after base64")
        r = c.upload(jid, gzip.compress(over.encode()), {"Content-Encoding": "gzip"})
        t.eq(r.status, 400, "the limit applies to the decompressed size")
        r = c.upload(jid, fits)
        t.eq(r.status, 201, "a refused upload leaves the job open for a good one")
    with Emulator() as emu:
        c = Client(emu)
        jid = c.create("OrbPlan__c", "insert").json()["id"]
        body = b"Name\n" + b"a" * (112500001 - 5)
        r = c.upload(jid, gzip.compress(body, 1), {"Content-Encoding": "gzip"})
        t.eq(r.status, 400, "default: 112,500,001 raw bytes exceed 150,000,000 after base64")
        r = c.upload(jid, gzip.compress(body[:-1], 1), {"Content-Encoding": "gzip"})
        t.eq(r.status, 201, "default: 112,500,000 raw bytes fit")


def state_machine(c):
    def new():
        return c.create("OrbPlan__c", "insert").json()["id"]
    jid = new()
    c.upload(jid, "Name\n" + "".join("p%d\n" % i for i in range(1000)))
    r = c.set_state(jid, "UploadComplete")
    t.eq(r.status, 200, "close -> 200")
    t.eq(list(r.json()), [k for k in SHORT_KEYS if k != "externalIdFieldName"],
         "close response: the short field set")
    t.eq(r.json()["state"], "UploadComplete", "close response state UploadComplete")
    info, seen = c.wait(jid)
    t.eq(info["state"], "JobComplete", "1,000-record job completes")
    t.ok(seen[0] == "UploadComplete" and "InProgress" in seen, "client sees UploadComplete, "
         "then InProgress, before JobComplete", seen)
    t.eq(list(info), [k for k in FULL_KEYS if k != "externalIdFieldName"],
         "job info: full field set in order")
    t.ok(all(isinstance(info[k], int) for k in FULL_KEYS[14:]), "counters are integers")
    r = c.set_state(jid, "UploadComplete")
    t.eq(bulk_err(r), (400, "INVALIDJOBSTATE", "Closing already closed Job not allowed"),
         "close a completed job")
    r = c.set_state(jid, "Aborted")
    t.eq(bulk_err(r), (400, "INVALIDJOBSTATE", "Aborting already Completed Job not allowed"),
         "abort a completed job (documented text)")
    jid = new()
    r = c.set_state(jid, "Aborted")
    t.eq((r.status, r.json()["state"]), (200, "Aborted"), "abort an open job")
    t.eq(bulk_err(c.set_state(jid, "Aborted")),
         (400, "INVALIDJOBSTATE", "Aborting already aborted Job not allowed"), "abort twice")
    t.eq(bulk_err(c.set_state(jid, "UploadComplete")),
         (400, "INVALIDJOBSTATE", "Closing already aborted Job not allowed"),
         "close an aborted job")
    jid = new()
    for bad in ("JobComplete", "InProgress", "Open"):
        t.eq(bulk_err(c.set_state(jid, bad))[:2], (400, "INVALIDJOBSTATE"),
             "PATCH state %s -> INVALIDJOBSTATE" % bad)
    t.eq(bulk_err(c.set_state(jid, "Closed")), (400, "API_ERROR", "Invalid value: 'Closed' "
                                                "supplied for property: 'state'"),
         "PATCH with an unknown state -> API_ERROR")
    t.eq(c.info(jid)["state"], "Open", "refused PATCHes leave the job Open")
    t.ok("contentUrl" in c.info(jid), "contentUrl in job info while Open")
    with_slow = new()
    c.emu.set_faults(rate=2000)
    c.upload(with_slow, "Name\n" + "".join("s%d\n" % i for i in range(600)))
    c.set_state(with_slow, "UploadComplete")
    seen_counts = []
    while True:
        info = c.info(with_slow)
        if info["state"] == "InProgress":
            seen_counts.append(info["numberRecordsProcessed"])
        if info["state"] in ("JobComplete", "Failed") or len(seen_counts) > 2000:
            break
    t.ok(len(set(seen_counts)) >= 2 and seen_counts == sorted(seen_counts),
         "numberRecordsProcessed grows while InProgress", seen_counts[:5])
    t.eq(bulk_err(c.request("DELETE", "%s/%s" % (INGEST, new()))),
         (400, "INVALIDJOBSTATE", "Deleting a Job in state Open is not allowed"),
         "DELETE an Open job refused")
    c.emu.set_faults(rate=1000)
    busy = new()
    c.upload(busy, "Name\n" + "".join("b%d\n" % i for i in range(1000)))
    c.set_state(busy, "UploadComplete")
    while c.info(busy)["numberRecordsProcessed"] == 0:
        pass
    t.eq(bulk_err(c.request("DELETE", "%s/%s" % (INGEST, busy)))[:2], (400, "INVALIDJOBSTATE"),
         "DELETE an InProgress job refused")
    r = c.set_state(busy, "Aborted")
    t.eq(r.json()["state"], "Aborted", "abort an InProgress job")
    info = c.info(busy)
    t.ok(0 < info["numberRecordsProcessed"] < 1000, "abort keeps records already processed",
         info["numberRecordsProcessed"])
    unproc = c.results(busy, "unprocessedrecords").text.splitlines()
    t.eq(len(unproc) - 1, 1000 - info["numberRecordsProcessed"],
         "the rest is in unprocessedrecords")
    c.emu.set_faults(rate=None)
    r = c.request("DELETE", "%s/%s/" % (INGEST, busy))
    t.eq((r.status, r.raw), (204, b""), "DELETE an aborted job -> 204 (trailing slash)")
    t.eq(bulk_err(c.get("%s/%s" % (INGEST, busy))), (404, "NOT_FOUND",
                                                     "The requested resource does not exist"),
         "deleted job -> 404 NOT_FOUND")
    closed = new()
    c.emu.set_faults(queue_ms=10000)
    c.upload(closed, "Name\nq\n")
    c.set_state(closed, "UploadComplete")
    t.eq(c.request("DELETE", "%s/%s" % (INGEST, closed)).status, 204,
         "DELETE an UploadComplete job -> 204")
    c.emu.set_faults(queue_ms=None)


def list_jobs():
    with Emulator(faults={"job_list_page": 2}) as emu:
        c = Client(emu)
        ids = [c.create("OrbPlan__c", "insert").json()["id"] for _ in range(5)]
        r = c.get(INGEST)
        page = r.json()
        t.eq(list(page), ["done", "records", "nextRecordsUrl"], "list response keys")
        t.eq((page["done"], [j["id"] for j in page["records"]]), (False, ids[:2]), "first page")
        t.eq(list(page["records"][0]), ["id", "operation", "object", "createdById",
                                        "createdDate", "systemModstamp", "state",
                                        "concurrencyMode", "contentType", "apiVersion", "jobType",
                                        "contentUrl", "lineEnding", "columnDelimiter"],
             "listed job fields")
        got = [j["id"] for j in page["records"]]
        while not page["done"]:
            t.ok(page["nextRecordsUrl"].startswith("/services/data/v62.0/jobs/ingest?"
                                                   "queryLocator="), "nextRecordsUrl shape",
                 page["nextRecordsUrl"])
            page = c.get(page["nextRecordsUrl"]).json()
            got += [j["id"] for j in page["records"]]
        t.eq((got, page["nextRecordsUrl"]), (ids, None), "paging returns every job once")
        t.eq(c.get(INGEST + "?jobType=Classic").json()["records"], [], "jobType=Classic: none")
        t.eq(len(c.get(INGEST + "/?jobType=V2Ingest").json()["records"]), 2,
             "jobType=V2Ingest filter")
        t.eq(c.get(INGEST + "?isPkChunkingEnabled=true").json()["records"], [],
             "isPkChunkingEnabled=true: none")
        t.eq(c.get(INGEST + "?queryLocator=bogus").status, 400, "bad locator -> 400")


def job_failures(c):
    cases = [
        ("OrbId__c,Name,Bogus__c\na,A,x\n", "InvalidBatch : Field name not found : Bogus__c",
         "unknown header column"),
        ("\ufeffOrbId__c,Name\na,A\n", "InvalidBatch : Field name not found : \ufeffOrbId__c",
         "UTF-8 BOM is not stripped"),
        ('\ufeff"OrbId__c",Name\na,A\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote", "BOM before a quoted header"),
        ("OrbId__c,Name\r\na,A\r\n", "ClientInputError : LineEnding is invalid on user data. "
         "Current LineEnding setting is LF", "CRLF data in an LF job"),
        ('OrbId__c,Name\na,"multi\r\nline"\n', "ClientInputError : LineEnding is invalid on "
         "user data. Current LineEnding setting is LF", "a CR inside quotes in an LF job"),
        ('OrbId__c,Name\na,ab"c\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote", "stray quote"),
        ('OrbId__c,Name\na,"John"x\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote", "text after a closing quote"),
        ('OrbId__c,Name\na,"John" x\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote",
         "a space and text after a closing quote"),
        ('OrbId__c, "Name"\na,A\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote", "a space before a quoted header"),
        ('OrbId__c,Name\na,"John" ,x\n', "InvalidBatch : Failed to parse CSV. Record 1 has 3 "
         "values, the header has 2", "a space after a quote, then too many values"),
        ('OrbId__c,Name\na,"open\n', "InvalidBatch : Failed to parse CSV. Found unescaped "
         "quote. A value with quote should be within a quote", "unterminated quote"),
        ("OrbId__c,Name\na,A,extra\n", "InvalidBatch : Failed to parse CSV. Record 1 has 3 "
         "values, the header has 2", "record with too many values"),
        ("OrbId__c,Name,orbid__c\na,A,a\n", "InvalidBatch : Duplicate field name: orbid__c",
         "a column twice"),
        ("OrbId__c,Name,OrbCustomer__r.Name\na,A,b\n", "InvalidBatch : Field name not found : "
         "OrbCustomer__r.Name", "lookup through a non-external-id field"),
        ("OrbId__c,Name,OrbCustomer__x.OrbId__c\na,A,b\n", "InvalidBatch : Field name not found "
         ": OrbCustomer__x.OrbId__c", "unknown relationship"),
        ("OrbId__c,Name,OrbCustomer__c:OrbCustomer__r.OrbId__c\na,A,b\n", "InvalidBatch : type "
         "is not needed for non polymorphic foreign key references: "
         "OrbCustomer__c:OrbCustomer__r.OrbId__c", "polymorphic prefix on a plain lookup"),
    ]
    for data, msg, name in cases:
        info, _, _ = c.run_job("OrbSubscription__c", data)
        t.eq((info["state"], info.get("errorMessage"), info["numberRecordsProcessed"]),
             ("Failed", msg, 0), "job Failed: %s" % name)
    jid = c.create("OrbSubscription__c").json()["id"]
    c.upload(jid, "OrbId__c,Name,Bogus__c\ns1,S,x\ns2,T,y\n")
    c.set_state(jid, "UploadComplete")
    c.wait(jid)
    t.eq(c.results(jid, "unprocessedrecords").text, 'OrbId__c,Name,Bogus__c\n"s1","S","x"\n'
         '"s2","T","y"\n', "a header failure leaves every record unprocessed")
    t.eq(c.results(jid, "failedResults").text, '"sf__Id","sf__Error",OrbId__c,Name,Bogus__c\n',
         "failedResults header only")
    info, _, _ = c.run_job("OrbPlan__c", "Name\r\nP1\r\nP2\r\n", "insert", lineEnding="CRLF")
    t.eq((info["state"], info["numberRecordsProcessed"]), ("JobComplete", 2), "CRLF job")
    info, _, _ = c.run_job("OrbPlan__c", "Name\r\nP1\nP2\r\n", "insert", lineEnding="CRLF")
    t.eq(info.get("errorMessage"), "ClientInputError : LineEnding is invalid on user data. "
         "Current LineEnding setting is CRLF", "bare LF in a CRLF job")
    info, _, _ = c.run_job("OrbPlan__c", "Name\r\nP1\r\n", "delete", lineEnding="CRLF")
    t.eq(info.get("errorMessage"), "InvalidBatch : The 'delete' batch must contain only the "
         "'Id' field", "delete file with columns other than Id")
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    c.set_state(jid, "UploadComplete")
    info, _ = c.wait(jid)
    t.eq((info["state"], info.get("errorMessage")),
         ("Failed", "InvalidBatch : No data was uploaded for this job"), "closed without data")
    for data, name in (("", "empty upload"), ("Name\n", "header-only upload")):
        info, ok, bad = c.run_job("OrbPlan__c", data, "insert")
        t.eq((info["state"], info["numberRecordsProcessed"]), ("JobComplete", 0),
             "%s completes with 0 records" % name)
    t.eq(ok, '"sf__Id","sf__Created",Name\n', "header-only upload: results echo the header")


def space_around_quotes(c):
    """Reference 5: a space before or after a quote is a row error, not a job failure."""
    def err(col, raw, field):
        text = ("INVALID_FIELD:Failed to deserialize field at col %d. Due to, '%s' has a "
                "space before or after its quotes:%s --" % (col, raw, field))
        return text.replace('"', '""')          # as a quoted CSV value
    data = ('OrbId__c,Name,Status__c\nq1,"Smith",active\nq2, "Smith",active\n'
            'q3,"John" ,active\nq4,Plain,active\n  "q5"  ,"Q ""5""" ,active\nq6,"Six",active\n')
    info, ok, bad = c.run_job("OrbPlan__c", data)
    t.eq((info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"],
          info.get("errorMessage")), ("JobComplete", 5 + 1, 3, None),
         "spaces around quotes: the job completes, three records fail")
    t.eq(bad, '"sf__Id","sf__Error",OrbId__c,Name,Status__c\n'
         '"","%s","q2"," ""Smith""","active"\n'
         '"","%s","q3","""John"" ","active"\n'
         '"","%s","  ""q5""  ","""Q """"5"""""" ","active"\n'
         % (err(1, ' "Smith"', "Name"), err(1, '"John" ', "Name"), err(0, '  "q5"  ', "OrbId__c")),
         "failedResults: INVALID_FIELD naming the first such column, values as sent")
    t.eq(sorted(line.split(",")[2] for line in ok.splitlines()[1:]),
         ['"q1"', '"q4"', '"q6"'], "the other records succeed")
    info, ok, bad = c.run_job("OrbPlan__c", 'OrbId__c|Name\r\nq7| "Seven"\r\nq8|Eight\r\n',
                              lineEnding="CRLF", columnDelimiter="PIPE")
    t.eq((info["state"], info["numberRecordsFailed"], bad.split("\r\n")[1][:27]),
         ("JobComplete", 1, '""|"INVALID_FIELD:Failed to'), "the same with PIPE and CRLF")
    jid = c.create("OrbPlan__c").json()["id"]
    c.upload(jid, 'OrbId__c,Name\nq9, "Nine"\n')
    c.set_state(jid, "Aborted")
    t.eq(c.results(jid, "unprocessedrecords").text, 'OrbId__c,Name\n"q9"," ""Nine"""\n',
         "unprocessed: such a record comes back with its values as sent")


def multipart(c):
    boundary = "BOUNDARY"
    body = ("--BOUNDARY\r\nContent-Type: application/json\r\nContent-Disposition: form-data; "
            "name=\"job\"\r\n\r\n{\"object\":\"OrbPlan__c\",\"contentType\":\"CSV\","
            "\"operation\":\"insert\",\"lineEnding\":\"LF\"}\r\n--BOUNDARY\r\nContent-Type: "
            "text/csv\r\nContent-Disposition: form-data; name=\"content\"; filename=\"content\""
            "\r\n\r\nName,Status__c\nMP1,active\nMP2,draft\n\r\n--BOUNDARY--\r\n")
    r = c.request("POST", INGEST, body,
                  {"Content-Type": "multipart/form-data; boundary=" + boundary})
    j = r.json()
    t.eq((r.status, j["state"]), (200, "UploadComplete"), "multipart create -> UploadComplete")
    t.ok("contentUrl" not in j and j["lineEnding"] == "LF" and j["columnDelimiter"] == "COMMA",
         "multipart response: no contentUrl, with lineEnding and columnDelimiter", j)
    info, _ = c.wait(j["id"])
    t.eq((info["state"], info["numberRecordsProcessed"]), ("JobComplete", 2),
         "multipart job processed without PUT or PATCH")


with Emulator() as emu:
    c = Client(emu)
    for fn, args in ((create_job, (c,)), (create_errors, (c,)), (upload_rules, (c, emu)),
                     (state_machine, (c,)), (job_failures, (c,)), (space_around_quotes, (c,)),
                     (multipart, (c,))):
        t.run(fn, *args)
t.run(size_rule)
t.run(list_jobs)
t.done()
