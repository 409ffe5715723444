"""OAuth token endpoint (client credentials, JWT, refresh token) and the Bearer check (ref. 1)."""

import base64
import hashlib
import hmac
import json
import subprocess
import tempfile
import time

from emutest import BASE, Client, Emulator, Tap
import emuctl

t = Tap()
TOKEN = "/services/oauth2/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
INVALID_SESSION = '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'


def post_form(c, body, headers=None, path=TOKEN):
    h = dict(FORM)
    h.update(headers or {})
    return c.request("POST", path, body, h, auth=False)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(key, claims, header=None, sign=True):
    head = b64url(json.dumps(header or {"alg": "RS256"}).encode())
    body = b64url(json.dumps(claims).encode())
    data = (head + "." + body).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=data,
                         capture_output=True, check=True).stdout if sign else b"x" * 256
    return head + "." + body + "." + b64url(sig)


def client_credentials(emu):
    c = Client(emu)
    r = post_form(c, "grant_type=client_credentials&client_id=billsync-demo"
                     "&client_secret=demo-secret")
    t.eq(r.status, 200, "client credentials (form) -> 200")
    body = r.json()
    t.eq(list(body), ["access_token", "signature", "scope", "instance_url", "id", "token_type",
                      "issued_at"], "token response has the documented fields in order")
    t.eq(body["instance_url"], emu.base_url, "instance_url is the emulator itself")
    t.eq(body["token_type"], "Bearer", "token_type Bearer")
    t.ok(body["access_token"].startswith("00DHs0000000Emu!"), "token starts with org id + '!'",
         body["access_token"])
    t.ok(isinstance(body["issued_at"], str) and abs(int(body["issued_at"]) / 1000 - time.time())
         < 60, "issued_at is a string of epoch milliseconds", body["issued_at"])
    want = base64.b64encode(hmac.new(b"demo-secret", (body["id"] + body["issued_at"]).encode(),
                                     hashlib.sha256).digest()).decode()
    t.eq(body["signature"], want, "signature is HMAC-SHA256(id + issued_at) with the secret")
    t.ok("expires_in" not in body and "refresh_token" not in body, "no expires_in, no refresh")
    t.ok(body["id"].startswith("https://login.salesforce.com/id/00D") and
         len(body["id"].split("/")[-1]) == 18, "identity URL /id/<org18>/<user18>", body["id"])
    r = c.get(BASE + "/limits", headers={"Authorization": "Bearer " + body["access_token"]})
    t.eq(r.status, 200, "the token opens the data API")

    basic = base64.b64encode(b"billsync-demo:demo-secret").decode()
    r = post_form(c, "grant_type=client_credentials", {"Authorization": "Basic " + basic})
    t.eq(r.status, 200, "client credentials with HTTP Basic -> 200")
    bad_basic = base64.b64encode(b"billsync-demo:nope").decode()
    r = post_form(c, "grant_type=client_credentials", {"Authorization": "Basic " + bad_basic})
    t.eq((r.status, r.text), (400, '{"error":"invalid_client","error_description":'
                              '"invalid client credentials"}'), "wrong secret (Basic) -> 400")
    r = post_form(c, "grant_type=client_credentials&client_id=someone&client_secret=demo-secret")
    t.eq((r.status, r.json()), (400, {"error": "invalid_client_id",
                                      "error_description": "client identifier invalid"}),
         "unknown client id -> invalid_client_id")
    r = post_form(c, "grant_type=client_credentials&client_id=billsync-demo&client_secret=x")
    t.eq(r.json()["error"], "invalid_client", "wrong secret (form) -> invalid_client")
    r = post_form(c, "grant_type=client_credentials&client_id=billsync-demo"
                     "&client_secret=demo-secret", {"Host": "login.salesforce.com"})
    t.eq((r.status, r.json()), (400, {"error": "invalid_grant", "error_description":
                                      "request not supported on this domain"}),
         "client credentials on login.salesforce.com refused")
    r = post_form(c, "grant_type=password&username=u&password=p")
    t.eq((r.status, r.json()), (400, {"error": "unsupported_grant_type",
                                      "error_description": "grant type not supported"}),
         "unknown grant type")
    r = c.request("POST", TOKEN, '{"grant_type":"client_credentials"}',
                  {"Content-Type": "application/json"}, auth=False)
    t.eq(r.json().get("error"), "unsupported_grant_type", "a JSON body is not read")
    r = c.get(TOKEN, auth=False)
    t.eq((r.status, r.json()["error_description"]), (400, "must use HTTP POST"),
         "GET on the token endpoint")
    r = c.request("POST", TOKEN + "?grant_type=client_credentials&client_id=billsync-demo"
                  "&client_secret=demo-secret", b"", auth=False)
    t.eq(r.status, 200, "parameters in the query string are accepted")


