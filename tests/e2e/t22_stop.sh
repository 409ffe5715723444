#!/bin/sh
# t22_stop.sh - a SIGTERM or SIGINT is honoured within a second wherever
# billsync is reading, also across a run of blank lines that yields no row
# (issue 13, point 6): here a gzip "bomb" of 1 GiB of newlines after the
# header, which took minutes to get through before.  Exit 8, the usual
# interrupted message, and the same command works again afterwards.
# Also while sorting: one staging batch of two million rows in shuffled
# groups (sort_memory large enough to hold them all) takes seconds to
# sort in memory, and the stop is honoured during that sort.
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

# The sort: the source file is closed once read, and the in-memory sort of
# the batch follows (after the duplicate check, a fraction of a second);
# the signal comes 0.7 s after the close, well inside a sort of about 3 s
# (under the sanitizers; a stop took those 3 s to be honoured before the
# sort looked at the flag).
mkdir -p "$T/many" "$T/maps"
awk 'BEGIN { srand(1); print "id,grp";
	for (i = 0; i < 2000000; i++) printf "t%d,g%d\n", i, int(rand() * 1000000) }' \
	> "$T/many/things.csv"
cat > "$T/maps/thing.map" <<'EOF'
[object]
name        = Thing__c
source      = things
operation   = upsert
external_id = OrbId__c
group_by    = Group__c

[fields]
OrbId__c = id
Group__c = grp
EOF
printf '[output]\nsort_memory = 200000000\n' > "$T/sort.conf"
"$BILLSYNC" export -c "$T/sort.conf" --source "$T/many" --mappings "$T/maps" \
	--out "$T/o2" > "$T/stdout" 2> "$T/stderr" &
pid=$!
seen=
while kill -0 "$pid" 2> /dev/null; do
	if ls -l "/proc/$pid/fd" 2> /dev/null | grep -q 'things\.csv'; then seen=1
	elif [ -n "$seen" ]; then break; fi
	sleep 0.02
done
sleep 0.7
t0=$(now)
kill -TERM "$pid"
wait "$pid"; rc=$?
ms=$(( ($(now) - t0) / 1000000 ))
check_eq "export: SIGTERM while sorting a large batch: exit 8" 8 "$rc"
[ "$ms" -lt 1000 ] && ok "export: exited ${ms} ms after the signal while sorting" ||
	not_ok "export: exited ${ms} ms after the signal while sorting (over a second)"

done_testing
