#!/usr/bin/env python3
"""Authentication for billsync upload: the four flows against the emulator,
refused logins, configuration mistakes, and TLS verification with a CA bundle."""

import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadtest import BILLSYNC, Case, ROOT, SECRET, Tap   # noqa: E402
import emuctl                                 # noqa: E402


def secret_file(case, name, text, mode=0o600):
    path = os.path.join(case.tmp, name)
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def clean_output(t, r, label, *secrets):
    for s in (SECRET,) + secrets:
        t.ok(s not in r.stdout and s not in r.stderr, "%s: no secret in the output" % label)


def jwt_case(key, crt):
    """The protocol case with auth = jwt, the emulator trusting crt."""
    return Case("protocol", auth="jwt", emu_args=["--jwt-cert", crt],
                salesforce={"client_secret_file": None,
                            "username": "integration@billsync.example",
                            "private_key_file": key})


def jwt(t):
    keydir = tempfile.mkdtemp(prefix="billsync-jwt.")
    key, crt = emuctl.make_keypair(keydir)
    os.chmod(key, 0o600)
    with jwt_case(key, crt) as case:
        r = case.upload()
        t.eq(r.rc, 0, "jwt: RS256 assertion accepted, the load runs") or print("# %r" % r)
        t.eq(case.emu.stats()["token_grants"],
             {"urn:ietf:params:oauth:grant-type:jwt-bearer": 1}, "jwt: one JWT bearer grant")
        with open(key, encoding="ascii") as f:
            pem = f.read()
        clean_output(t, r, "jwt", pem.splitlines()[1])
    other = tempfile.mkdtemp(prefix="billsync-jwt.")
    key2, _ = emuctl.make_keypair(other)
    os.chmod(key2, 0o600)
    with jwt_case(key2, crt) as case:
        r = case.upload()
        t.eq(r.rc, 5, "jwt signed with the wrong key: exit 5")
        t.ok("invalid_grant" in r.stderr, "jwt wrong key: Salesforce's error is shown", r)
    subprocess.run(["rm", "-rf", keydir, other], check=False)


def refresh_token(t):
    with Case("protocol", auth="refresh_token",
              salesforce={"refresh_token_env": "BS_TEST_REFRESH"}) as case:
        r = case.upload(env={"BS_TEST_REFRESH": "demo-refresh-token"})
        t.eq(r.rc, 0, "refresh token from an environment variable: the load runs") or \
            print("# %r" % r)
        t.eq(case.emu.stats()["token_grants"], {"refresh_token": 1},
             "refresh token: one refresh grant")
        clean_output(t, r, "refresh token", "demo-refresh-token")
        r = case.upload()
        t.eq(r.rc, 3, "refresh token: an unset variable is a configuration error")
        t.ok("BS_TEST_REFRESH" in r.stderr and "not set" in r.stderr,
             "refresh token: the error names the variable", r)


