# Copyright (c) 2026 The rnixd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# Shared code for daemon tests: a private root per test, rnixd -d on it,
# the real Nix client as peer.  Source it; call rnixd_start; the exit
# trap stops what was started and removes the root unless the test
# failed, in which case its path is printed.

: "${RNIXD_TOP:?run through regress/run}"
: "${RNIXD_OBJ:=$RNIXD_TOP/obj}"
export PYTHONPATH="$RNIXD_TOP/regress/lib${PYTHONPATH:+:$PYTHONPATH}"
RNIXD="$RNIXD_OBJ/bin/rnixd"
RNIXD_PID=""
# The build users' group of the daemons a test starts.  Two test trees
# run at once must not share build users (a build kills every process
# of its user), so a second tree sets RNIXD_BUILD_GROUP to its own.
BUILD_GROUP=${RNIXD_BUILD_GROUP:-nixbld}
export NIX_CONFIG="experimental-features = nix-command"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# Root and the users rnixd runs as; create them as the test set-up may.
require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	getent passwd _rnixd-mount >/dev/null ||
	    sh "$RNIXD_TOP/mk/users.sh" >/dev/null || fail "cannot create users"
}

# What ASan and UBSan print; the processes of an ASan build
# (regress/asan) write it to their stderr, rnixd.log.
SAN_REPORT='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'

test_cleanup() {
	rc=$?
	rnixd_stop
	if [ -f "$TROOT/rnixd.log" ] &&
	    grep -Eq "$SAN_REPORT" "$TROOT/rnixd.log"; then
		echo "FAIL: sanitizer report in rnixd.log:" >&2
		grep -E -A 12 "$SAN_REPORT" "$TROOT/rnixd.log" >&2
		rc=1
	fi
	if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then
		rm -rf "$TROOT"
	else
		echo "test root kept: $TROOT" >&2
		[ -f "$TROOT/rnixd.log" ] && tail -n 30 "$TROOT/rnixd.log" >&2
	fi
	exit $rc
}

test_init() {
	TROOT=$(mktemp -d /tmp/rnixd-test.XXXXXX) || exit 1
	chmod 755 "$TROOT"
	trap test_cleanup EXIT
	trap 'exit 1' INT TERM
	SOCKET="$TROOT/socket"
	STORE="$TROOT/nix/store"
	CONF="$TROOT/rnixd.conf"
	cat >"$CONF" <<EOT
store-dir = $TROOT/nix/store
state-dir = $TROOT/nix/var/nix
log-dir = $TROOT/nix/var/log/nix
daemon-socket = $SOCKET
build-users-group = $BUILD_GROUP
EOT
}

