#!/bin/sh
# The long-lived processes do not leak across builds: after a warm-up,
# eight rounds of a recursive build (an add and an inner build through
# its socket) and a failing plain build leave builderproc, storeproc,
# mountproc and mountproc's spawner at the same resident size (within
# 64 KiB) and with the same descriptors.  See regress/daemon/leaks.sh
# for why this stands in for valgrind.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v nix-build >/dev/null || skip "needs nix-build (nix-bin)"
BB=$(command -v busybox) || skip "needs busybox-static"
getent group "$BUILD_GROUP" >/dev/null || skip "needs group $BUILD_GROUP"
test_init
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB /usr /lib /lib64?
experimental-features = recursive-nix
EOT
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"

mpid=$(child_pid mountproc) || fail "no mountproc"
procs="$(child_pid builderproc) $(child_pid storeproc) $mpid $(pgrep -P "$mpid")"
[ "$(echo $procs | wc -w)" -eq 4 ] || fail "expected 4 processes: $procs"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
nfds() { ls "/proc/$1/fd" | wc -l; }
snapshot() {
	for p in $procs; do
		echo "$(cat /proc/$p/comm) $(rss "$p") $(nfds "$p")"
	done
}

round() {
	out=$(nix-build --no-out-link leaks.nix -A outer --argstr r "$1" \
	    2>"$TROOT/outer.log") || fail "round $1: $(cat "$TROOT/outer.log")"
	set -- $(cat "$out")
	[ $# -eq 2 ] || fail "round output: $(cat "$out")"
	nix-build --no-out-link leaks.nix -A failing --argstr r "$1" \
	    >/dev/null 2>&1 && fail "round $1: the failing build succeeded"
	return 0
}

for r in 1 2 3; do round "w$r"; done
sleep 1
snapshot >"$TROOT/before"
for r in 1 2 3 4 5 6 7 8; do round "$r"; done
sleep 1
snapshot >"$TROOT/after"
paste "$TROOT/before" "$TROOT/after" | while read -r name r0 f0 _ r1 f1; do
	echo "$name: $r0 KiB -> $r1 KiB, $f0 -> $f1 fds"
	[ "$f1" -eq "$f0" ] || fail "$name holds $f1 fds, before $f0"
	[ $((r1 - r0)) -le 64 ] || fail "$name grew by $((r1 - r0)) KiB"
done || exit 1
echo ok
