#!/bin/sh
# demo.sh - `make demo`: billsync's daily job on the shipped samples against
# the local Salesforce emulator, started on a free port and stopped after.
#
# It runs `billsync run` twice: the first run sends everything (a few sample
# rows are bad on purpose: two are rejected by billsync, two by Salesforce),
# the second sends only what changed (nothing) and retries the failures.
set -u
: "${BILLSYNC:=./billsync}" "${PYTHON:=python3}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/billsync-demo.XXXXXX")
. "$ROOT/tests/e2e/emu.sh"
cleanup() { emu_stop "$T"; rm -rf "$T"; }
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting the Salesforce emulator (tests/salesforce/emulator.py)"
# the secret goes to an owner-only file, never on a command line
emu_start "$T" || { echo "the emulator did not start"; exit 1; }
echo "emulator at $URL"
echo "configuration: $T/billsync.conf"

step "billsync check: the mappings and the sample's columns"
"$BILLSYNC" check -c "$T/billsync.conf" || exit 1

step "billsync run: the first sync sends everything"
"$BILLSYNC" run -c "$T/billsync.conf"
rc=$?
echo "exit code $rc (1: some records were rejected or failed, as the samples intend)"
[ "$rc" -le 1 ] || exit "$rc"

step "what landed in the emulator"
$PYTHON - "$T" <<'PY'
import json, sys
sys.path.insert(0, "tests/salesforce")
import emuctl
port = int(open(sys.argv[1] + "/emulator.port").read())
for obj in ("OrbCustomer__c", "OrbPlan__c", "OrbSubscription__c", "OrbInvoice__c",
            "OrbInvoiceLineItemBilling__c", "OrbDailyLineItemRevenue__c",
            "OrbCommittedLedgerEntry__c"):
    print("  %-30s %5d records" % (obj, len(emuctl.inspect(port, "GET", "records/" + obj))))
inv = emuctl.inspect(port, "GET", "records/OrbInvoice__c")[0]
print("  an invoice as stored:", {k: inv[k] for k in ("Id", "OrbId__c", "Name", "Status__c",
                                                     "Total__c", "Currency__c", "OrbCustomer__c")
                                  if k in inv})
stats = emuctl.inspect(port, "GET", "stats")
print("  emulator counters:", json.dumps(stats)[:300])
PY

step "billsync run again: only what changed (nothing), plus the failures"
"$BILLSYNC" run -c "$T/billsync.conf"
echo "exit code $? (the two records Salesforce refused fail again)"

step "billsync status and records"
"$BILLSYNC" status -c "$T/billsync.conf" 2>/dev/null | head -20
"$BILLSYNC" records -c "$T/billsync.conf" --status failed 2>/dev/null | head -10
exit 0
