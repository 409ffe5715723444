#!/bin/sh
# t25_stop_load.sh - a stop request honoured within a second while talking
# to Salesforce (issue 13, point 6): the emulator answers every request
# 3 s late, a SIGTERM comes in the middle of one; billsync exits 8 within a
# second, and the next run (the org fast again) finishes the job: every
# record once.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
emu_start "$T" --fault slow_ms=3000 ||
	{ not_ok "the emulator starts"; done_testing; exit 0; }
trap 'emu_stop "$T"; rm -rf "$T"' EXIT INT TERM
now() { date +%s%N; }
"$BILLSYNC" run -c "$T/billsync.conf" --objects customers > "$T/stdout" 2> "$T/stderr" &
pid=$!
sleep 2
t0=$(now)
kill -TERM "$pid"
wait "$pid"; rc=$?
ms=$(( ($(now) - t0) / 1000000 ))
check_eq "SIGTERM during a slow request: exit 8" 8 "$rc"
# libcurl looks at the flag about once a second while it waits for an
# answer: a second, plus the exit, on a busy machine
[ "$ms" -lt 1500 ] && ok "exited ${ms} ms after the signal" ||
	not_ok "exited ${ms} ms after the signal (over 1.5 s)" "$(cat "$T/stderr")"

$EMUCTL faults slow_ms=0 --dir "$T" > /dev/null
run_bs run -c "$T/billsync.conf" --objects customers
check_eq "the next run finishes (two records refused, as the samples intend)" 1 "$rc"
check_eq "every customer is in the org once" \
	10 \
	"$($EMUCTL records OrbCustomer__c --dir "$T" | "$PYTHON" -c 'import json, sys; r = json.load(sys.stdin); print(len(set(x["OrbId__c"] for x in r)) if len(r) == len(set(x["OrbId__c"] for x in r)) else -1)')"

done_testing
