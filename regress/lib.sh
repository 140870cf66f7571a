# Shared code for daemon tests: a private root per test, rnixd -d on it,
# the real Nix client as peer.  Source it; call rnixd_start; the exit
# trap stops what was started and removes the root unless the test
# failed, in which case its path is printed.

: "${RNIXD_TOP:?run through regress/run}"
: "${RNIXD_OBJ:=$RNIXD_TOP/obj}"
RNIXD="$RNIXD_OBJ/bin/rnixd"
RNIXD_PID=""
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

test_cleanup() {
	rc=$?
	rnixd_stop
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
EOT
}

# Wait up to $2 seconds (default 10) for a line matching $1 in the log.
wait_log() {
	n=0
	while ! grep -q -- "$1" "$TROOT/rnixd.log" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt $((${2:-10} * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

rnixd_start() {
	"$RNIXD" -d -v -f "$CONF" "$@" >>"$TROOT/rnixd.log" 2>&1 &
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
