#!/bin/sh
# t01_cli.sh - the command line: help, version, exit codes, unknown commands.
. "$(dirname "$0")/lib.sh"

run_bs --help
check_eq "--help exits 0" 0 "$rc"
help=$(cat "$T/stdout")
for c in run plan export upload check preview status records retry resync; do
	check_contains "--help lists $c" "$help" "  $c "
	run_bs "$c" --help
	check_eq "$c --help exits 0" 0 "$rc"
	check_contains "$c --help shows usage" "$(cat "$T/stdout")" "usage: billsync $c"
done

run_bs --version
check_eq "--version" "0 billsync 0.1.0" "$rc $(cat "$T/stdout")"

run_bs chek
check_eq "unknown command is a usage error" 2 "$rc"
check_contains "unknown command suggests" "$(cat "$T/stderr")" "did you mean 'check'?"

run_bs
check_eq "no command is a usage error" 2 "$rc"
done_testing
