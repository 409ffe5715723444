# emu.sh - the Salesforce emulator for shell scripts: sourced by lib.sh (so
# every tests/e2e/t*.sh has it) and by tests/demo.sh.  Needs $ROOT and
# $PYTHON.

EMUCTL="$PYTHON $ROOT/tests/salesforce/emuctl.py"

# emu_start DIR [EMULATOR OPTIONS...]: starts tests/salesforce/emulator.py on a
# free port (its port, pid and log files in DIR) and sets $URL; writes
# DIR/billsync.conf for it: the samples, the shipped mappings, the state in
# DIR/state, client credentials with the secret in an owner-only
# DIR/client-secret, and quick polling.  Fails when the emulator does not
# start.  emu_stop DIR stops it (put it in the script's exit trap).
emu_start() {
	_emu_dir=$1
	shift
	URL=$($EMUCTL start --dir "$_emu_dir" -- "$@") || return 1
	printf 'demo-secret\n' > "$_emu_dir/client-secret"
	chmod 600 "$_emu_dir/client-secret"
	cat > "$_emu_dir/billsync.conf" <<CONF
[source]
path = $ROOT/samples

[mappings]
dir = $ROOT/mappings

[state]
dir = $_emu_dir/state

[salesforce]
instance_url       = $URL
auth               = client_credentials
client_id          = billsync-demo
client_secret_file = $_emu_dir/client-secret

[load]
poll_min = 0.02
poll_max = 0.2
CONF
}

emu_stop() { $EMUCTL stop --dir "$1" >/dev/null 2>&1; }
