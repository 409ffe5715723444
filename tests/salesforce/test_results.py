"""Result CSVs: columns, quoting, echo rules, delimiters, line endings, gzip, order (ref. 4)."""

import gzip

from emutest import INGEST, Client, Emulator, Tap

t = Tap()


def layout(c):
    data = 'name,OrbId__c,NetTerms__c,Description__c\n"Plan ""A""",r1,1500,"a, b"\n' \
           'Plan B,r2,x,"line1\nline2"\n'
    info, ok, bad = c.run_job("OrbPlan__c", data)
    lines = ok.split("\n")
    t.eq(lines[0], '"sf__Id","sf__Created",name,OrbId__c,NetTerms__c,Description__c',
         "successfulResults header: sf__ names quoted, uploaded names as sent (lower-case name)")
    sid = lines[1].split(",")[0].strip('"')
    t.eq(lines[1], '"%s","true","Plan ""A""","r1","1500.0","a, b"' % sid,
         "success line: every value quoted, quotes doubled, double re-serialised")
    t.eq(ok, "\n".join(lines[:2]) + "\n", "one line per record, LF-terminated")
    t.eq(bad, '"sf__Id","sf__Error",name,OrbId__c,NetTerms__c,Description__c\n'
         '"","INVALID_FIELD:Failed to deserialize field at col 2. Due to, \'x\' is not a valid '
         'value for the type xsd:double:NetTerms__c --","Plan B","r2","x","line1\nline2"\n',
         "failedResults: raw values, newline kept inside quotes")
    jid = info["id"]
    r = c.results(jid, "unprocessedrecords")
    t.eq((r.status, r.text), (200, "name,OrbId__c,NetTerms__c,Description__c\n"),
         "unprocessedrecords of a finished job: header only")
    t.ok(r.headers["content-type"].startswith("text/csv"), "results are text/csv",
         r.headers["content-type"])
    for kind in ("successfulResults/", "failedResults/", "unprocessedrecords/"):
        t.eq(c.results(jid, kind).status, 200, "%s with a trailing slash" % kind)
    t.eq(c.results(jid, "unprocessedRecords").status, 404, "unprocessedRecords (wrong case) -> 404")
    r = c.results(jid, "successfulResults", {"Accept-Encoding": "gzip"})
    t.eq(r.headers.get("content-encoding"), "gzip", "Accept-Encoding: gzip -> gzipped body")
    t.eq(gzip.decompress(r.raw).decode(), ok, "gzipped body is the same CSV")
    t.eq(r.headers["content-length"], str(len(r.raw)), "Content-Length is the gzipped size")
    r = c.results(jid, "successfulResults", {"Accept-Encoding": "identity"})
    t.ok("content-encoding" not in r.headers, "no gzip unless asked")
    r = c.results(jid, "successfulResults", {"Accept-Encoding": "gzip;q=0"})
    t.ok("content-encoding" not in r.headers, "gzip;q=0 is a refusal")
    r = c.get(INGEST + "/" + jid, headers={"Accept-Encoding": "gzip, deflate"})
    t.eq((r.headers.get("content-encoding"), r.json()["id"]), ("gzip", jid),
         "JSON answers are gzipped on request too")


def not_ready(c):
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    r = c.results(jid, "successfulResults")
    t.eq((r.status, r.json()[0]["errorCode"]), (400, "INVALIDJOBSTATE"),
         "results of an Open job -> 400 INVALIDJOBSTATE")
    r = c.results("750Hs00002FIn0zIAT", "failedResults")
    t.eq(r.status, 404, "results of an unknown job -> 404")


def delimiter_and_crlf(c):
    info, ok, bad = c.run_job("OrbPlan__c", "Name|NetTerms__c\r\nP|12345678\r\nQ|z\r\n",
                              "insert", lineEnding="CRLF", columnDelimiter="PIPE")
    sid = ok.split("\r\n")[1].split("|")[0]
    t.eq(ok, '"sf__Id"|"sf__Created"|Name|NetTerms__c\r\n%s|"true"|"P"|"1.2345678E7"\r\n' % sid,
         "results use the job's delimiter and CRLF")
    t.ok(bad.startswith('"sf__Id"|"sf__Error"|Name|NetTerms__c\r\n""|"INVALID_FIELD:'),
         "failedResults with PIPE and CRLF", bad)


