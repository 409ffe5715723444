"""The emulated org's OAuth 2.0 token endpoint: client credentials, JWT bearer, refresh token."""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import subprocess
import time

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_MAX_AHEAD = 180         # exp may be at most 3 minutes ahead
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class RsaKey:
    """An RSA public key (from a certificate or a public key PEM, read once with
    `openssl`) that checks RS256 signatures in pure Python."""

    def __init__(self, n, e):
        self.n, self.e = n, e
        self.size = (n.bit_length() + 7) // 8

    @classmethod
    def load(cls, path):
        with open(path, encoding="ascii", errors="replace") as f:
            pem = f.read()
        if "BEGIN CERTIFICATE" in pem:
            pem = _openssl(["x509", "-in", path, "-noout", "-pubkey"])
        text = _openssl(["pkey", "-pubin", "-noout", "-text"], pem)
        m = re.search(r"Modulus:\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        e = re.search(r"Exponent:\s*(\d+)", text)
        if not m or not e:
            raise ValueError("%s: not an RSA public key or certificate" % path)
        return cls(int(re.sub(r"[\s:]", "", m.group(1)), 16), int(e.group(1)))

    def verify(self, data, signature):
        if len(signature) != self.size:
            return False
        s = int.from_bytes(signature, "big")
        if s >= self.n:
            return False
        em = pow(s, self.e, self.n).to_bytes(self.size, "big")
        t = _SHA256_PREFIX + hashlib.sha256(data).digest()
        want = b"\x00\x01" + b"\xff" * (self.size - len(t) - 3) + b"\x00" + t
        return hmac.compare_digest(em, want)


def _openssl(args, stdin=None):
    r = subprocess.run(["openssl"] + args, input=stdin, capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        raise ValueError("openssl %s: %s" % (args[0], r.stderr.strip()))
    return r.stdout


def _b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    def __init__(self, code, description, status=400):
        super().__init__(description)
        self.body = {"error": code, "error_description": description}
        self.status = status


class Auth:
    """Issues and checks access tokens.  The caller holds the org lock."""

    def __init__(self, client_id, client_secret, username, refresh_token, key,
                 org_id, user_id):
        self.client_id, self.client_secret = client_id, client_secret
        self.username, self.refresh_token, self.key = username, refresh_token, key
        self.org_id, self.user_id = org_id, user_id
        self.tokens = {}

    def reset(self):
        self.tokens.clear()

    def grant(self, params, basic, host, instance_url):
        """Answers a token request: (status, JSON-ready body, grant type or None)."""
        gt = params.get("grant_type", "")
        try:
            if gt == "client_credentials":
                self._client_credentials(params, basic, host)
            elif gt == JWT_GRANT:
                self._jwt(params.get("assertion", ""), instance_url)
            elif gt == "refresh_token":
                self._refresh(params, basic)
            else:
                raise TokenError("unsupported_grant_type", "grant type not supported")
        except TokenError as e:
            return e.status, e.body, None
        return 200, self._issue(instance_url), gt

    def _client(self, params, basic):
        cid, secret = params.get("client_id", ""), params.get("client_secret")
        if basic:
            cid, secret = basic
        if cid != self.client_id:
            raise TokenError("invalid_client_id", "client identifier invalid")
        return secret

    def _client_credentials(self, params, basic, host):
        secret = self._client(params, basic)
        if host.split(":")[0].lower() in ("login.salesforce.com", "test.salesforce.com"):
            raise TokenError("invalid_grant", "request not supported on this domain")
        if secret != self.client_secret:
            # Decision (open question 8): HTTP 400, "invalid client credentials".
            raise TokenError("invalid_client", "invalid client credentials")

    def _refresh(self, params, basic):
        # Decision: the secret is required ("Require Secret for Refresh Token Flow" is on).
        if self._client(params, basic) != self.client_secret:
            raise TokenError("invalid_client", "invalid client credentials")
        if params.get("refresh_token") != self.refresh_token:
            raise TokenError("invalid_grant", "expired access/refresh token")

    def _jwt(self, assertion, instance_url):
        bad = TokenError("invalid_grant", "invalid assertion")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise bad
        try:
            header = json.loads(_b64url(parts[0]))
            claims = json.loads(_b64url(parts[1]))
            signature = _b64url(parts[2])
        except (ValueError, binascii.Error):
            raise bad from None
        if not isinstance(header, dict) or header.get("alg") != "RS256" \
                or not isinstance(claims, dict):
            raise bad
        if claims.get("iss") != self.client_id:
            raise TokenError("invalid_client_id", "client identifier invalid")
        # Decision: without --jwt-cert the app has no certificate, so nothing verifies.
        if self.key is None or not self.key.verify(
                (parts[0] + "." + parts[1]).encode("ascii"), signature):
            raise bad
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) == 1:
            aud = aud[0]
        if not isinstance(aud, str) or aud.rstrip("/") not in JWT_AUDIENCES + (instance_url,):
            raise TokenError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        now = time.time()
        # Decision (open question 8): an expired exp and one more than 3 minutes ahead
        # both answer "expired authorization code", the text real orgs give for bad exp.
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) \
                or exp <= now or exp > now + JWT_MAX_AHEAD:
            raise TokenError("invalid_grant", "expired authorization code")
        if str(claims.get("sub", "")).lower() != self.username.lower():
            raise TokenError("invalid_grant", "user hasn't approved this consumer")

    def _issue(self, instance_url):
        token = self.org_id[:15] + "!AQ" + secrets.token_urlsafe(72)
        self.tokens[token] = {"issued": time.monotonic(), "calls": 0}
        ident = "https://login.salesforce.com/id/%s/%s" % (self.org_id, self.user_id)
        issued_at = str(int(time.time() * 1000))
        sig = base64.b64encode(hmac.new(self.client_secret.encode(),
                                        (ident + issued_at).encode(),
                                        hashlib.sha256).digest()).decode()
        return {"access_token": token, "signature": sig, "scope": "api",
                "instance_url": instance_url, "id": ident, "token_type": "Bearer",
                "issued_at": issued_at}

    def peek(self, token, expire_calls, expire_seconds):
        """True when check() would pass for token now; counts nothing."""
        t = self.tokens.get(token)
        if t is None:
            return False
        return not ((expire_seconds and time.monotonic() - t["issued"] > expire_seconds) or
                    (expire_calls and t["calls"] + 1 > expire_calls))

    def check(self, token, expire_calls, expire_seconds):
        """True when token is a live access token; counts one call on it.  A token
        lives for expire_calls calls / expire_seconds seconds when those are set."""
        t = self.tokens.get(token)
        if t is None:
            return False
        t["calls"] += 1
        if (expire_seconds and time.monotonic() - t["issued"] > expire_seconds) or \
                (expire_calls and t["calls"] > expire_calls):
            del self.tokens[token]
            return False
        return True