# Wait up to $2 seconds (default 10) for a line matching $1 in the log,
# looking only past byte $LOG_MARK (set by log_mark; 0 = whole log).
LOG_MARK=0
log_mark() {
	LOG_MARK=$(stat -c %s "$TROOT/rnixd.log" 2>/dev/null || echo 0)
}
wait_log() {
	n=0
	while ! tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" 2>/dev/null |
	    grep -q -- "$1"; do
		n=$((n + 1))
		[ $n -gt $((${2:-10} * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# rnixd -d on the test's root; $RNIXD_WRAP, if set, is a command that
# runs it (words split).
rnixd_start() {
	log_mark
	# shellcheck disable=SC2086
	$RNIXD_WRAP "$RNIXD" -d -v -f "$CONF" "$@" >>"$TROOT/rnixd.log" 2>&1 &
	RNIXD_PID=$!
	wait_log "ready, serving" 10 || fail "rnixd did not get ready"
}

rnixd_stop() {
	[ -n "$RNIXD_PID" ] || return 0
	if kill -0 "$RNIXD_PID" 2>/dev/null; then
		kill -TERM "$RNIXD_PID"
		n=0
		while kill -0 "$RNIXD_PID" 2>/dev/null && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -0 "$RNIXD_PID" 2>/dev/null && kill -KILL "$RNIXD_PID"
	fi
	wait "$RNIXD_PID" 2>/dev/null
	RNIXD_PID=""
}

# The pid of one of our daemon's children: storeproc, builderproc, mountproc.
child_pid() {
	comm=$(printf %.15s "rnixd-$1")	# the kernel keeps 15 bytes
	for p in $(pgrep -P "$RNIXD_PID"); do
		if [ "$(cat /proc/$p/comm 2>/dev/null)" = "$comm" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

nix_ping() {
	nix store ping --store "unix://$SOCKET" "$@"
}

# Store tests: rnixd and real Nix side by side on the same inputs.
#
# Store paths depend on the logical store dir, so the reference must use
# the very string rnixd uses, $TROOT/nix/store.  Real Nix 2.8 in local
# mode takes the logical store dir and the physical location apart:
#	local?store=$STORE&real=$REF/store&state=...&log=...
# names every path $STORE/<hash>-<name>, exactly as rnixd does, while
# its files, DB and roots live under $REF.  So paths, NAR hashes and
# .drv files compare as plain strings, with no prefix mapping.  Only
# the files differ in place: a reference path P lives at $(ref_real P);
# commands that read the path as a plain file (nix-store --dump) need
# that.  The client reaches rnixd as unix://$SOCKET?store=$STORE: it
# must know the store dir to compute paths, and reads $STORE itself.
# NIX_CONF_DIR points at a dir of our own to keep host settings out; its
# nix.conf only turns off substituters (no network in tests).
store_init() {
	test_init
	REF="$TROOT/ref"
	RSTORE="unix://$SOCKET?store=$STORE"
	REFSTORE="local?store=$STORE&real=$REF/store&state=$REF/var/nix&log=$REF/log"
	STATE="$TROOT/nix/var/nix"
	DB="$STATE/db/db.sqlite"
	mkdir -p "$TROOT/nixconf" "$TROOT/cache" "$TROOT/src"
	echo 'substituters =' >"$TROOT/nixconf/nix.conf"
	unset NIX_REMOTE NIX_STORE_DIR NIX_STATE_DIR NIX_LOG_DIR NIX_PATH
	export NIX_CONF_DIR="$TROOT/nixconf" XDG_CACHE_HOME="$TROOT/cache"
}

# on_rnixd|on_ref command...: run a Nix command against one store.
on_rnixd() {
	NIX_REMOTE="$RSTORE" "$@"
}

on_ref() {
	NIX_REMOTE="$REFSTORE" "$@"
}

# The physical location of a reference store path.
ref_real() {
	echo "$REF/store/${1#"$STORE"/}"
}

# Both stores run the same command; their outputs must be equal.
# Usage: same_output what command...  (prints the output once)
same_output() {
	what=$1
	shift
	a=$(on_rnixd "$@" 2>"$TROOT/err.rnixd") ||
	    fail "$what: rnixd: $* failed: $(cat "$TROOT/err.rnixd")"
	b=$(on_ref "$@" 2>"$TROOT/err.ref") ||
	    fail "$what: reference: $* failed: $(cat "$TROOT/err.ref")"
	[ "$a" = "$b" ] || fail "$what: $*: rnixd gave
$a
real Nix gave
$b"
	printf '%s\n' "$a"
}

# nix path-info --json without registrationTime (it differs by run) and
# the other keys named in $PI_DROP.
pathinfo_json() {
	nix path-info --json "$@" >"$TROOT/pathinfo.json" || return 1
	python3 -c '
import json, os, sys
v = json.load(sys.stdin)
for i in v:
    for k in ["registrationTime"] + os.environ.get("PI_DROP", "").split():
        i.pop(k, None)
print(json.dumps(v, sort_keys=True, indent=1))' <"$TROOT/pathinfo.json"
}

# Temp files an add left in the store dir (must be none).
store_temps() {
	find "$STORE" -maxdepth 1 -name '.rnixd-*' 2>/dev/null
}

# sqlite3 on a DB the daemon may be writing: wait for its locks.
dbq() {
	sqlite3 -cmd '.timeout 10000' "$@"
}

db_integrity() {
	r=$(dbq "$DB" 'PRAGMA integrity_check') ||
	    fail "sqlite3 cannot read $DB"
	[ "$r" = ok ] || fail "integrity_check: $r"
}

# The real nix-daemon in the foreground on socket $1 serving store URI
# $2 (a local store); its pid in RNIXD_PID so rnixd_stop ends it too.
nixdaemon_start() {
	NIX_DAEMON_SOCKET_PATH="$1" NIX_REMOTE="$2" nix-daemon \
	    >>"$TROOT/rnixd.log" 2>&1 &
	RNIXD_PID=$!
	n=0
	while ! [ -S "$1" ]; do
		n=$((n + 1))
		[ $n -gt 100 ] && fail "nix-daemon did not get ready"
		sleep 0.1
	done
}

# The real nix-daemon on $REFSTORE at $NSOCK, beside rnixd: the reference
# a test's requests are compared with.  Ended when the test exits.
refdaemon_start() {
	NSOCK="$TROOT/nixsock"
	NIX_DAEMON_SOCKET_PATH="$NSOCK" NIX_REMOTE="$REFSTORE" nix-daemon \
	    >>"$TROOT/nix-daemon.log" 2>&1 &
	NIXD=$!
	trap refdaemon_exit EXIT
	n=0
	until [ -S "$NSOCK" ]; do
		n=$((n + 1))
		[ $n -gt 100 ] && fail "nix-daemon did not start"
		sleep 0.1
	done
}

refdaemon_exit() {
	rc=$?
	kill $NIXD 2>/dev/null
	wait $NIXD
	(exit $rc)
	test_cleanup
}

# The two h_flood.py "hold" clients of daemon/ and recursive/flood.sh
# ($fpid1 and $fpid2, writing $out.1 and $out.2).  flood_fail ends them
# with the test; flood_stop tells them to stop and expects each to find
# every one of its connections closed by the handshake timeout.
flood_fail() {
	kill $fpid1 $fpid2 2>/dev/null
	fail "$@"
}

flood_stop() {
	touch "$out.1.stop" "$out.2.stop"
	n=0
	while ! [ -e "$out.1.stop.done" ] || ! [ -e "$out.2.stop.done" ]; do
		n=$((n + 1))
		[ $n -gt 100 ] && flood_fail "the flood clients did not stop"
		sleep 0.1
	done
	wait $fpid1 $fpid2
	[ "$(cat "$out.1.stop.done" "$out.2.stop.done")" = "open 0
open 0" ] || fail "after the handshake timeout:" \
	    "$(cat "$out.1.stop.done" "$out.2.stop.done")"
	echo "handshake timeout closed them all: ok"
}

# Start the daemon the store tests talk to: rnixd, or with
# STORE_TEST_DAEMON=nix the real nix-daemon on the same root and socket,
# to check the tests themselves against the reference.
store_start() {
	if [ "${STORE_TEST_DAEMON:-rnixd}" = nix ]; then
		nixdaemon_start "$SOCKET" \
		    "local?store=$STORE&state=$STATE&log=$TROOT/nix/var/log/nix"
	else
		rnixd_start "$@"
	fi
}

is_rnixd() {
	[ "${STORE_TEST_DAEMON:-rnixd}" != nix ]
}

# Copy regress/store/drvs.nix with the sources it names into $1.
drvs_setup() {
	mkdir -p "$1/drvs-src/tree/sub"
	cp "$RNIXD_TOP/regress/store/drvs.nix" "$1/"
	printf 'hello\n' >"$1/drvs-src/hello.txt"
	printf 'a\n' >"$1/drvs-src/tree/a"
	printf '#!/bin/sh\n' >"$1/drvs-src/tree/sub/run"
	chmod 755 "$1/drvs-src/tree/sub/run"
	ln -s ../a "$1/drvs-src/tree/sub/link"
}

# The privilege table of rnixd.8, checked on the running daemon.
# Capability bits (linux/capability.h).
CAP_CHOWN=0 CAP_DAC_OVERRIDE=1 CAP_FOWNER=3 CAP_SETGID=6 CAP_SETUID=7

cap_mask() {	# bit...: the /proc status form of those capabilities
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

# The guard is the spawner's child, named rnixd-guard.
guard_pid() {
	for p in $(pgrep -P "$(spawner_pid)"); do
		if [ "$(cat /proc/$p/comm 2>/dev/null)" = rnixd-guard ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# One process (a child's name, spawner or guard): not root, user $2 in
# every uid field, capabilities $3 effective and permitted, $5 (or $3)
# bounding, no_new_privs, seccomp filtering, root directory $4, and
# running its own executable (the guard is a fork of the spawner's).
priv_check_proc() {	# name user capmask root [bounding]
	case "$1" in
	spawner|guard)
		pid=$(${1}_pid) || fail "$1 not running"
		exe=rnixd-spawner ;;
	*)
		pid=$(child_pid "$1") || fail "$1 not running"
		exe=rnixd-$1 ;;
	esac
	st=/proc/$pid/status
	uid=$(id -u "$2")
	[ "$uid" -ne 0 ] || fail "$2 is root"
	grep -q "^Uid:	$uid	$uid	$uid	$uid$" "$st" ||
	    fail "$1: $(grep ^Uid: "$st"), expected $2 ($uid) in every field"
	for c in CapEff CapPrm CapBnd; do
		want=$3
		[ $c = CapBnd ] && want=${5:-$3}
		grep -q "^$c:	$want$" "$st" ||
		    fail "$1: $(grep "^$c:" "$st"), expected $want"
	done
	grep -q "^NoNewPrivs:	1$" "$st" || fail "$1: NoNewPrivs not 1"
	grep -q "^Seccomp:	2$" "$st" || fail "$1: Seccomp not 2"
	root=$(readlink "/proc/$pid/root")
	[ "$root" = "$4" ] || fail "$1: root is $root, expected $4"
	path=$(readlink "/proc/$pid/exe")
	[ "${path##*/}" = "$exe" ] || fail "$1: runs $path, expected $exe"
	echo "  $1: uid $uid, CapEff $3, NoNewPrivs 1, Seccomp 2," \
	    "root $root, exe $exe"
}

# The table's rows, and the parent root.
priv_check_table() {
	priv_check_proc storeproc _rnixd "$(cap_mask $CAP_CHOWN $CAP_FOWNER)" \
	    "$TROOT/nix/var/nix/rnixd/storeproc-root"
	priv_check_proc builderproc _rnixd-builder 0000000000000000 \
	    "$TROOT/nix/var/nix/rnixd/empty"
	priv_check_proc mountproc _rnixd-mount 0000000000000000 \
	    "$TROOT/nix/var/nix/rnixd/empty"
	spawner_caps=$(cap_mask $CAP_SETUID $CAP_SETGID $CAP_CHOWN \
	    $CAP_DAC_OVERRIDE $CAP_FOWNER)
	priv_check_proc spawner _rnixd-mount "$spawner_caps" /
	# The guard cannot shrink the bounding set (no CAP_SETPCAP).
	priv_check_proc guard _rnixd-mount "$(cap_mask $CAP_SETUID)" / \
	    "$spawner_caps"
	grep -q "^Uid:	0	0	0	0$" /proc/$RNIXD_PID/status ||
	    fail "parent not root"
}
