#!/bin/sh
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

# Issue 10 item 3: every setting of rnixd.conf(5), each through a
# started daemon that then builds (a C library call outside a child's
# seccomp list kills it, and max-jobs = auto did: sched_getaffinity).
# Each configuration is used twice: read at start, and pushed to the
# children by SIGHUP (parsed there under their filters).  Limits that
# act on a build (timeout, max-silent-time) are made to fire.  After
# each, the daemon still serves with the children it started.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build
test_init
cp "$CONF" "$TROOT/base.conf"
export NIX_REMOTE="unix://$SOCKET?store=$TROOT/nix/store"
NBUILD=0

# Each line: a configuration (settings separated by ';'), then '|' and
# what its build must do: "ok cores N", "ok", or "fail WORDS".  With
# cores = 0 a build gets what the client asks for (--cores 3).
cat >"$TROOT/cases" <<EOT
max-jobs = auto|ok cores 3
max-jobs = auto; cores = 0|ok cores 3
max-jobs = 3; cores = 5|ok cores 5
max-jobs = 65535; cores = 65535|ok cores 65535
cores = 2|ok cores 2
timeout = 1|fail timed out
max-silent-time = 1|fail of silence
timeout = 60; max-silent-time = 60|ok
trusted-users = root @wheel nobody; allowed-users = root @hbld2 *|ok
allowed-users = *|ok
sandbox-paths = /bin/sh=$BB /usr /nonexistent? /etc/services=/etc/services|ok
experimental-features = ca-derivations flakes impure-derivations nix-command no-url-literals recursive-nix|ok
system-features = kvm big-parallel benchmark nixos-test|ok
store-user = _rnixd; builder-user = _rnixd-builder; mount-user = _rnixd-mount; build-users-group = $BUILD_GROUP|ok
max-jobs = auto; cores = 7; timeout = 100; max-silent-time = 100; system-features = ; experimental-features = recursive-nix|ok cores 7
max-connections-per-user = 2; max-connections-per-build = 1; handshake-timeout = 5; idle-timeout = 30; max-request-memory = 33554432|ok
EOT

write_conf() {	# settings
	cp "$TROOT/base.conf" "$CONF"
	echo "sandbox-paths = /bin/sh=$BB" >>"$CONF"
	echo "$1" | tr ';' '\n' | sed 's/^ *//' >>"$CONF"
}

# The daemon and each of its children still up, none replaced.
daemon_intact() {	# what
	kill -0 "$RNIXD_PID" 2>/dev/null || fail "$1: daemon died"
	# Only this daemon's lines: a stop may log a sibling's exit.
	tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" >"$TROOT/since"
	grep -q "lost child" "$TROOT/since" &&
	    fail "$1: $(grep "lost child" "$TROOT/since")"
	[ "$(pgrep -P "$RNIXD_PID" | sort)" = "$CHILDREN" ] ||
	    fail "$1: children changed"
	nix_ping >/dev/null 2>&1 || fail "$1: no service"
}

try_build() {	# what expected
	NBUILD=$((NBUILD + 1))
	sleep=0
	case $2 in fail*) sleep=5 ;; esac
	if out=$(nix-build --no-out-link --cores 3 confbuild.nix --argstr \
	    salt "$$-$NBUILD" --argstr sleep $sleep 2>"$TROOT/build.log"); then
		case $2 in
		fail*)	fail "$1: the build did not fail" ;;
		"ok cores"*)
			[ "$(cat "$out")" = "${2#ok }" ] ||
			    fail "$1: got '$(cat "$out")', expected '${2#ok }'"
			;;
		esac
	else
		case $2 in
		fail*)	grep -q "${2#fail }" "$TROOT/build.log" ||
			    fail "$1: $(tail -n 3 "$TROOT/build.log")" ;;
		*)	fail "$1: $(tail -n 5 "$TROOT/build.log")" ;;
		esac
	fi
	daemon_intact "$1"
}

while IFS='|' read -r settings expect; do
	echo "$settings: start"
	write_conf "$settings"
	"$RNIXD" -n -f "$CONF" >/dev/null 2>&1 || fail "$settings: rnixd -n"
	rnixd_start
	CHILDREN=$(pgrep -P "$RNIXD_PID" | sort)
	try_build "$settings (start)" "$expect"
	rnixd_stop

	echo "$settings: SIGHUP"
	write_conf ""
	rnixd_start
	CHILDREN=$(pgrep -P "$RNIXD_PID" | sort)
	write_conf "$settings"
	log_mark
	kill -HUP "$RNIXD_PID"
	wait_log "configuration reloaded" 10 || fail "$settings: not reloaded"
	try_build "$settings (reload)" "$expect"
	rnixd_stop
done <"$TROOT/cases"
echo "$NBUILD builds, each daemon intact: ok"
echo ok
