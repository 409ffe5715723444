#!/bin/sh
# t38_trace.sh - --trace FILE: every request and response to Salesforce,
# secrets redacted, for every authentication flow and every command that
# talks to Salesforce (tests/loader/test_trace.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_trace.py"
