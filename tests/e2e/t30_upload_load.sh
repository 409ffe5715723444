#!/bin/sh
# t30_upload_load.sh - billsync upload against the emulator: values, lookups,
# rejected rows, a second load that updates (tests/loader/test_load.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_load.py"
