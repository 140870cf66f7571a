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

# Sourced by bench/build.sh and bench/recursive.sh: rnixd and the real
# nix-daemon 2.8 side by side, both as root in the foreground, each on
# a private root of its own in one scratch directory, for the same
# client to drive in the same run.
#
# Set before bench_start: TOP, RNIXD (the rnixd to run), JOBS (max-jobs
# of both), SANDBOX_PATHS (sandbox-paths of both); BENCH_NIX_CONF and
# BENCH_RNIXD_CONF, lines added to nix.conf (read by the client and by
# nix-daemon) and to rnixd.conf.  Both daemons build as the users of
# $GROUP: RNIXD_BUILD_GROUP, or nixbld.

GROUP=${RNIXD_BUILD_GROUP:-nixbld}
RPID="" NPID="" T=""

# bench_users name: rnixd's users and the build users' group exist.
bench_users() {
	if ! getent passwd _rnixd-mount >/dev/null ||
	    ! getent group "$GROUP" >/dev/null; then
		sh "$TOP/mk/users.sh" >/dev/null ||
		    { echo "$1: cannot create the users"; return 1; }
	fi
	getent group "$GROUP" >/dev/null ||
	    { echo "$1: no group $GROUP"; return 1; }
}

# shellcheck disable=SC2317
bench_cleanup() {
	for p in $RPID $NPID; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "$T" ]; then
		chmod -R u+w "$T" 2>/dev/null
		rm -rf "$T"
	fi
}

# bench_init tag: the scratch directory $T, removed on exit.
bench_init() {
	T=$(mktemp -d "${BENCH_DIR:-/var/tmp}/rnixd-$1.XXXXXX") || return 1
	chmod 755 "$T"
	trap bench_cleanup EXIT
	trap 'exit 1' INT TERM
	unset NIX_REMOTE NIX_STORE_DIR NIX_STATE_DIR NIX_PATH
	mkdir -p "$T/conf" "$T/cache" "$T/r" "$T/n" "$T/in"
	export NIX_CONF_DIR="$T/conf" XDG_CACHE_HOME="$T/cache"
}

# bench_start name: both daemons, answering; their stores in $R, $N.
bench_start() {
	cat >"$T/conf/nix.conf" <<EOT
substituters =
sandbox = true
build-users-group = $GROUP
sandbox-paths = $SANDBOX_PATHS
max-jobs = $JOBS
${BENCH_NIX_CONF:-}
EOT
	cat >"$T/rnixd.conf" <<EOT
store-dir = $T/r/nix/store
state-dir = $T/r/nix/var/nix
log-dir = $T/r/nix/var/log/nix
daemon-socket = $T/r/socket
build-users-group = $GROUP
sandbox-paths = $SANDBOX_PATHS
max-jobs = $JOBS
${BENCH_RNIXD_CONF:-}
EOT
	"$RNIXD" -d -f "$T/rnixd.conf" >"$T/rnixd.log" 2>&1 &
	RPID=$!
	ns="local?store=$T/n/nix/store&state=$T/n/nix/var/nix"
	NIX_DAEMON_SOCKET_PATH="$T/n/socket" \
	    NIX_REMOTE="$ns&log=$T/n/nix/var/log/nix" \
	    nix-daemon >"$T/nix-daemon.log" 2>&1 &
	NPID=$!
	R="unix://$T/r/socket?store=$T/r/nix/store"
	N="unix://$T/n/socket?store=$T/n/nix/store"
	for s in "$R" "$N"; do
		i=0
		until nix --extra-experimental-features nix-command \
		    store ping --store "$s" >/dev/null 2>&1; do
			i=$((i + 1))
			if [ $i -gt 100 ]; then
				echo "$1: $s does not answer"
				tail -5 "$T/rnixd.log" "$T/nix-daemon.log"
				return 1
			fi
			sleep 0.1
		done
	done
}