def aborted_job(c):
    jid = c.create("OrbPlan__c", "insert", columnDelimiter="SEMICOLON").json()["id"]
    c.upload(jid, 'Name;Description__c\nU1;"x;y"\nU2;\n')
    c.set_state(jid, "Aborted")
    t.eq(c.results(jid, "unprocessedrecords").text, 'Name;Description__c\n"U1";"x;y"\n"U2";""\n',
         "aborted before processing: every record unprocessed, re-quoted")
    t.eq(c.results(jid, "successfulResults").text, '"sf__Id";"sf__Created";Name;Description__c\n',
         "aborted job: successfulResults header only")
    jid = c.create("OrbPlan__c", "insert").json()["id"]
    c.upload(jid, 'Name\n"bad"quote\n')
    c.set_state(jid, "Aborted")
    t.eq(c.results(jid, "unprocessedrecords").text, 'Name\n"bad"quote\n',
         "unparseable upload comes back as sent")


def failed_job_headers(c):
    """Reference 4.1: the uploaded header names are echoed even when the job failed
    before its data could be parsed (line ending, quoting)."""
    info, ok, bad = c.run_job("OrbPlan__c", "OrbId__c,Name\r\nh1,H\r\n")
    t.eq(info.get("errorMessage"), "ClientInputError : LineEnding is invalid on user data. "
         "Current LineEnding setting is LF", "CRLF data in an LF job fails the job")
    t.eq(bad, '"sf__Id","sf__Error",OrbId__c,Name\n', "LineEnding failure: failedResults "
         "header echoes the uploaded names")
    t.eq(ok, '"sf__Id","sf__Created",OrbId__c,Name\n', "LineEnding failure: successfulResults "
         "header echoes the uploaded names")
    info, ok, bad = c.run_job("OrbPlan__c", "name|OrbId__c\r\nP|h2\nQ|h3\r\n", lineEnding="CRLF",
                              columnDelimiter="PIPE")
    t.eq((info["state"], ok, bad), ("Failed", '"sf__Id"|"sf__Created"|name|OrbId__c\r\n',
                                    '"sf__Id"|"sf__Error"|name|OrbId__c\r\n'),
         "bare LF in a CRLF PIPE job: both headers echo the names as uploaded")
    info, ok, bad = c.run_job("OrbPlan__c", 'OrbId__c,Name\nh4,ab"c\n')
    t.eq((info["state"], bad), ("Failed", '"sf__Id","sf__Error",OrbId__c,Name\n'),
         "unescaped quote failure: failedResults header echoes the names")
    jid = c.create("OrbPlan__c").json()["id"]
    c.upload(jid, 'OrbId__c,Name\nh5,"bad"quote\n')
    c.set_state(jid, "Aborted")
    t.eq(c.results(jid, "failedResults").text, '"sf__Id","sf__Error",OrbId__c,Name\n',
         "aborted with unparseable data: failedResults header echoes the names")


def shuffled(emu):
    c = Client(emu)
    data = "Name,OrbId__c\n" + "".join("S%02d,s%02d\n" % (i, i) for i in range(30))
    info, ok1, _ = c.run_job("OrbPlan__c", data)
    emu.set_faults(shuffle_results=7)
    jid = info["id"]
    a = c.results(jid, "successfulResults").text
    b = c.results(jid, "successfulResults").text
    t.ok(a == b and a != ok1 and sorted(a.splitlines()) == sorted(ok1.splitlines()),
         "shuffle_results: same rows, seeded order, stable across calls")
    t.eq(a.splitlines()[0], ok1.splitlines()[0], "shuffle keeps the header first")
    emu.set_faults(shuffle_results=0)
    t.eq(c.results(jid, "successfulResults").text, ok1, "shuffle_results=0: upload order")


with Emulator() as emu:
    c = Client(emu)
    for fn in (layout, not_ready, delimiter_and_crlf, aborted_job, failed_job_headers):
        t.run(fn, c)
    t.run(shuffled, emu)
t.done()
