#!/bin/sh
# t35_check_org.sh - billsync check --org against the emulator's describe
# (tests/loader/test_orgcheck.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_orgcheck.py"