def refresh_token(emu):
    c = Client(emu)
    r = post_form(c, "grant_type=refresh_token&refresh_token=demo-refresh-token"
                     "&client_id=billsync-demo&client_secret=demo-secret")
    t.eq(r.status, 200, "refresh token grant -> 200")
    t.ok("access_token" in r.json() and "refresh_token" not in r.json(),
         "refresh answer has an access token and no new refresh token")
    r = post_form(c, "grant_type=refresh_token&refresh_token=stale"
                     "&client_id=billsync-demo&client_secret=demo-secret")
    t.eq((r.status, r.json()), (400, {"error": "invalid_grant", "error_description":
                                      "expired access/refresh token"}), "bad refresh token")
    r = post_form(c, "grant_type=refresh_token&refresh_token=demo-refresh-token"
                     "&client_id=billsync-demo")
    t.eq(r.json().get("error"), "invalid_client", "refresh without the secret refused")


def jwt_bearer(emu, key):
    c = Client(emu)
    now = int(time.time())
    good = {"iss": "billsync-demo", "sub": "integration@billsync.example",
            "aud": "https://login.salesforce.com", "exp": now + 170}

    def grant(assertion):
        return post_form(c, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                            "&assertion=" + assertion)
    r = grant(make_jwt(key, good))
    t.eq(r.status, 200, "JWT bearer with a good assertion -> 200", r.text)
    tok = r.json().get("access_token", "")
    t.eq(c.get(BASE + "/limits", headers={"Authorization": "Bearer " + tok}).status, 200,
         "JWT token opens the data API")
    for aud in ("https://test.salesforce.com", emu.base_url):
        t.eq(grant(make_jwt(key, dict(good, aud=aud))).status, 200, "aud %s accepted" % aud)
    cases = [
        (dict(good, aud="https://example.com"), "invalid_grant", "audience is invalid",
         "wrong aud"),
        (dict(good, exp=now + 400), "invalid_grant", "expired authorization code",
         "exp more than 3 minutes ahead"),
        (dict(good, exp=now - 5), "invalid_grant", "expired authorization code", "exp passed"),
        (dict(good, exp="soon"), "invalid_grant", "expired authorization code", "exp not a number"),
        (dict(good, iss="other-app"), "invalid_client_id", "client identifier invalid",
         "wrong iss"),
        (dict(good, sub="someone@else.example"), "invalid_grant",
         "user hasn't approved this consumer", "wrong sub"),
    ]
    for claims, err, desc, name in cases:
        r = grant(make_jwt(key, claims))
        t.eq((r.status, r.json()), (400, {"error": err, "error_description": desc}), name)
    bad = {"error": "invalid_grant", "error_description": "invalid assertion"}
    t.eq(grant(make_jwt(key, good, sign=False)).json(), bad, "bad signature")
    t.eq(grant(make_jwt(key, good, header={"alg": "HS256"})).json(), bad, "alg other than RS256")
    t.eq(grant("not.a-jwt").json(), bad, "malformed assertion")
    t.eq(grant("").json(), bad, "empty assertion")
    head, body, sig = make_jwt(key, good).split(".")
    tampered = b64url(json.dumps(dict(good, sub="integration@billsync.example ")).encode())
    t.eq(grant(head + "." + tampered + "." + sig).json(), bad, "changed claims break the signature")


def jwt_without_cert(emu, key):
    c = Client(emu)
    claims = {"iss": "billsync-demo", "sub": "integration@billsync.example",
              "aud": "https://login.salesforce.com", "exp": int(time.time()) + 60}
    r = post_form(c, "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion="
                  + make_jwt(key, claims))
    t.eq(r.json().get("error_description"), "invalid assertion",
         "without --jwt-cert no assertion verifies")


