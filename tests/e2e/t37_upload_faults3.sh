#!/bin/sh
# t37_upload_faults3.sh - billsync upload under the emulator's faults, part 3:
# rows that stay locked past lock_retries, shuffled result rows, tokens that
# expire by time, refusals of the whole org, a lost job-create answer
# (tests/loader/test_faults.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_faults.py" \
	lock_kept shuffled_results token_seconds org_refused lost_create
