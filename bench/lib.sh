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

# Sourced by bench/build.sh, bench/recursive.sh and bench/store.sh:
# rnixd and the real nix-daemon 2.8 side by side, both as root in the
# foreground, each on a private root of its own in one scratch
# directory, for the same client to drive in the same run; the timing
# and the report they share.
#
# Set before bench_start (the build benchmarks; bench/store.sh writes
# its own configuration and calls bench_daemons): TOP, RNIXD (the rnixd
# to run), JOBS (max-jobs of both), SANDBOX_PATHS (sandbox-paths of
# both); BENCH_NIX_CONF and BENCH_RNIXD_CONF, lines added to nix.conf
# (read by the client and by nix-daemon) and to rnixd.conf.  Both
# daemons build as the users of $GROUP: RNIXD_BUILD_GROUP, or nixbld.

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
	bench_rnixd_conf "build-users-group = $GROUP" \
	    "sandbox-paths = $SANDBOX_PATHS" "max-jobs = $JOBS" \
	    "${BENCH_RNIXD_CONF:-}"
	bench_daemons "$1"
}

# bench_rnixd_conf [line...]: $T/rnixd.conf, rnixd's root in $T/r (as
# nix-daemon's is in $T/n: store dirs of the same length, so both
# stores' paths are the same size) and the lines given.
bench_rnixd_conf() {
	{
		cat <<EOT
store-dir = $T/r/nix/store
state-dir = $T/r/nix/var/nix
log-dir = $T/r/nix/var/log/nix
daemon-socket = $T/r/socket
EOT
		printf '%s\n' "$@"
	} >"$T/rnixd.conf"
}

# bench_daemons name: rnixd on $T/rnixd.conf and nix-daemon on $T/n,
# both answering; their stores in $R, $N.
bench_daemons() {
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

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%8.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%6.2f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# What the benchmarks find: status 1 on a wrong answer, and the targets
# missed, "|label: why" each.
status=0 misses=""

# bench_target label rnixd-ns nix-ns target: a miss if the ratio of the
# two times is above the target.
bench_target() {
	awk -v a="$2" -v b="$3" -v t="$4" 'BEGIN { exit !(a / b > t) }' &&
	    misses="$misses|$1: ratio above $4"
}

# bench_report what: the targets missed, or that every "what" target
# was met (if every answer was right too); exits with the status.
bench_report() {
	if [ -n "$misses" ]; then
		echo "$misses" | tr '|' '\n' | sed '/^$/d; s/^/target missed: /'
	elif [ $status -eq 0 ]; then
		echo "$1 targets met"
	fi
	exit $status
}
