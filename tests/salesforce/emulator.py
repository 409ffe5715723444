#!/usr/bin/env python3
"""A local emulator of the Salesforce org billsync talks to: OAuth, REST basics, Bulk API 2.0.

    python3 tests/salesforce/emulator.py --port 0 --schema tests/salesforce/schema.json \\
        [--port-file FILE] [--rate N] [--rate-total N] [--fault NAME=VALUE ...] \\
        [--limit NAME=N ...] [--schema-sfdx DIR] [--multi-currency USD,EUR,...] ...

Prints "listening on http://127.0.0.1:PORT" when ready; SIGTERM or SIGINT stop it
(exit 0).  docs/emulator.md describes the flags, faults and inspection API."""

import argparse
import gzip
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sfapi                                    # noqa: E402
import sfschema                                 # noqa: E402
import sfsfdx                                   # noqa: E402
from sfauth import RsaKey                       # noqa: E402
from sforg import FAULTS, LIMITS, Org, parse_assignments    # noqa: E402

DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json")
MAX_BODY = 1 << 31      # refuse bodies larger than this outright


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SalesforceEmulator"
    sys_version = ""

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):    # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def _serve(self):
        org = self.server.org
        path = self.path.split("?", 1)[0]
        drop = ""
        if self.command == "PUT" and org.faults["drop_upload_once"] \
                and sfapi.drop_target(org, path, self.headers):
            # only an upload that would be served (token live, job known) takes the
            # drop; the check reads headers only, so "before" still cuts mid-body
            drop = org.take_drop()
        body, wire = self._read_body(partial=drop == "before")
        if body is None:
            return
        req = sfapi.Request(self.command, self.path, self.headers, body, wire)
        if drop == "before":
            req.kind = "job_upload"
            sfapi.log(org, req, 0, dropped=True)
            self._drop()
            return
        try:
            resp = sfapi.handle(org, req, dropped=drop == "after")
        except Exception:           # noqa: BLE001 - an emulator bug: say so, keep serving
            traceback.print_exc()
            resp = sfapi.Response(500, sfapi.rest_error("UNKNOWN_EXCEPTION", "emulator bug: %s"
                                                        % sys.exc_info()[1]), sfapi.JSON_CT)
        slow = org.faults["slow_ms"]
        if slow and not path.startswith(sfapi.INSPECT_PATH):
            time.sleep(slow / 1000.0)
        if drop == "after" or resp.drop:
            self._drop()                # carried out (upload stored, job created); the
            return                      # answer is lost
        self._send(resp)

    def _read_body(self, partial=False):
        """(body bytes, bytes on the wire); reads Content-Length or chunked bodies.
        partial reads only part of the body (to drop the connection mid-upload)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, wire = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    self._bad_request()
                    return None, 0
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
                wire += size
                if partial:
                    break
            return b"".join(chunks), wire
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            self._bad_request()
            return None, 0
        if partial:
            n //= 2
        return self.rfile.read(n) if n else b"", n

    def _bad_request(self):
        self.close_connection = True
        self.send_error(400, "bad request body framing")

    def _drop(self):
        """Closes the connection with a reset, without an answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _send(self, resp):
        body = resp.body
        if resp.compressible and body and _accepts_gzip(self.headers.get("Accept-Encoding")):
            body = gzip.compress(body, 6, mtime=0)
            resp.headers.append(("Content-Encoding", "gzip"))
            resp.headers.append(("Vary", "Accept-Encoding"))
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        if body and resp.ctype:
            self.send_header("Content-Type", resp.ctype)
        if resp.status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        else:
            body = b""
        self._headers_buffer.append(b"\r\n" + body)    # head and body in one write
        self.flush_headers()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass


def _accepts_gzip(header):
    for item in (header or "").lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = free)")
    p.add_argument("--schema", default=DEFAULT_SCHEMA, help="object schema JSON file")
    p.add_argument("--schema-sfdx", metavar="DIR",
                   help="take the custom objects from a Salesforce DX source folder "
                   "(standard objects and seed records stay those of --schema)")
    p.add_argument("--multi-currency", metavar="CODES",
                   help="a multi-currency org with these active currencies, corporate "
                   "currency first (USD,EUR,GBP)")
    p.add_argument("--port-file", help="write the port number here when ready")
    p.add_argument("--rate", type=float, help="records processed per second per job")
    p.add_argument("--rate-total", type=float,
                   help="records processed per second by the whole org, shared equally by "
                   "the jobs in progress (0 = no org-wide cap, the default)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME=VALUE",
                   help="fault switch: " + ", ".join(FAULTS))
    p.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                   help="allocation: " + ", ".join(LIMITS))
    p.add_argument("--client-id", default="billsync-demo")
    p.add_argument("--client-secret", default="demo-secret")
    p.add_argument("--username", default="integration@billsync.example")
    p.add_argument("--refresh-token", default="demo-refresh-token")
    p.add_argument("--jwt-cert", help="PEM certificate or public key that signs JWT assertions")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p.parse_args(argv)


def load_schema(args):
    with open(args.schema, encoding="utf-8") as f:
        doc = json.load(f)
    if args.schema_sfdx:
        doc = sfsfdx.merge(doc, args.schema_sfdx)
    codes = sfschema.parse_currencies(args.multi_currency) if args.multi_currency else ()
    return sfschema.Schema(doc, codes)


def _write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    args = parse_args(argv)
    try:
        schema = load_schema(args)
        faults = parse_assignments(args.fault, FAULTS, "fault")
        if args.rate is not None:
            faults["rate"] = args.rate
        if args.rate_total is not None:
            faults["rate_total"] = args.rate_total
        limits = parse_assignments(args.limit, LIMITS, "limit")
        key = RsaKey.load(args.jwt_cert) if args.jwt_cert else None
    except (OSError, ValueError, KeyError) as e:
        print("emulator: %s" % e, file=sys.stderr)
        return 2
    org = Org(schema, args.client_id, args.client_secret, args.username, args.refresh_token,
              key, faults, limits)
    server = Server(("127.0.0.1", args.port), Handler)
    server.org, server.verbose = org, args.verbose
    port = server.server_address[1]
    org.start("http://127.0.0.1:%d" % port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    if args.port_file:
        _write_port_file(args.port_file, port)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    org.stop()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