def bearer_check(emu):
    c = Client(emu)
    paths = [BASE + "/limits", BASE + "/sobjects/Account/describe", BASE + "/jobs/ingest",
             BASE + "/jobs/ingest/750Hs00002FIn0AIAT", BASE + "/nosuch", "/services/data/v20.0"]
    for hdr, name in (({}, "no Authorization"), ({"Authorization": "Bearer wrong"}, "bad token"),
                      ({"Authorization": "Basic Zm9vOmJhcg=="}, "Basic instead of Bearer")):
        for p in paths:
            r = c.get(p, headers=hdr, auth=False)
            t.eq((r.status, r.text), (401, INVALID_SESSION), "%s on %s -> 401" % (name, p))
            t.ok("sforce-limit-info" not in r.headers, "no Sforce-Limit-Info on a 401")
    r = c.get("/services/data/", auth=False)
    t.eq(r.status, 200, "versions list needs no token")
    before = emu.stats()["api_requests"]["total"]
    c.get(BASE + "/limits", headers={"Authorization": "Bearer wrong"}, auth=False)
    t.eq(emu.stats()["api_requests"]["total"], before, "a 401 is not counted as an API request")


def token_expiry(emu):
    emu.set_faults(token_expire_calls=3)
    c = Client(emu)
    codes = [c.get(BASE + "/limits").status for _ in range(4)]
    t.eq(codes, [200, 200, 200, 401], "token_expire_calls=3: fourth call -> 401")
    r = c.get(BASE + "/limits")
    t.eq(r.text, INVALID_SESSION, "expired token stays dead with the exact body")
    c.tok = None
    t.eq(c.get(BASE + "/limits").status, 200, "a new token works again")
    emu.set_faults(token_expire_calls=None, token_expire_seconds=0.2)
    c.tok = None
    t.eq(c.get(BASE + "/limits").status, 200, "token_expire_seconds: fresh token works")
    time.sleep(0.3)
    t.eq(c.get(BASE + "/limits").status, 401, "token_expire_seconds: old token -> 401")
    emu.set_faults(token_expire_seconds=None)
    c.tok = None
    t.eq(c.get(BASE + "/limits").status, 200, "cleared expiry: tokens live again")
    emu.inspect("POST", "revoke-tokens")
    t.eq(c.get(BASE + "/limits").status, 401, "revoke-tokens kills issued tokens")
    stats = emu.stats()
    t.ok(stats["token_grants"].get("client_credentials", 0) >= 3 and stats["unauthorized"] >= 3,
         "stats count token grants and 401s", stats)


def token_expiry_at_start():
    with Emulator(faults={"token_expire_calls": 1}) as emu:
        c = Client(emu)
        t.eq([c.get(BASE + "/limits").status for _ in range(2)], [200, 401],
             "--fault token_expire_calls=1 at start")


with tempfile.TemporaryDirectory(prefix="emu-auth-") as tmp:
    key, crt = emuctl.make_keypair(tmp)
    with Emulator(args=["--jwt-cert", crt]) as emu:
        t.run(client_credentials, emu)
        t.run(refresh_token, emu)
        t.run(jwt_bearer, emu, key)
        t.run(bearer_check, emu)
        t.run(token_expiry, emu)
    pub = tmp + "/jwt.pub"
    subprocess.run(["openssl", "x509", "-in", crt, "-pubkey", "-noout", "-out", pub], check=True)
    with Emulator(args=["--jwt-cert", pub]) as emu:
        c = Client(emu)
        claims = {"iss": "billsync-demo", "sub": "INTEGRATION@billsync.example",
                  "aud": "https://login.salesforce.com/", "exp": int(time.time()) + 60}
        r = post_form(c, "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion="
                      + make_jwt(key, claims))
        t.eq(r.status, 200, "--jwt-cert takes a public key PEM too", r.text)
    with Emulator() as emu:
        t.run(jwt_without_cert, emu, key)
    t.run(token_expiry_at_start)
t.done()
