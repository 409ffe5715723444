#!/bin/sh
# t24_make_deps.sh - the build's package step when apt is busy (issue 13,
# point 8): it waits for the lock, then names the cause instead of failing
# with "config.mk: No such file or directory" alone.  A fake apt-get first
# in PATH plays the busy package manager; a tool that does not exist makes
# a package "missing".
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
mkdir -p "$T/bin"
cat > "$T/bin/apt-get" <<'SH'
#!/bin/sh
n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$(dirname "$0")/count"
[ "$1" = update ] && [ "$n" -lt "${BUSY_TIMES:-99}" ] || exit 0
echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
exit 100
SH
chmod +x "$T/bin/apt-get"
deps() { PATH="$T/bin:$PATH" make --no-print-directory BUILD="$T/build" \
	TOOL_DEPS="billsync-no-such-tool:fakepkg" APT_LOCK_WAIT=5 deps \
	> "$T/out" 2>&1; rc=$?; }

BUSY_TIMES=99 deps
check_eq "apt busy throughout: make fails" 2 "$rc"
check_contains "apt busy throughout: says it waits" "$(cat "$T/out")" \
	"apt is busy (another apt-get or dpkg holds its lock): waiting up to 5 s"
check_contains "apt busy throughout: names the cause" "$(cat "$T/out")" \
	"cannot install fakepkg: apt is busy (another apt-get or dpkg has held its lock for 5 s)"

rm -f "$T/bin/count"
BUSY_TIMES=1 deps
check_eq "apt busy once: make goes on after the wait" 0 "$rc"
[ -f "$T/build/config.mk" ] && ok "apt busy once: config.mk written" ||
	not_ok "apt busy once: config.mk written" "$(cat "$T/out")"

done_testing
