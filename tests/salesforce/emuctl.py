#!/usr/bin/env python3
"""Start, inspect and stop the Salesforce emulator from tests: a Python API and a shell CLI.

Python:
    from emuctl import Emulator
    with Emulator(faults={"lock_rows_every": 5}, limits={"DailyApiRequests": 50}) as emu:
        emu.base_url, emu.records("OrbInvoice__c"), emu.stats(), emu.set_faults(...)

Shell:
    python3 tests/salesforce/emuctl.py start --dir "$T" [-- EMULATOR ARGS...]   # prints the URL
    python3 tests/salesforce/emuctl.py records OrbInvoice__c --dir "$T"
    python3 tests/salesforce/emuctl.py stats|requests|jobs|reset --dir "$T"
    python3 tests/salesforce/emuctl.py faults NAME=VALUE... --dir "$T"
    python3 tests/salesforce/emuctl.py limits NAME=N... --dir "$T"
    python3 tests/salesforce/emuctl.py stop --dir "$T"
    python3 tests/salesforce/emuctl.py keypair DIR     # DIR/jwt.key + DIR/jwt.crt for --jwt-cert
The --dir holds emulator.port, emulator.pid and emulator.log.  For an emulator started
directly with --port-file F: `emuctl.py wait --port-file F` (prints the URL once it is up)
and `emuctl.py records OBJ --port-file F` (and stats, faults, ...)."""

import argparse
import http.client
import json
from decimal import Decimal
import os
import selectors
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")
SCHEMA = os.path.join(HERE, "schema.json")


class Emulator:
    """A running emulator process on a free port.  Stop it with stop() or a with-block."""

    def __init__(self, faults=None, limits=None, args=(), schema=SCHEMA, timeout=10.0,
                 stderr=None, python=None):
        cmd = [python or sys.executable, EMULATOR, "--port", "0", "--schema", schema]
        for name, value in (faults or {}).items():
            cmd += ["--fault", "%s=%s" % (name, value)]
        for name, value in (limits or {}).items():
            cmd += ["--limit", "%s=%s" % (name, value)]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr,
                                     stdin=subprocess.DEVNULL, text=True)
        line = _read_line(self.proc.stdout, timeout)
        if not line.startswith("listening on http://127.0.0.1:"):
            self.stop()
            raise RuntimeError("emulator did not start: %r" % line)
        self.base_url = line.split()[-1]
        self.port = int(self.base_url.rsplit(":", 1)[1])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout=5.0):
        """SIGTERM, then wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode

    def inspect(self, method, path, body=None, exact=False):
        return inspect(self.port, method, path, body, exact)

    def records(self, obj, exact=False):
        """Stored records; numbers as float, or as Decimal (exact) with exact=True."""
        return self.inspect("GET", "records/" + obj, exact=exact)

    def deleted(self, obj):
        """Ids in the recycle bin of obj (deleted, not hard-deleted), sorted."""
        return self.inspect("GET", "deleted/" + obj)

    def add_records(self, obj, rows):
        return self.inspect("POST", "records/" + obj, rows)

    def stats(self):
        return self.inspect("GET", "stats")

    def requests(self):
        return self.inspect("GET", "requests")

    def jobs(self):
        return self.inspect("GET", "jobs")

    def set_faults(self, **faults):
        return self.inspect("POST", "faults", faults)

    def set_limits(self, **limits):
        return self.inspect("POST", "limits", limits)

    def reset(self):
        return self.inspect("POST", "reset")


def _read_line(stream, timeout):
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    ready = sel.select(timeout)
    sel.close()
    return stream.readline().strip() if ready else ""


def inspect(port, method, path, body=None, exact=False):
    """Calls /__emulator__/<path>; returns the decoded JSON answer.  The answer's
    numbers are exact (records: the stored Decimal's digits); they are read as float
    unless exact is set (then as Decimal)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, "/__emulator__/" + path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        out = json.loads(resp.read() or b"null", parse_float=Decimal if exact else None)
        if resp.status != 200:
            raise RuntimeError("%s %s: %s %s" % (method, path, resp.status, out))
        return out
    finally:
        conn.close()


def make_keypair(directory):
    """Writes jwt.key (RSA private key) and jwt.crt (self-signed certificate)."""
    key, crt = os.path.join(directory, "jwt.key"), os.path.join(directory, "jwt.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "2", "-subj", "/CN=billsync-emulator"],
                   check=True, capture_output=True)
    return key, crt


def _cli_start(d, extra):
    port_file = os.path.join(d, "emulator.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    with open(os.path.join(d, "emulator.log"), "ab") as log:
        proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", "--port-file",
                                 port_file] + extra, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    with open(os.path.join(d, "emulator.pid"), "w", encoding="ascii") as f:
        f.write("%d\n" % proc.pid)
    deadline = time.monotonic() + 10
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            print("emuctl: emulator did not start (see %s/emulator.log)" % d, file=sys.stderr)
            return 1
        time.sleep(0.01)
    print("http://127.0.0.1:%d" % _port(port_file))
    return 0


def _cli_stop(d):
    pid_file = os.path.join(d, "emulator.pid")
    with open(pid_file, encoding="ascii") as f:
        pid = int(f.read())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    os.remove(pid_file)
    return 0


def _port(port_file):
    with open(port_file, encoding="ascii") as f:
        return int(f.read())


def main(argv=None):
    p = argparse.ArgumentParser(description="control the Salesforce emulator")
    p.add_argument("command", choices=["start", "stop", "wait", "records", "stats", "requests",
                                       "jobs", "faults", "limits", "reset", "keypair"])
    p.add_argument("args", nargs="*")
    p.add_argument("--dir", default=".", help="where emulator.port/.pid/.log live")
    p.add_argument("--port-file", help="the emulator's --port-file (default DIR/emulator.port)")
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    a = p.parse_args(argv)
    if a.command == "start":
        return _cli_start(a.dir, extra)
    if a.command == "stop":
        return _cli_stop(a.dir)
    if a.command == "keypair":
        for path in make_keypair(a.args[0] if a.args else a.dir):
            print(path)
        return 0
    port_file = a.port_file or os.path.join(a.dir, "emulator.port")
    if a.command == "wait":
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline:
                print("emuctl: no %s after 10 s" % port_file, file=sys.stderr)
                return 1
            time.sleep(0.01)
        print("http://127.0.0.1:%d" % _port(port_file))
        return 0
    port = _port(port_file)
    if a.command == "records":
        # printed with the exact numbers the emulator gives
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        from sfwire import exact_json
        print(exact_json(inspect(port, "GET", "records/" + a.args[0], exact=True), indent=1))
        return 0
    elif a.command in ("faults", "limits"):
        values = dict(x.split("=", 1) for x in a.args)
        out = inspect(port, "POST" if values else "GET", a.command, values or None)
    elif a.command == "reset":
        out = inspect(port, "POST", "reset")
    else:
        out = inspect(port, "GET", a.command)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
