#!/bin/sh
# run-tests.sh - runs every test suite and prints one line "N passed, N failed".
#
# A suite is a program printing TAP lines ("ok N - name" / "not ok N - name"):
#   - each unit-test binary in $BUILD/san/bin/ (from tests/unit/LAYER/test_*.c),
#   - each fuzz harness in $BUILD/san/fuzz/ (tests/fuzz/fuzz_NAME.c) replaying
#     its corpus tests/fuzz/corpus/NAME/,
#   - each tests/tree/*.py check of the sources (style, layers),
#   - each tests/e2e/t*.sh script,
#   - each tests/salesforce/test_*.py and tests/sync/test_*.py script (run
#     with $PYTHON).
# Suites run two at a time; a suite that exits non-zero without a "not ok"
# line counts as one failure.  Set TESTS=pattern to run only matching suites.
set -u
: "${BUILD:=build}" "${BILLSYNC:=$BUILD/san/billsync}" "${PYTHON:=python3}"
: "${BILLSYNC_GEN:=$BUILD/billsync-gen}" "${TESTS:=}" "${JOBS:=2}"
export BUILD BILLSYNC BILLSYNC_GEN PYTHON
BILLSYNC=$(cd "$(dirname "$BILLSYNC")" && pwd)/$(basename "$BILLSYNC")
BILLSYNC_GEN=$(cd "$(dirname "$BILLSYNC_GEN")" 2>/dev/null && pwd)/$(basename "$BILLSYNC_GEN")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

logs=$(mktemp -d "${TMPDIR:-/tmp}/billsync-tests.XXXXXX")
trap 'rm -rf "$logs"' EXIT INT TERM

list="$logs/suites"
: > "$list"
for t in "$BUILD"/san/bin/test_*; do [ -x "$t" ] && echo "unit $t" >> "$list"; done
for t in "$BUILD"/san/fuzz/fuzz_*; do [ -x "$t" ] && echo "fuzz $t" >> "$list"; done
for t in tests/tree/*.py; do [ -f "$t" ] && echo "py $t" >> "$list"; done
for t in tests/e2e/t*.sh; do [ -f "$t" ] && echo "sh $t" >> "$list"; done
for t in tests/salesforce/test_*.py tests/sync/test_*.py; do [ -f "$t" ] && echo "py $t" >> "$list"; done
if [ -n "$TESTS" ]; then
	grep -- "$TESTS" "$list" > "$list.f"; mv "$list.f" "$list"
fi

# each suite writes $logs/<name>.log and its exit status to <name>.rc
export logs
# shellcheck disable=SC2016
xargs -P "$JOBS" -L 1 sh -c '
	kind=$1 path=$2; name=$(echo "$path" | tr "/" "_")
	case $kind in
	unit) "$path" ;; sh) sh "$path" ;; py) "$PYTHON" "$path" ;;
	fuzz) n=$(basename "$path"); "$path" "tests/fuzz/corpus/${n#fuzz_}" ;;
	esac > "$logs/$name.log" 2>&1 < /dev/null
	echo $? > "$logs/$name.rc"' sh < "$list"

passed=0 failed=0
while read -r kind path; do
	name=$(echo "$path" | tr '/' '_')
	log="$logs/$name.log"
	rc=$(cat "$logs/$name.rc" 2>/dev/null || echo 99)
	p=$(grep -c '^ok ' "$log" 2>/dev/null); p=${p:-0}
	f=$(grep -c '^not ok ' "$log" 2>/dev/null); f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $path exited with status $rc" >> "$log"
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $path ($p passed, $f failed)"
		sed -n '/^not ok /p; /^#/p' "$log" | head -n 60 | sed 's/^/    /'
		tail -n 15 "$log" | grep -v '^ok ' | sed 's/^/  | /'
	else
		echo "ok   $path ($p passed)"
	fi
done < "$list"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
