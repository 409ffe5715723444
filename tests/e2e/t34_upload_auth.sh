#!/bin/sh
# t34_upload_auth.sh - authentication for billsync upload: client credentials,
# JWT, refresh token, access token, configuration mistakes, TLS with a CA
# bundle (tests/loader/test_auth.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_auth.py"
