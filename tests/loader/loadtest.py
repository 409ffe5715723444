"""Shared set-up for the loader tests: a Case that builds an
export directory from tests/cases/upload/NAME, starts the Salesforce emulator,
writes a billsync.conf pointing at it, and runs `billsync upload`.

Secrets reach billsync only through an owner-only file or an environment
variable, never the command line.  The tests run from the repository root
($BILLSYNC is the binary under test, the sanitizer build in `make check`)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "salesforce"))
sys.path.insert(0, HERE)

import emuctl          # noqa: E402
import mkcase          # noqa: E402
from emutest import Tap    # noqa: E402,F401  (the emulator tests' TAP printer)

BILLSYNC = os.environ.get("BILLSYNC", os.path.join(ROOT, "billsync"))
CASES = os.path.join(ROOT, "tests", "cases", "upload")
SECRET = "demo-secret"

# Timings scaled down so that the whole suite takes seconds.
FAST_LOAD = {"poll_min": "0.02", "poll_max": "0.2", "retry_wait": "0.02",
             "max_jobs": "3", "retries": "4", "lock_retries": "3"}


class Result:
    def __init__(self, proc, report):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.report = report

    def __repr__(self):
        return "exit %d\nstdout: %s\nstderr: %s" % (self.rc, self.stdout[-3000:],
                                                    self.stderr[-3000:])


class Case:
    """One test's world: export dir, emulator, configuration."""

    def __init__(self, name="basic", faults=None, limits=None, load=None, salesforce=None,
                 emu_args=(), auth="client_credentials"):
        self.tmp = tempfile.mkdtemp(prefix="billsync-load.")
        self.dir = os.path.join(self.tmp, "export")
        os.mkdir(self.dir)
        self.manifest = mkcase.build(os.path.join(CASES, name), self.dir)
        self.emu = emuctl.Emulator(faults=faults, limits=limits, args=emu_args)
        self.url = self.emu.base_url
        self.secret_file = os.path.join(self.tmp, "client-secret")
        with open(self.secret_file, "w", encoding="ascii") as f:
            f.write(SECRET + "\n")
        os.chmod(self.secret_file, 0o600)
        self.load = dict(FAST_LOAD, **(load or {}))
        sf = {"instance_url": self.url, "auth": auth, "client_id": "billsync-demo",
              "client_secret_file": self.secret_file}
        sf.update(salesforce or {})
        self.salesforce = {k: v for k, v in sf.items() if v is not None}
        self.conf = os.path.join(self.tmp, "billsync.conf")
        self.write_conf()

    def write_conf(self):
        work = os.path.join(self.tmp, "work")
        os.makedirs(work, exist_ok=True)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("[output]\ntemp_dir = %s\n" % work)
            f.write("[state]\ndir = %s\n" % os.path.join(self.tmp, "state"))
            f.write("[salesforce]\n")
            for k, v in self.salesforce.items():
                f.write("%s = %s\n" % (k, v))
            f.write("[load]\n")
            for k, v in self.load.items():
                f.write("%s = %s\n" % (k, v))

    def upload(self, *args, env=None, json_report=True, timeout=120):
        cmd = [BILLSYNC, "upload", self.dir, "-c", self.conf] + list(args)
        if json_report:
            cmd.append("--json")
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout,
                           check=False)
        report = None
        if json_report:
            try:
                report = json.loads(p.stdout)
            except ValueError:
                report = None
        return Result(p, report)

    def upload_via(self, inject, *args, **kw):
        """Runs upload through a Proxy answering as inject says (see Proxy);
        (the Result, the proxy's request log)."""
        proxy = Proxy(self.url, inject)
        saved = self.salesforce["instance_url"]
        try:
            self.salesforce["instance_url"] = proxy.url
            self.write_conf()
            r = self.upload(*args, **kw)
            return r, list(proxy.log)
        finally:
            proxy.close()
            self.salesforce["instance_url"] = saved
            self.write_conf()

    def records(self, obj):
        return self.emu.records(obj)

    def by_key(self, obj, key="OrbId__c"):
        return {r[key]: r for r in self.records(obj)}

    def failures(self):
        path = os.path.join(self.dir, "failures.csv")
        if not os.path.exists(path):
            return []
        import csv
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    def work_pending(self):
        """True when the sync state holds an upload with files still to load
        (what the next upload continues)."""
        import sqlite3
        db = os.path.join(self.tmp, "state", "billsync.db")
        if not os.path.exists(db):
            return False
        con = sqlite3.connect(db)
        try:
            row = con.execute(
                "SELECT count(*) FROM runs r JOIN files f ON f.run = r.id "
                "WHERE r.id = (SELECT max(id) FROM runs) AND r.phase <> 'done' "
                "AND f.status <> 'done'").fetchone()
            return row[0] > 0
        finally:
            con.close()

    def work_left(self):
        work = os.path.join(self.tmp, "work")
        return [n for n in os.listdir(work)] if os.path.isdir(work) else []

    def close(self):
        self.emu.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Proxy:
    """A loopback HTTP proxy in front of the emulator, for what the emulator
    cannot do: answers chosen by the test (say a 503 with Retry-After), and
    request bodies kept (the log only has their size).

    inject(method, path, n) -> None to forward the request, or (status,
    headers, body) to answer it instead, or (status, headers, body, k) to
    forward it k times first (answers dropped: Salesforce carried it out, the
    client never hears) and then answer so; n counts earlier requests with the
    same method and path.  log: (monotonic time, method, path, status, body)
    per request.  The token answer's instance_url is pointed at the proxy,
    so billsync sends everything through it."""

    def __init__(self, upstream, inject=None):
        import http.client
        import threading
        import time
        import urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        up = urllib.parse.urlparse(upstream)
        proxy = self
        self.log = []
        self.lock = threading.Lock()
        self.counts = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                key = (self.command, self.path)
                with proxy.lock:
                    seen = proxy.counts.get(key, 0)
                    proxy.counts[key] = seen + 1
                canned = inject(self.command, self.path, seen) if inject else None
                if canned:
                    status, headers, out = canned[:3]
                    for _ in range(canned[3] if len(canned) > 3 else 0):
                        self._forward(body)
                else:
                    status, headers, out = self._forward(body)
                    if self.path.startswith("/services/oauth2/token"):
                        out = out.replace(upstream.encode(), proxy.url.encode())
                with proxy.lock:
                    proxy.log.append((time.monotonic(), self.command, self.path, status,
                                      body))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def _forward(self, body):
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                fwd = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "accept-encoding",
                                            "content-length", "expect")}
                conn.request(self.command, self.path, body, fwd)
                resp = conn.getresponse()
                out = resp.read()
                headers = [(k, v) for k, v in resp.getheaders()
                           if k.lower() not in ("content-length", "connection",
                                                "transfer-encoding")]
                conn.close()
                return resp.status, headers, out

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def totals(report):
    """(created, updated, failed, unprocessed) over the report's objects."""
    t = [0, 0, 0, 0]
    for o in report["objects"]:
        for i, k in enumerate(("created", "updated", "failed", "unprocessed")):
            t[i] += o[k]
    return tuple(t)


