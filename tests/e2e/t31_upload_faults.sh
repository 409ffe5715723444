#!/bin/sh
# t31_upload_faults.sh - billsync upload under the emulator's faults, part 1:
# token expiry, dropped uploads, lock errors, failed jobs
# (tests/loader/test_faults.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_faults.py" \
	token_expiry dropped_upload lock_errors failed_job
