#!/usr/bin/env python3
"""--trace FILE: every HTTP exchange with Salesforce written to FILE, with no
secret in it.  Each authentication flow the tests use (client credentials,
JWT bearer, refresh token, ready access token) runs an upload with a trace;
run, plan, retry, resync and check --org write one too.  The trace is then
searched for every secret: the client secret, the refresh token, the
private key, the JWT assertion, the access tokens the emulator issued and
their signatures.  The --help of every command offers --trace exactly when
the command talks to Salesforce."""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sync"))

from loadtest import BILLSYNC, Case, ROOT, SECRET, Tap   # noqa: E402
import emuctl                                           # noqa: E402
from test_auth import jwt_case, token_for              # noqa: E402
from synctest import World                             # noqa: E402

# What an access token the emulator issues looks like (sfauth.py _issue):
# the org id's first 15 characters, "!AQ", then 96 base64url characters.
TOKEN = re.compile(r"!AQ[A-Za-z0-9_-]{8}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
SIGNATURE = re.compile(r'"signature"\s*:\s*"(?!\[redacted\])')


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def no_secrets(t, label, trace, *secrets):
    """Checks the trace has none of secrets, no access token, no JWT and no
    token signature."""
    for s in (SECRET,) + secrets:
        t.ok(s not in trace, "%s: %r is not in the trace" % (label, s[:12]))
    t.ok(not TOKEN.search(trace), "%s: no access token in the trace" % label,
         TOKEN.search(trace) and trace[TOKEN.search(trace).start() - 200:][:400])
    t.ok(not JWT.search(trace), "%s: no JWT in the trace" % label)
    t.ok(not SIGNATURE.search(trace), "%s: no token signature in the trace" % label)


def client_credentials(t):
    with Case("protocol") as case:
        path = os.path.join(case.tmp, "trace.log")
        r = case.upload("--trace", path)
        t.eq(r.rc, 0, "client credentials with --trace: the load runs") or print("# %r" % r)
        trace = read(path)
        t.ok(os.stat(path).st_mode & 0o077 == 0, "the trace file is owner-only")
        t.ok("> POST %s/services/oauth2/token" % case.url in trace,
             "the token request is traced, method and URL", trace[:2000])
        t.ok("client_secret=[redacted]" in trace, "the client secret is redacted",
             trace[:2000])
        t.ok('"access_token":"[redacted]"' in trace, "the issued token is redacted")
        t.ok("> Authorization: Bearer [redacted]" in trace,
             "the Authorization header is redacted", trace[:3000])
        t.ok(re.search(r"#\d+ < 200 \(\d+\.\d{3} s\)", trace) is not None,
             "a response has its status and time", trace[:3000])
        t.ok(re.search(r"#\d+ < Content-Type: application/json", trace) is not None,
             "chosen response headers are shown")
        t.ok(re.search(r"> PUT \S+/jobs/ingest/\w+/batches\n", trace) is not None and
             re.search(r"body: \d+ bytes, streamed \(not shown\)", trace) is not None,
             "the upload is traced, its body summarized", trace[-3000:])
        t.ok(re.search(r"> GET \S+/successfulResults/", trace) is not None and
             re.search(r'#\d+ \| "sf__Id","sf__Created"', trace) is not None,
             "the results request is traced with the start of its body")
        no_secrets(t, "client credentials", trace)
        n = len(re.findall(r"^\S+ #\d+ > ", trace, re.M))
        r = case.upload("--trace", path, "--restart")
        t.ok(len(re.findall(r"^\S+ #\d+ > ", read(path), re.M)) > n,
             "a second command appends to the trace")
        r = case.upload("--trace", os.path.join(case.tmp, "no", "such", "dir", "t"))
        t.eq(r.rc, 4, "a trace file that cannot be created: exit 4")
        t.ok("trace file" in r.stderr, "the error names the trace file", r)


def jwt(t):
    keydir = tempfile.mkdtemp(prefix="billsync-jwt.")
    key, crt = emuctl.make_keypair(keydir)
    os.chmod(key, 0o600)
    with jwt_case(key, crt) as case:
        path = os.path.join(case.tmp, "trace.log")
        r = case.upload("--trace", path)
        t.eq(r.rc, 0, "jwt with --trace: the load runs") or print("# %r" % r)
        trace = read(path)
        t.ok("assertion=[redacted]" in trace, "jwt: the assertion is redacted", trace[:2000])
        pem = read(key).splitlines()
        no_secrets(t, "jwt", trace, *[ln for ln in pem[1:-1] if len(ln) > 20][:5])
    subprocess.run(["rm", "-rf", keydir], check=False)


def refresh_token(t):
    with Case("protocol", auth="refresh_token",
              salesforce={"refresh_token_env": "BS_TEST_REFRESH"}) as case:
        path = os.path.join(case.tmp, "trace.log")
        r = case.upload("--trace", path, env={"BS_TEST_REFRESH": "demo-refresh-token"})
        t.eq(r.rc, 0, "refresh token with --trace: the load runs") or print("# %r" % r)
        trace = read(path)
        t.ok("refresh_token=[redacted]" in trace, "the refresh token is redacted")
        no_secrets(t, "refresh token", trace, "demo-refresh-token")


def access_token(t):
    with Case("protocol", auth="access_token",
              salesforce={"access_token_env": "BS_TEST_TOKEN",
                          "client_secret_file": None, "client_id": None}) as case:
        token = token_for(case.url)
        path = os.path.join(case.tmp, "trace.log")
        r = case.upload("--trace", path, env={"BS_TEST_TOKEN": token})
        t.eq(r.rc, 0, "a ready access token with --trace: the load runs") or print("# %r" % r)
        no_secrets(t, "access token", read(path), token)


def run_retry_check(t):
    w = World()
    try:
        path = os.path.join(w.tmp, "trace.log")
        r = w.run("--trace", path, "--mappings", os.path.join(ROOT, "mappings"))
        t.eq(r.rc, 1, "run --trace: the samples load (two records fail)") or print("# %r" % r)
        trace = read(path)
        t.ok("/jobs/ingest" in trace, "run --trace: the jobs are traced")
        no_secrets(t, "run", trace)
        os.unlink(path)
        r = w.run("--trace", path, "--mappings", os.path.join(ROOT, "mappings"),
                  cmd="retry")
        t.ok(r.rc in (0, 1) and "/jobs/ingest" in read(path),
             "retry --trace: its jobs are traced", r)
        no_secrets(t, "retry", read(path))
        os.unlink(path)
        r = w.run("--org", "--no-data", "--trace", path, "--mappings",
                  os.path.join(ROOT, "mappings"), cmd="check")
        t.ok("/describe" in read(path), "check --org --trace: the describe calls are traced", r)
        no_secrets(t, "check --org", read(path))
        os.unlink(path)
        r = w.run("--trace", path, "--mappings", os.path.join(ROOT, "mappings"), cmd="plan")
        t.ok(r.rc == 0 and "/limits" in read(path),
             "plan --trace: the org's allocations (/limits) are traced", r)
        no_secrets(t, "plan", read(path))
        os.unlink(path)
        r = w.run("--trace", path, "--mappings", os.path.join(ROOT, "mappings"),
                  cmd="resync")
        t.ok(r.rc in (0, 1) and "/jobs/ingest" in read(path),
             "resync --trace: its jobs are traced", r)
        no_secrets(t, "resync", read(path))
        r = w.run("--trace", path, "--mappings", os.path.join(ROOT, "mappings"),
                  cmd="preview")
        t.eq(r.rc, 2, "preview, which sends nothing, has no --trace")
    finally:
        w.emu.stop()
        subprocess.run(["rm", "-rf", w.tmp], check=False)


def every_command(t):
    """--trace is offered (in the command's --help) by exactly the commands
    that talk to Salesforce; the others refuse it as a usage error."""
    talks = {"run", "plan", "upload", "check", "retry", "resync"}
    out = subprocess.run([BILLSYNC, "--help"], capture_output=True, text=True,
                         check=False).stdout
    listed = re.findall(r"^  (\w+)  ", out.split("Commands:")[1], re.M)
    t.ok(talks <= set(listed), "every command that talks to Salesforce is a command", listed)
    for cmd in listed:
        helptext = subprocess.run([BILLSYNC, cmd, "--help"], capture_output=True, text=True,
                                  check=False).stdout
        t.eq("--trace FILE" in helptext, cmd in talks,
             "%s --help %s --trace" % (cmd, "offers" if cmd in talks else "does not offer"))
        if cmd not in talks:
            r = subprocess.run([BILLSYNC, cmd, "--trace", "/dev/null"], capture_output=True,
                               text=True, check=False)
            t.eq(r.returncode, 2, "%s --trace is a usage error" % cmd)


def main():
    t = Tap()
    for fn in (every_command, client_credentials, jwt, refresh_token, access_token,
               run_retry_check):
        t.run(fn, t)
    t.done()


if __name__ == "__main__":
    main()