def obj_report(report, name):
    for o in report["objects"]:
        if o["object"] == name:
            return o
    return None


# What the basic case must end with, whatever faults happen on the way.
BASIC_EXPECTED = {
    "OrbCustomer__c": {"cus_001", "cus_002", "cus_003", "cus_006"},
    "OrbPlan__c": {"plan_basic", "plan_pro"},
    "OrbSubscription__c": {"sub_001", "sub_002"},
    "OrbInvoice__c": {"inv_001", "inv_002", "inv_004"},
}
BASIC_FAILED = {("OrbCustomer__c", "cus_004"): "REQUIRED_FIELD_MISSING",
                ("OrbCustomer__c", "cus_005"): "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                ("Account", "001Hs00002zzzzzIAA"): "INVALID_CROSS_REFERENCE_KEY",
                ("OrbSubscription__c", "sub_003"): "INVALID_FIELD",
                ("OrbInvoice__c", "inv_003"): "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                ("OrbInvoice__c", "inv_005"): "STRING_TOO_LONG"}


def check_basic_landed(t, case, label):
    """Every expected record is there exactly once, and nothing else."""
    for obj, keys in sorted(BASIC_EXPECTED.items()):
        recs = case.records(obj)
        got = [r["OrbId__c"] for r in recs]
        t.ok(sorted(got) == sorted(keys), "%s: %s holds exactly the expected records, "
             "once each" % (label, obj), "got: %s" % sorted(got), "want: %s" % sorted(keys))
    acct = {r["Id"]: r for r in case.records("Account")}
    t.eq(acct["001Hs00002kLmNoIAK"]["Name"], "Initech Renamed",
         "%s: the Account update landed" % label)


def check_basic_failures(t, case, label):
    got = {(r["object"], r["key"]): r["error_code"] for r in case.failures()
           if r["status"] == "failed"}
    t.eq(got, BASIC_FAILED, "%s: the failures CSV lists each rejected record once with "
         "its error code" % label)
