#!/bin/sh
# t91_alloc_load.sh - allocation failures during billsync upload against the
# emulator, one per allocation site, or every index with ALLOC_SWEEP=every
# (make torture) (tests/loader/test_alloc.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/../loader/test_alloc.py"
