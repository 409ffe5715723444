#!/bin/sh
# t21_input_honest.sh - bad input named for what it is (issue 13, points 5
# and 7): a NUL byte rejects its row; CR-only line ends, a second byte
# order mark, a corrupt zip member and archive members that are absolute
# or climb out with ".." each stop the export with the real cause.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
C=samples/customers.csv
mkdir -p "$T/nul" "$T/cr" "$T/bom" "$T/arc"

# a NUL byte inside a field of the third line
"$PYTHON" - "$C" "$T/nul/customers.csv" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
lines[2] = lines[2][:5] + b"\0" + lines[2][5:]
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
run_bs export --source "$T/nul" --out "$T/o1" --objects customers
check_eq "NUL byte: exit 1 (a row rejected)" 1 "$rc"
check_contains "NUL byte: the rejects file names file, line and reason" \
	"$(cat "$T/o1/OrbCustomer__c/rejects.csv" 2>&1)" \
	"$T/nul/customers.csv,3,id,NUL byte at byte 6: NUL is not allowed in a value"
check_eq "NUL byte: the row is not in the bulk file" 0 \
	"$(zcat "$T"/o1/OrbCustomer__c/*-0001.csv.gz | tr -d -c '\000' | wc -c)"

tr '\n' '\r' < "$C" > "$T/cr/customers.csv"
run_bs export --source "$T/cr" --out "$T/o2" --objects customers
check_eq "CR-only line ends: exit 4" 4 "$rc"
check_contains "CR-only line ends: named" "$(cat "$T/stderr")" \
	"customers.csv:1: carriage return inside the header (byte $(head -n 1 "$C" | wc -c)): lines must end with LF or CRLF, not CR alone"

{ printf '\357\273\277\357\273\277'; cat "$C"; } > "$T/bom/customers.csv"
run_bs export --source "$T/bom" --out "$T/o3" --objects customers
check_eq "two byte order marks: exit 4" 4 "$rc"
check_contains "two byte order marks: named" "$(cat "$T/stderr")" \
	"column 1 of the header begins with a byte order mark (the file has two at its start)"

"$PYTHON" - "$C" "$T/arc" <<'PY'
import sys, tarfile, zipfile
src, d = sys.argv[1:]
data = open(src, "rb").read()
for name, member in (("up.zip", "../../customers.csv"), ("abs.zip", "/abs/customers.csv")):
    zipfile.ZipFile(d + "/" + name, "w").writestr(member, data)
with tarfile.open(d + "/up.tar", "w") as t:
    t.add(src, arcname="d/../../customers.csv")
z = zipfile.ZipFile(d + "/bad.zip", "w", zipfile.ZIP_DEFLATED)
z.writestr("customers.csv", data * 20)
z.close()
b = bytearray(open(d + "/bad.zip", "rb").read())
b[2000:2016] = b"X" * 16
open(d + "/bad.zip", "wb").write(bytes(b))
PY
for a in up.zip up.tar abs.zip; do
	run_bs export --source "$T/arc/$a" --out "$T/o4" --objects customers
	case $a in abs.zip) why="is absolute" ;; *) why="climbs out of the archive" ;; esac
	check_eq "$a: exit 4" 4 "$rc"
	check_contains "$a: the member is refused" "$(cat "$T/stderr")" \
		"$T/arc/$a: member '"
	check_contains "$a: and why" "$(cat "$T/stderr")" "refused: its name $why"
done
run_bs export --source "$T/arc/bad.zip" --out "$T/o5" --objects customers
check_eq "corrupt zip: exit 4" 4 "$rc"
check_contains "corrupt zip: names the archive and the member" "$(cat "$T/stderr")" \
	"bad.zip!customers.csv: corrupt archive: cannot read member 'customers.csv': "

done_testing
