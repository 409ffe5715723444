#!/bin/sh
# t40_status_records.sh - billsync status and records after a run on the
# samples against the emulator: runs, jobs, per-record outcomes, filters, the
# spreadsheet-safe CSV export, reading while the state is locked
# (tests/loader/test_records.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_records.py"
