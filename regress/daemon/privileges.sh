#!/bin/sh
# The privilege table of rnixd.8 on a running daemon: each child's uid,
# capabilities, no_new_privs, seccomp mode and root directory.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init
rnixd_start

# Capability bits (linux/capability.h).
CAP_CHOWN=0 CAP_DAC_OVERRIDE=1 CAP_FOWNER=3 CAP_SETGID=6
CAP_SETUID=7

mask() {
	m=0
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' "$m"
}

# The spawner is mountproc's child, named rnixd-spawner.
spawner_pid() {
	for p in $(pgrep -P "$(child_pid mountproc)"); do
		if [ "$(cat /proc/$p/comm 2>/dev/null)" = rnixd-spawner ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

check_proc() {	# name user capmask root
	if [ "$1" = spawner ]; then
		pid=$(spawner_pid) || fail "spawner not running"
	else
		pid=$(child_pid "$1") || fail "$1 not running"
	fi
	st=/proc/$pid/status
	uid=$(id -u "$2")
	grep -q "^Uid:	$uid	$uid	$uid	$uid$" "$st" ||
	    fail "$1: $(grep ^Uid: "$st"), expected $2 ($uid) in every field"
	grep -q "^CapEff:	$3$" "$st" ||
	    fail "$1: $(grep ^CapEff: "$st"), expected $3"
	grep -q "^CapPrm:	$3$" "$st" ||
	    fail "$1: $(grep ^CapPrm: "$st"), expected $3"
	grep -q "^CapBnd:	$3$" "$st" ||
	    fail "$1: $(grep ^CapBnd: "$st"), expected $3"
	grep -q "^NoNewPrivs:	1$" "$st" || fail "$1: NoNewPrivs not 1"
	grep -q "^Seccomp:	2$" "$st" || fail "$1: Seccomp not 2"
	root=$(readlink "/proc/$pid/root")
	[ "$root" = "$4" ] || fail "$1: root is $root, expected $4"
	echo "$1: uid $uid, CapEff $3, NoNewPrivs 1, Seccomp 2, root $root: ok"
}

check_proc storeproc _rnixd "$(mask $CAP_CHOWN $CAP_FOWNER)" \
    "$TROOT/nix/var/nix/rnixd/storeproc-root"
check_proc builderproc _rnixd-builder 0000000000000000 \
    "$TROOT/nix/var/nix/rnixd/empty"
check_proc mountproc _rnixd-mount 0000000000000000 \
    "$TROOT/nix/var/nix/rnixd/empty"
check_proc spawner _rnixd-mount "$(mask $CAP_SETUID $CAP_SETGID $CAP_CHOWN \
    $CAP_DAC_OVERRIDE $CAP_FOWNER)" /

# storeproc sees the store, state and log dirs and nothing else.
spid=$(child_pid storeproc)
mounts=$(awk '{ print $5 }' /proc/$spid/mountinfo | sort | tr '\n' ' ')
want=$(printf '%s\n' / "$TROOT/nix/store" "$TROOT/nix/var/nix" \
    "$TROOT/nix/var/log/nix" | sort | tr '\n' ' ')
[ "$mounts" = "$want" ] || fail "storeproc mounts: $mounts, expected $want"
echo "storeproc mounts: $mounts: ok"

# The parent alone stays root; the socket is 0666 for SO_PEERCRED checks.
grep -q "^Uid:	0	0	0	0$" /proc/$RNIXD_PID/status || fail "parent not root"
[ "$(stat -c %a "$SOCKET")" = 666 ] || fail "socket mode $(stat -c %a "$SOCKET")"
[ "$(stat -c %U:%a "$STORE")" = "_rnixd:1775" ] ||
    fail "store dir $(stat -c %U:%a "$STORE"), expected _rnixd:1775"
nix_ping >/dev/null || fail "nix store ping failed"
echo "parent root, socket 0666, store _rnixd 1775, nix store ping: ok"

# Children get only their own descriptors: above stderr, sockets, pipes and
# event-loop inodes, never a file or directory left open by the parent;
# storeproc may also hold what it opened inside its own confined view.
for name in storeproc builderproc mountproc spawner; do
	if [ "$name" = spawner ]; then
		pid=$(spawner_pid)
	else
		pid=$(child_pid "$name")
	fi
	root=$(readlink "/proc/$pid/root")
	for fd in /proc/$pid/fd/*; do
		n=${fd##*/}
		[ "$n" -le 2 ] && continue
		target=$(readlink "$fd") || continue
		case "$target" in
		socket:*|anon_inode:*) ;;
		pipe:*) ;;	# libevent's internal signal pipe
		"$root"/*)
			[ "$name" = storeproc ] ||
			    fail "$name holds fd $n -> $target" ;;
		*) fail "$name holds fd $n -> $target" ;;
		esac
	done
done
echo "children hold only sockets and event inodes: ok"
