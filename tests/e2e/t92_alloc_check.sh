#!/bin/sh
# t92_alloc_check.sh - allocation failures during `billsync check` of the
# mapping sets with lookup cycles (tests/cases/check/two_cycles, with an
# unknown converter too, and set_cycle_of_three), failing every allocation
# index in turn (about 50 each): each run must end with
# exit 6 and "out of memory", or with exit 3 and every mistake the case
# expects (in any order: the sort of the mistakes falls back to the order
# found), never a cycle named short or a mistake left out unsaid.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
FAILBS=${FAILBS:-$BUILD/san/billsync-failmalloc}
[ -x "$FAILBS" ] || { not_ok "$FAILBS is built (make check builds it)"; done_testing; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"

for d in two_cycles set_cycle_of_three; do
	d=tests/cases/check/$d
	sort "$d/expected" > "$T/want"
	BILLSYNC_FAILMALLOC_COUNT="$T/count" "$FAILBS" check --no-data "$d"/*.map \
		> /dev/null 2>&1
	n=$(cat "$T/count" 2>/dev/null || echo 0)
	bad=0 i=0
	while [ "$i" -lt "$n" ]; do
		i=$((i + 1))
		BILLSYNC_FAILMALLOC=$i "$FAILBS" check --no-data "$d"/*.map \
			> /dev/null 2> "$T/err"
		rc=$?
		if grep -q "Sanitizer\|runtime error" "$T/err"; then
			:
		elif [ "$rc" -eq 6 ] && grep -q "out of memory" "$T/err"; then
			continue
		elif [ "$rc" -eq 3 ] && sort "$T/err" | cmp -s - "$T/want"; then
			continue
		fi
		bad=$((bad + 1))
		echo "# allocation $i: exit $rc"
		head -n 5 "$T/err" | sed 's/^/#     /'
	done
	check_eq "check $(basename "$d"): each of its $n allocations, failed, ends cleanly" 0 "$bad"
done
done_testing
