#!/bin/sh
# t33_upload_protocol.sh - the exact request sequence of one small job
# (tests/loader/test_protocol.py; --regen rewrites the expected file).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_protocol.py"
