#!/bin/sh
# t32_upload_limits.sh - billsync upload under the emulator's faults, part 2:
# the daily limit, a job stopped by ExceededQuota, the margin, gzip refused,
# 5xx answers, SIGINT (also during a job create), job_deadline (tests/loader/test_faults.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_faults.py" \
	daily_limit exceeded_quota limit_margin gzip_refused server_errors interrupted interrupted_create deadline
