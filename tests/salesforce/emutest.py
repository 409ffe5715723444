"""Helpers for the emulator's own tests: TAP output and a small client over http.client."""

import gzip
import http.client
import json
import sys
import time
import traceback

from emuctl import Emulator  # noqa: F401  (re-exported for the tests)

V = "62.0"
BASE = "/services/data/v" + V
INGEST = BASE + "/jobs/ingest"
TERMINAL = ("JobComplete", "Failed", "Aborted")


class Tap:
    """TAP lines: `ok N - name` / `not ok N - name` plus `#` details; done() exits."""

    def __init__(self):
        self.n = self.failed = 0

    def ok(self, cond, name, *details):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            for d in details:
                for line in str(d).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, actual, expected, name, *details):
        return self.ok(actual == expected, name, "expected: %r" % (expected,),
                       "actual:   %r" % (actual,), *details)

    def has(self, haystack, needle, name):
        return self.ok(needle in haystack, name, "missing: %r" % (needle,),
                       "in: %r" % (haystack,))

    def run(self, fn, *args):
        """Runs one test function; an exception counts as one failure."""
        try:
            fn(*args)
        except Exception:               # noqa: BLE001 - report and go on
            self.ok(False, "%s raised" % fn.__name__, traceback.format_exc())

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


class Resp:
    def __init__(self, r, body):
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.raw = body
        self.body = gzip.decompress(body) if self.headers.get("content-encoding") == "gzip" \
            else body
        self.text = self.body.decode("utf-8")

    def json(self):
        return json.loads(self.text)


class Client:
    """One keep-alive connection to the emulator, with a token fetched on demand."""

    def __init__(self, emu, client_id="billsync-demo", secret="demo-secret"):
        self.emu, self.port = emu, emu.port
        self.client_id, self.secret = client_id, secret
        self.conn = None
        self.tok = None

    def request(self, method, path, body=None, headers=None, auth=True):
        h = dict(headers or {})
        if auth and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token()
        if isinstance(body, str):
            body = body.encode("utf-8")
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                return Resp(r, r.read())
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def token(self):
        if self.tok is None:
            r = self.request("POST", "/services/oauth2/token", auth=False,
                             body="grant_type=client_credentials&client_id=%s&client_secret=%s"
                             % (self.client_id, self.secret),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.tok = r.json()["access_token"]
        return self.tok

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_json(self, path, value, method="POST", headers=None):
        h = {"Content-Type": "application/json; charset=UTF-8", "Accept": "application/json"}
        h.update(headers or {})
        return self.request(method, path, json.dumps(value), h)

    def create(self, obj, operation="upsert", ext="OrbId__c", **spec):
        s = {"object": obj, "operation": operation}
        if operation == "upsert" and ext:
            s["externalIdFieldName"] = ext
        s.update(spec)
        return self.post_json(INGEST, s)

    def upload(self, jid, data, headers=None):
        h = {"Content-Type": "text/csv"}
        h.update(headers or {})
        return self.request("PUT", "%s/%s/batches" % (INGEST, jid), data, h)

    def set_state(self, jid, state):
        return self.post_json("%s/%s" % (INGEST, jid), {"state": state}, method="PATCH")

    def info(self, jid):
        return self.get("%s/%s" % (INGEST, jid)).json()

    def wait(self, jid, timeout=10.0):
        """Polls until the job ends; returns (final info, list of states seen)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            info = self.info(jid)
            seen.append(info["state"])
            if info["state"] in TERMINAL or time.monotonic() > deadline:
                return info, seen
            time.sleep(0.01)

    def results(self, jid, kind, headers=None):
        return self.get("%s/%s/%s" % (INGEST, jid, kind), headers=headers)

    def run_job(self, obj, csv, operation="upsert", ext="OrbId__c", **spec):
        """create + upload + close + wait; returns (info, successful text, failed text)."""
        r = self.create(obj, operation, ext, **spec)
        if r.status != 200:
            raise AssertionError("create: %d %s" % (r.status, r.text))
        jid = r.json()["id"]
        r = self.upload(jid, csv)
        if r.status != 201:
            raise AssertionError("upload: %d %s" % (r.status, r.text))
        self.set_state(jid, "UploadComplete")
        info, _ = self.wait(jid)
        return (info, self.results(jid, "successfulResults").text,
                self.results(jid, "failedResults").text)


def csv_rows(text):
    """Result CSV text -> list of lists (simple parser; values may contain commas/quotes)."""
    import csv
    import io
    return list(csv.reader(io.StringIO(text)))
