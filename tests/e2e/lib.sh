# lib.sh - helpers for end-to-end test scripts (sourced by tests/e2e/t*.sh).
#
# Each script prints TAP: `ok N - name` / `not ok N - name`, plus `#` notes.
# $BILLSYNC is the binary under test (the sanitizer build in `make check`).
# Every script gets a fresh $T directory, removed at exit.
set -u
: "${BILLSYNC:=./billsync}" "${PYTHON:=python3}" "${BUILD:=build}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/billsync-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
_tap_n=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# check NAME COMMAND...: ok when the command succeeds
check() { name=$1; shift; if "$@" > "$T/.out" 2>&1; then ok "$name"; else not_ok "$name" "command failed: $*" "$(head -c 2000 "$T/.out")"; fi; }

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# check_contains NAME HAYSTACK NEEDLE
check_contains() {
	case $2 in *"$3"*) ok "$1" ;; *) not_ok "$1" "missing: $3" "in: $(printf '%s' "$2" | head -c 2000)" ;; esac
}

# check_files_eq NAME EXPECTED_FILE ACTUAL_FILE
check_files_eq() {
	if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(diff -u "$2" "$3" | head -n 40)"; fi
}

# run_bs ARGS...: runs billsync, leaving stdout in $T/stdout, stderr in $T/stderr, status in $rc
run_bs() { "$BILLSYNC" "$@" > "$T/stdout" 2> "$T/stderr"; rc=$?; }

done_testing() { echo "1..$_tap_n"; }

# emu_start DIR [OPTIONS...] / emu_stop DIR: the Salesforce emulator (emu.sh)
. "$ROOT/tests/e2e/emu.sh"
