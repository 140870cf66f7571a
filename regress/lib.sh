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

# What a test that builds needs: root, the Nix client program $1
# (nix-build, nix-env...), a static busybox for the sandbox's /bin/sh
# (its path in BB) and each build users' group named after it (the
# daemon's, $BUILD_GROUP, or one real Nix builds with); skips without.
build_require() {	# client [group...]
	require_root
	command -v "$1" >/dev/null || skip "needs $1 (nix-bin)"
	BB=$(command -v busybox) || skip "needs busybox-static"
	shift
	for br_group; do
		getent group "$br_group" >/dev/null ||
		    skip "needs group $br_group"
	done
}

# Busybox as the sandbox's /bin/sh (after build_require), and the
# settings given, in the test's config.
build_conf() {	# [setting...]
	echo "sandbox-paths = /bin/sh=$BB" >>"$CONF"
	[ $# -eq 0 ] || printf '%s\n' "$@" >>"$CONF"
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

# Poll every tenth of a second, for up to $1 seconds, until command
# $2... succeeds; 1 if it never did.  The one waiting loop of the
# tests: a condition worth more than one command is a function.
wait_until() {	# seconds command...
	wu_left=$(($1 * 10))
	shift
	until "$@"; do
		wu_left=$((wu_left - 1))
		[ $wu_left -gt 0 ] || return 1
		sleep 0.1
	done
}

# True once every process named is gone (or reaped).
gone() {	# pid...
	for gone_pid; do
		kill -0 "$gone_pid" 2>/dev/null && return 1
	done
	return 0
}

# True once every file named exists.
exists() {	# file...
	for exists_file; do
		[ -e "$exists_file" ] || return 1
	done
	return 0
}

# Wait up to $2 seconds (default 10) for a line matching $1 in the log,
# looking only past byte $LOG_MARK (set by log_mark; 0 = whole log).
LOG_MARK=0
log_mark() {
	LOG_MARK=$(stat -c %s "$TROOT/rnixd.log" 2>/dev/null || echo 0)
}
log_has() {
	tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" 2>/dev/null |
	    grep -q -- "$1"
}
wait_log() {
	wait_until "${2:-10}" log_has "$1"
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
		wait_until 10 gone "$RNIXD_PID" || kill -KILL "$RNIXD_PID"
	fi
	wait "$RNIXD_PID" 2>/dev/null
	RNIXD_PID=""
}

# The daemon must go down by itself within $1 seconds (it lost a
# process it cannot do without), or the test fails with $2; it is
# reaped, its exit status in RNIXD_STATUS.
rnixd_wait_down() {	# seconds message
	wait_until "$1" gone "$RNIXD_PID" || fail "$2"
	wait "$RNIXD_PID"
	RNIXD_STATUS=$?
	RNIXD_PID=""
}

# The pid of the child of process $1 whose name (comm) is $2.
child_named() {	# parent-pid comm
	for p in $(pgrep -P "$1"); do
		if [ "$(cat /proc/$p/comm 2>/dev/null)" = "$2" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# The pid of one of our daemon's children: storeproc, builderproc, mountproc.
child_pid() {
	# The kernel keeps 15 bytes of the name.
	child_named "$RNIXD_PID" "$(printf %.15s "rnixd-$1")"
}

nix_ping() {
	nix store ping --store "unix://$SOCKET" "$@"
}

# Time one nix store ping, in milliseconds, into $ms; a failed ping
# ends the test through $1 (a function that stops the test's clients
# first; default fail).
ping_ms() {	# [fail-function]
	pm_t0=$(date +%s%N)
	nix_ping >/dev/null 2>"$TROOT/ping.err" ||
	    ${1:-fail} "ping: $(cat "$TROOT/ping.err")"
	ms=$((($(date +%s%N) - pm_t0) / 1000000))
}

# Another client is served within a second under the load a test
# made ($1 says what load): ping_ms, printed and checked.
ping_quick() {	# what [fail-function]
	ping_ms "$2"
	echo "ping $1: $ms ms"
	[ "$ms" -lt 1000 ] || ${2:-fail} "ping took $ms ms"
}

# Run a command as nobody: a user not in trusted-users (root alone by
# default), the untrusted client of the tests.
nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# store_init and store_start for a test of what root may do and nobody
# may not: setpriv to run as nobody, and root the one trusted user.
trust_store_start() {
	require_root
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	store_init
	echo 'trusted-users = root' >>"$CONF"
	store_start
}

# A python3 nobody can run: the system's (one installed under /root,
# say, is out of nobody's reach).
nobody_python() {
	if [ -x /usr/bin/python3 ]; then
		echo /usr/bin/python3
	else
		command -v python3
	fi
}

# The test's python script $1 run as nobody with arguments $2...: from a
# copy in the test root, beside the test's other h_*.py it may import,
# since the tree it came from may be out of nobody's reach too.
nobody_py() {	# script arg...
	np_script=$1
	shift
	[ -e "$TROOT/$np_script" ] || cp ./h_*.py "$TROOT/" ||
	    fail "cannot copy the h_*.py for nobody"
	nobody "$(nobody_python)" "$TROOT/$np_script" "$@"
}

# For tests of builderproc under its clients: rnixd started, the pid of
# builderproc in bpid, and a first ping served.
bp_start() {
	rnixd_start
	bpid=$(child_pid builderproc) || fail "no builderproc"
	nix_ping >/dev/null || fail "first ping"
}

# The number of descriptors process $1 (default builderproc) holds.
nfds() {	# [pid]
	ls "/proc/${1:-$bpid}/fd" | wc -l
}

# builderproc holds as many descriptors as $fds_before again within $1
# seconds (default 5; it closes a connection a moment after its
# client), or the test fails.
fds_back() {	# [seconds]
	wait_until "${1:-5}" fds_same ||
	    fail "builderproc fds: $(nfds), before: $fds_before"
}
fds_same() {
	[ "$(nfds)" -eq "$fds_before" ]
}

# A daemon for the tests of builderproc's memory budget: clients may
# take their time (no handshake or idle timeout closes them) and
# max-request-memory is $BUDGET; the settings given are added.  Then
# as bp_start.
budget_start() {	# [setting...]
	printf '%s\n' "handshake-timeout = 120" "idle-timeout = 0" \
	    "max-request-memory = $BUDGET" "$@" >>"$CONF"
	bp_start
}

# Field $1 (VmHWM, VmRSS) of builderproc's status, in kB.
kb() {	# field
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$bpid/status"
}

# builderproc's peak size so far (VmHWM, into $hwm) is within $limit
# kB, or the test ends through $1 (default fail).
hwm_check() {	# [fail-function]
	hwm=$(kb VmHWM)
	[ "$hwm" -le "$limit" ] ||
	    ${1:-fail} "builderproc VmHWM $hwm kB, limit $limit kB"
}

# builderproc still runs and serves nix store ping after $1.
bp_alive() {	# what
	kill -0 "$bpid" 2>/dev/null || fail "builderproc died after $1"
	nix_ping >/dev/null || fail "nix store ping after $1"
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

# store_init for a test that builds: build_conf's lines in the config.
build_store_init() {	# [setting...]
	store_init
	build_conf "$@"
}

# The options (REFOPTS, split into words) that make real Nix build in
# its sandbox as rnixd does: busybox as /bin/sh, the users of group $1.
ref_build_opts() {	# group
	REFOPTS="--option sandbox true --option build-users-group $1
    --option sandbox-paths /bin/sh=$BB"
}

# The reference for what a build through a daemon does: refdaemon_start
# with real Nix building in its sandbox as ref_build_opts says and the
# settings given (nix.conf lines); its store URI in REFD.
ref_build_daemon() {	# group [setting...]
	rbd_group=$1
	shift
	refdaemon_start 'sandbox = true' "build-users-group = $rbd_group" \
	    "sandbox-paths = /bin/sh=$BB" "$@"
	REFD="unix://$NSOCK?store=$STORE"
}

# The ladder of 40 diamonds of build/ and recursive/diamond.sh: the
# test's diamond.nix, salted by its pid, built within 60 s, and the
# daemon answering another client once the $1 of level 3 has started;
# the output in $out.
ladder_build() {	# what
	timeout 60 nix-build --no-out-link diamond.nix --argstr salt "$$" \
	    >"$TROOT/out" 2>"$TROOT/build.log" &
	lb_pid=$!
	wait_log "d3a.drv: build [0-9]* started" 30 ||
	    fail "no $1 of level 3: $(tail -n 3 "$TROOT/build.log")"
	timeout 5 nix store ping --store "unix://$SOCKET" >/dev/null 2>&1 ||
	    fail "the daemon did not answer another client during the build"
	wait $lb_pid || fail "the ladder did not build within 60 s:
$(tail -n 3 "$TROOT/build.log")"
	out=$(cat "$TROOT/out")
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

# File $2 holds what file $3 holds, or the test fails with $1, showing
# what differs from $3 to $2.
same_files() {	# what file expected-file
	cmp -s "$2" "$3" && return 0
	diff -u "$3" "$2"
	fail "$1"
}

# The messages of a build that failed through rnixd ($TROOT/$1.rnixd)
# and through the reference nix-daemon ($TROOT/$1.refd), as the test's
# own errtext reads them (into $1.rnixd.err and $1.refd.err): the same,
# and there are some.
same_daemon_errors() {	# name
	errtext "$TROOT/$1.rnixd" >"$TROOT/$1.rnixd.err"
	errtext "$TROOT/$1.refd" >"$TROOT/$1.refd.err"
	[ -s "$TROOT/$1.refd.err" ] || fail "$1: no error from nix-daemon"
	same_files "$1: the messages differ" "$TROOT/$1.rnixd.err" \
	    "$TROOT/$1.refd.err"
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

# The real nix-daemon on socket $2 serving store URI $3 (a local
# store), its output added to file $4, with $5 for NIX_CONFIG if given;
# its pid in variable $1 (for the test's exit to end it even if it
# fails here), then a wait for its socket.
nixd_spawn() {	# variable socket store log [nix.conf text]
	NIX_DAEMON_SOCKET_PATH="$2" NIX_REMOTE="$3" \
	    NIX_CONFIG="${5-$NIX_CONFIG}" nix-daemon >>"$4" 2>&1 &
	eval "$1=\$!"
	wait_until 10 test -S "$2" || fail "nix-daemon did not get ready"
}

# The real nix-daemon in the foreground on socket $1 serving store URI
# $2 (a local store); its pid in RNIXD_PID so rnixd_stop ends it too.
nixdaemon_start() {
	nixd_spawn RNIXD_PID "$1" "$2" "$TROOT/rnixd.log"
}

# The real nix-daemon on $REFSTORE at $NSOCK, beside rnixd: the reference
# a test's requests are compared with, with the nix.conf lines given
# (else the test's NIX_CONFIG).  Ended when the test exits.
refdaemon_start() {	# [nix.conf line...]
	NSOCK="$TROOT/nixsock"
	trap refdaemon_exit EXIT
	if [ $# -gt 0 ]; then
		nixd_spawn NIXD "$NSOCK" "$REFSTORE" "$TROOT/nix-daemon.log" \
		    "$(printf '%s\n' "$@")"
	else
		nixd_spawn NIXD "$NSOCK" "$REFSTORE" "$TROOT/nix-daemon.log"
	fi
}

refdaemon_exit() {
	rc=$?
	if [ -n "$NIXD" ]; then
		kill $NIXD 2>/dev/null
		wait $NIXD
	fi
	(exit $rc)
	test_cleanup
}

# Skip unless the hard limit on open descriptors allows $1.
need_nofile() {	# count
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$1" ] ||
	    skip "needs a hard descriptor limit of $1 or more"
}

# The lines in the daemon's log.
nloglines() {
	wc -l <"$TROOT/rnixd.log"
}

# The two h_flood.py "hold" clients of daemon/ and recursive/flood.sh
# ($fpid1 and $fpid2, writing $out.1 and $out.2).  flood_hold starts
# them on socket $1, as user $2 if given, with 10,000 connections each
# (the hard descriptor limit may be 20,000), and returns once both have
# opened all; flood_fail ends them with the test; flood_stop tells them
# to stop and expects each to find every one of its connections closed
# by the handshake timeout.
flood_hold() {	# socket [user]
	python3 "$RNIXD_TOP/regress/daemon/h_flood.py" hold "$1" 10000 \
	    "$out.1" ${2:+"$2"} &
	fpid1=$!
	python3 "$RNIXD_TOP/regress/daemon/h_flood.py" hold "$1" 10000 \
	    "$out.2" ${2:+"$2"} &
	fpid2=$!
	wait_until 60 flood_opened || flood_fail "the flood did not finish"
	echo "flood: $(cat "$out.1" "$out.2")"
	[ "$(cat "$out.1" "$out.2")" = "opened 10000
opened 10000" ] || flood_fail "flood: $(cat "$out.1" "$out.2")"
}

# Both flood clients have reported.  Meanwhile both must run, and the
# log not grow by 1000 lines past $lines_before: a log that grows
# without bound would fill the disk.
flood_opened() {
	exists "$out.1" "$out.2" && return 0
	kill -0 $fpid1 && kill -0 $fpid2 || flood_fail "a flood client failed"
	[ $(($(nloglines) - lines_before)) -gt 1000 ] &&
	    flood_fail "the log grows: $(tail -n 3 "$TROOT/rnixd.log")"
	return 1
}

flood_fail() {
	kill $fpid1 $fpid2 2>/dev/null
	fail "$@"
}

flood_stop() {
	touch "$out.1.stop" "$out.2.stop"
	wait_until 10 exists "$out.1.stop.done" "$out.2.stop.done" ||
	    flood_fail "the flood clients did not stop"
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

# Copy regress/store/drvs.nix with the sources it names into
# $TROOT/src; its path there in nixf.
drvs_setup() {
	ds_dir="$TROOT/src"
	mkdir -p "$ds_dir/drvs-src/tree/sub"
	cp "$RNIXD_TOP/regress/store/drvs.nix" "$ds_dir/"
	printf 'hello\n' >"$ds_dir/drvs-src/hello.txt"
	printf 'a\n' >"$ds_dir/drvs-src/tree/a"
	printf '#!/bin/sh\n' >"$ds_dir/drvs-src/tree/sub/run"
	chmod 755 "$ds_dir/drvs-src/tree/sub/run"
	ln -s ../a "$ds_dir/drvs-src/tree/sub/link"
	nixf="$ds_dir/drvs.nix"
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
	child_named "$(child_pid mountproc)" rnixd-spawner
}

# The guard is the spawner's child, named rnixd-guard.
guard_pid() {
	child_named "$(spawner_pid)" rnixd-guard
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
