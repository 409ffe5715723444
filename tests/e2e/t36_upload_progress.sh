#!/bin/sh
# t36_upload_progress.sh - the progress line on a terminal, plain lines in a log
# (tests/loader/test_progress.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_progress.py"
