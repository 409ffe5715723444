#!/bin/sh
# t22_stop.sh - a SIGTERM or SIGINT is honoured within a second wherever
# billsync is reading, also across a run of blank lines that yields no row
# (issue 13, point 6): here a gzip "bomb" of 1 GiB of newlines after the
# header, which took minutes to get through before.  Exit 8, the usual
# interrupted message, and the same command works again afterwards.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
mkdir -p "$T/bomb" "$T/ok"
"$PYTHON" - samples/customers.csv "$T/bomb/customers.csv.gz" <<'PY'
import sys, zlib
def member(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()
header = open(sys.argv[1], "rb").readline()
blank = member(b"\n" * (1 << 20))
with open(sys.argv[2], "wb") as f:
    f.write(member(header))
    for _ in range(1024):
        f.write(blank)
PY
cp samples/customers.csv "$T/ok/"

now() { date +%s%N; }
# stop_after SIG ARGS...: runs billsync, sends SIG after a second; sets rc
# and ms, the milliseconds from the signal to the exit
stop_after() {
	sig=$1; shift
	"$BILLSYNC" "$@" > "$T/stdout" 2> "$T/stderr" &
	pid=$!
	sleep 1
	t0=$(now)
	kill -"$sig" "$pid"
	wait "$pid"; rc=$?
	ms=$(( ($(now) - t0) / 1000000 ))
}

stop_after TERM export --source "$T/bomb" --out "$T/o1" --objects customers
check_eq "export: SIGTERM in a run of blank lines: exit 8" 8 "$rc"
[ "$ms" -lt 1000 ] && ok "export: exited ${ms} ms after the signal" ||
	not_ok "export: exited ${ms} ms after the signal (over a second)"
check_contains "export: says it was interrupted" "$(cat "$T/stderr")" "interrupted"

stop_after INT preview customers --source "$T/bomb"
check_eq "preview: SIGINT in a run of blank lines: exit 8" 8 "$rc"
[ "$ms" -lt 1000 ] && ok "preview: exited ${ms} ms after the signal" ||
	not_ok "preview: exited ${ms} ms after the signal (over a second)"

run_bs export --source "$T/ok" --out "$T/o1" --objects customers
check_eq "export: the same command then works" 0 "$rc"

done_testing
