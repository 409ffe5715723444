#!/bin/sh
# t26_fifo.sh - a dataset given as a FIFO (named pipe) is checked with the
# others before the first row is read (issue 13, point 2): its head is read
# and kept, so a column typo against it stops the export (exit 3) before a
# regular file that comes earlier is read, and the FIFO is read no further
# than its head; a good FIFO, plain or gzipped, CSV or JSON lines, gives
# the bulk files a regular file gives; an archive cannot be a FIFO; a FIFO
# two chosen mappings read is refused before anything is read (exit 3); a
# SIGTERM while its writer is silent ends the export (exit 8).
# Every wait has a time limit.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
mkdir -p "$T/src" "$T/maps" "$T/typo" "$T/data"
cp samples/customers.csv "$T/src/"
cp mappings/customer.map mappings/plan.map "$T/maps/"
cp mappings/customer.map "$T/typo/"
sed 's/= name | truncate(80)/= nmae | truncate(80)/' mappings/plan.map \
	> "$T/typo/plan.map"
"$PYTHON" - samples/plans.csv "$T/data" <<'PY'
import csv, gzip, json, sys
src, d = sys.argv[1:]
data = open(src, "rb").read()
open(d + "/plans.csv", "wb").write(data)
open(d + "/plans.csv.gz", "wb").write(gzip.compress(data))
rows = list(csv.reader(open(src, encoding="utf-8", newline="")))
lines = "".join(json.dumps(dict(zip(rows[0], r))) + "\n" for r in rows[1:])
open(d + "/plans.jsonl.gz", "wb").write(gzip.compress(lines.encode()))
# the rows again and again after the sample's: 4 MiB in all
body = data.split(b"\n", 1)[1]
open(d + "/big.csv", "wb").write(data + body * (4 * 2**20 // len(body)))
PY

# feed FILE FIFO: writes FILE into FIFO in the background (giving up after
# 30 s) and leaves in $T/fed the bytes the FIFO took before its reader
# closed it
feed() {
	timeout 30 "$PYTHON" -c '
import sys
data, n = open(sys.argv[1], "rb").read(), 0
try:
    with open(sys.argv[2], "wb", buffering=0) as f:
        while n < len(data):
            n += f.write(data[n:n + 65536])
except BrokenPipeError:
    pass
open(sys.argv[3], "w").write("%d\n" % n)' "$1" "$2" "$T/fed" &
	feeder=$!
}
# bs ARGS...: billsync with a time limit, then waits for the feeder
bs() {
	timeout 60 "$BILLSYNC" "$@" > "$T/stdout" 2> "$T/stderr"
	rc=$?
	wait "$feeder"
}

# a typo against a FIFO: nothing read but its head, nothing written
mkfifo "$T/src/plans.csv"
feed "$T/data/big.csv" "$T/src/plans.csv"
bs export --source "$T/src" --mappings "$T/typo" --out "$T/o1"
check_eq "a column typo against a FIFO: exit 3" 3 "$rc"
check_contains "a column typo against a FIFO: named with file and line" \
	"$(cat "$T/stderr")" \
	"$T/src/plans.csv:1: no column 'nmae' in the header; did you mean 'name'?"
check "a column typo against a FIFO: nothing written, not even the customers read before it" \
	test ! -e "$T/o1"
check "a column typo against a FIFO: it was read no further than its head ($(cat "$T/fed") of $(wc -c < "$T/data/big.csv") bytes)" \
	test "$(cat "$T/fed")" -lt $((1024 * 1024))
feed "$T/data/big.csv" "$T/src/plans.csv"
bs preview OrbPlan__c --source "$T/src" --mappings "$T/typo"
check_eq "preview, a column typo against a FIFO: exit 3" 3 "$rc"
rm "$T/src/plans.csv"

# the same in JSON lines, gzipped: the keys of its first records
mkfifo "$T/src/plans.jsonl.gz"
feed "$T/data/plans.jsonl.gz" "$T/src/plans.jsonl.gz"
bs export --source "$T/src" --mappings "$T/typo" --out "$T/o2"
check_eq "JSON lines, gzipped, in a FIFO with a column typo: exit 3" 3 "$rc"
check_contains "JSON lines in a FIFO: the mapping's line and the key meant" \
	"$(cat "$T/stderr")" \
	"plan.map:18: column 'nmae' is in no record of $T/src/plans.jsonl.gz; did you mean 'name'?"
check "JSON lines in a FIFO with a typo: nothing written" test ! -e "$T/o2"
rm "$T/src/plans.jsonl.gz"

# good FIFOs: the bulk files of the same data in a regular file
for f in plans.csv plans.csv.gz plans.jsonl.gz; do
	mkfifo "$T/src/$f"
	feed "$T/data/$f" "$T/src/$f"
	bs export --source "$T/src" --mappings "$T/maps" --out "$T/fifo-$f"
	check_eq "$f as a FIFO: exit 0" 0 "$rc"
	rm "$T/src/$f"
	cp "$T/data/$f" "$T/src/$f"
	run_bs export --source "$T/src" --mappings "$T/maps" --out "$T/file-$f"
	check_eq "$f as a regular file: exit 0" 0 "$rc"
	for m in "$T/fifo-$f/manifest.json" "$T/file-$f/manifest.json"; do
		sed '/"created_at"/d' "$m" > "$m.cmp" && rm "$m"
	done
	check "$f as a FIFO: the same bulk files, origins and manifest as from a regular file" \
		diff -r "$T/fifo-$f" "$T/file-$f"
	check_contains "$f: the plans are in them" \
		"$(zcat "$T/file-$f"/OrbPlan__c/*-0001.csv.gz)" plan_9OdgfadPnhommUAk
	rm "$T/src/$f"
done

# an archive is read twice (its members listed, then read): a FIFO cannot be one
mkfifo "$T/arc.tar"
timeout 60 "$BILLSYNC" export --source "$T/arc.tar" --out "$T/o3" > "$T/stdout" 2> "$T/stderr"; rc=$?
check_eq "a FIFO named .tar: exit 4" 4 "$rc"
check_contains "a FIFO named .tar: why" "$(cat "$T/stderr")" \
	"$T/arc.tar: an archive must be a regular file, not a FIFO or a device"

mkfifo "$T/src/plans.csv"
feed "$T/data/plans.csv" "$T/src/plans.csv"
bs preview OrbPlan__c --source "$T/src" --mappings "$T/maps" --csv
check_eq "preview of a good FIFO: exit 0" 0 "$rc"
check_eq "preview of a good FIFO: every plan, as from a regular file" \
	"$(timeout 60 "$BILLSYNC" preview OrbPlan__c --source samples \
		--mappings "$T/maps" --csv 2>/dev/null)" "$(cat "$T/stdout")"
# a FIFO read by two chosen mappings (the shipped daily and monthly revenue
# mappings both read daily_line_item_revenue): the first would read it to
# its end and the second wait for ever for a writer; refused by the check
# before reading, and one of the two chosen alone reads it
mkdir -p "$T/all"
cp samples/*.csv "$T/all/"
rm "$T/all/daily_line_item_revenue.csv"
mkfifo "$T/all/daily_line_item_revenue.csv"
feed samples/daily_line_item_revenue.csv "$T/all/daily_line_item_revenue.csv"
bs export --source "$T/all" --mappings mappings --out "$T/o4"
check_eq "a FIFO two mappings read: exit 3" 3 "$rc"
check_contains "a FIFO two mappings read: named, with both mappings and what to do" \
	"$(cat "$T/stderr")" \
	"$T/all/daily_line_item_revenue.csv: a FIFO can be read only once, and 2 mappings read it (daily_line_item_revenue.map, monthly_line_item_revenue.map): give a regular file, or export them in separate runs with --objects"
check "a FIFO two mappings read: nothing written" test ! -e "$T/o4"
feed samples/daily_line_item_revenue.csv "$T/all/daily_line_item_revenue.csv"
bs export --source "$T/all" --mappings mappings \
	--objects OrbMonthlyLineItemRevenue__c --out "$T/o5"
check_eq "the same FIFO, one of its two mappings chosen: exit 0" 0 "$rc"
check "the same FIFO, one of its two mappings chosen: its bulk files" \
	test -s "$T/o5/OrbMonthlyLineItemRevenue__c/OrbMonthlyLineItemRevenue__c-0001.csv.gz"
check "the same FIFO, one of its two mappings chosen: the other not exported" \
	test ! -e "$T/o5/OrbDailyLineItemRevenue__c"
# a writer that sends the header and a row, then stays silent: a SIGTERM
# still ends the export within about a second (exit 8)
mkdir -p "$T/quiet"
mkfifo "$T/quiet/plans.csv"
timeout 30 "$PYTHON" -c '
import sys, time
with open(sys.argv[1], "wb", buffering=0) as f:
    lines = open(sys.argv[2], "rb").read().split(b"\n")
    f.write(lines[0] + b"\n" + lines[1] + b"\n")
    time.sleep(20)' "$T/quiet/plans.csv" samples/plans.csv 2>/dev/null &
quiet=$!
timeout 60 "$BILLSYNC" export --source "$T/quiet" --mappings "$T/maps" \
	--objects OrbPlan__c --out "$T/o6" > "$T/stdout" 2> "$T/stderr" &
pid=$!
sleep 1.5
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$quiet" 2>/dev/null
wait "$quiet" 2>/dev/null
check_eq "a silent FIFO writer, SIGTERM: exit 8" 8 "$rc"
check "a silent FIFO writer, SIGTERM: the exit came within 1.5 s ($ms ms)" \
	test "$ms" -lt 1500
done_testing