def token_for(url):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                   "client_id": "billsync-demo", "client_secret": SECRET})
    conn.request("POST", "/services/oauth2/token", body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(conn.getresponse().read())["access_token"]
    conn.close()
    return token


def access_token(t):
    with Case("protocol", auth="access_token",
              salesforce={"access_token_env": "BS_TEST_TOKEN",
                          "client_secret_file": None, "client_id": None}) as case:
        token = token_for(case.url)
        r = case.upload(env={"BS_TEST_TOKEN": token})
        t.eq(r.rc, 0, "a ready access token: the load runs") or print("# %r" % r)
        clean_output(t, r, "access token", token)
        case.emu.inspect("POST", "revoke-tokens")
        r = case.upload("--restart", env={"BS_TEST_TOKEN": token})
        t.eq(r.rc, 5, "a revoked access token: exit 5")
        t.ok("cannot get a new one" in r.stderr, "a revoked access token: the error says "
             "it cannot be renewed", r)


def refused(t):
    with Case("protocol") as case:
        case.salesforce["client_secret_file"] = secret_file(case, "wrong", "not-the-secret")
        case.write_conf()
        r = case.upload()
        t.eq(r.rc, 5, "a wrong client secret: exit 5")
        t.ok("invalid_client" in r.stderr and "not-the-secret" not in r.stderr,
             "a wrong client secret: Salesforce's error, not the secret", r)


def config_mistakes(t):
    cases = [
        ("client credentials to login.salesforce.com",
         {"login_url": "https://login.salesforce.com"}, "My Domain"),
        ("plain http to a remote host", {"instance_url": "http://example.com"},
         "only https"),
        ("an unknown auth", {"auth": "password"}, "is not one of"),
    ]
    for label, sf, text in cases:
        with Case("protocol", salesforce=sf) as case:
            r = case.upload()
            t.eq(r.rc, 3, "%s: configuration error (exit 3)" % label)
            t.ok(text in r.stderr, "%s: the error explains" % label, r)
            t.eq(case.emu.stats()["requests"], {}, "%s: nothing was sent" % label)
    for version, text in (("20.0", "20.0 is too old: Bulk API 2.0 ingest needs 41.0 or "
                                   "later"),
                          ("40", "40 is too old"), ("v62", "is not a version")):
        with Case("protocol", salesforce={"api_version": version}) as case:
            r = case.upload()
            with open(case.conf, encoding="utf-8") as f:
                line = next(i for i, ln in enumerate(f, 1) if ln.startswith("api_version"))
            t.eq(r.rc, 3, "api_version %s: configuration error (exit 3)" % version)
            t.ok("%s:%d: [salesforce] api_version: " % (case.conf, line) in r.stderr and
                 text in r.stderr, "api_version %s: the error names the file and line, and "
                 "why" % version, r)
            t.eq(case.emu.stats()["requests"], {}, "api_version %s: nothing was sent" % version)
    with Case("protocol") as case:
        os.chmod(case.secret_file, 0o644)
        r = case.upload()
        t.eq(r.rc, 3, "a secret file others can read is refused")
        t.ok("chmod 600" in r.stderr, "the error says how to fix the file mode", r)
        t.ok(not os.path.exists(os.path.join(case.tmp, "state")),
             "a secret file others can read: no state, nothing recorded", r)
        p = subprocess.run([BILLSYNC, "run", "-c", case.conf,
                            "--source", os.path.join(ROOT, "samples"),
                            "--mappings", os.path.join(ROOT, "mappings")], capture_output=True, text=True,
                           check=False)
        t.eq(p.returncode, 3, "run with that secret file: configuration error (exit 3)")
        t.ok(not os.path.exists(os.path.join(case.tmp, "state")) and not case.work_left(),
             "run with that secret file: stops before exporting anything", p.stderr)
        t.eq(case.emu.stats()["requests"], {}, "run with that secret file: nothing sent")


def other_401(t):
    """Only 401 INVALID_SESSION_ID means a new token may help; any other 401
    is reported with Salesforce's message, without logging in again."""
    def inject(method, path, n):
        if method == "POST" and path.endswith("/jobs/ingest"):
            return 401, [("Content-Type", "application/json")], \
                b'[{"errorCode":"INVALID_AUTH_HEADER","message":"INVALID_HEADER_TYPE"}]'
        return None

    with Case("protocol") as case:
        r, _ = case.upload_via(inject)
        t.eq(r.rc, 5, "401 INVALID_AUTH_HEADER: the run stops with exit 5") or \
            print("# %r" % r)
        t.ok("HTTP 401 INVALID_AUTH_HEADER: INVALID_HEADER_TYPE" in r.stderr,
             "401 INVALID_AUTH_HEADER: the error has Salesforce's code and message", r)
        t.eq(case.emu.stats()["token_grants"], {"client_credentials": 1},
             "401 INVALID_AUTH_HEADER: no new token was asked for")
        t.ok("session expired" not in r.stderr, "401 INVALID_AUTH_HEADER: not taken for an "
             "expired session", r)


class _TokenHandler(BaseHTTPRequestHandler):
    def do_POST(self):   # noqa: N802 - the base class's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"error":"invalid_client","error_description":"tls test server"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def tls(t):
    d = tempfile.mkdtemp(prefix="billsync-tls.")
    key, crt = os.path.join(d, "tls.key"), os.path.join(d, "tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = HTTPServer(("127.0.0.1", 0), _TokenHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "https://127.0.0.1:%d" % server.server_address[1]
    with Case("protocol", salesforce={"instance_url": url}) as case:
        r = case.upload()
        t.ok(r.rc != 0 and "cannot verify the TLS certificate" in r.stderr,
             "https with an unknown CA is refused", r)
        case.salesforce["ca_bundle"] = crt
        case.write_conf()
        r = case.upload()
        t.ok(r.rc == 5 and "tls test server" in r.stderr,
             "with ca_bundle the certificate is trusted and the server answers", r)
    server.shutdown()
    subprocess.run(["rm", "-rf", d], check=False)


def main():
    t = Tap()
    for fn in (jwt, refresh_token, access_token, refused, config_mistakes, other_401, tls):
        t.run(fn, t)
    t.done()


if __name__ == "__main__":
    main()
