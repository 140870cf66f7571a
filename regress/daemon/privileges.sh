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

# The privilege table of rnixd.8 on a running daemon: each child's uid,
# capabilities, no_new_privs, seccomp mode and root directory.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init
rnixd_start

priv_check_table

# storeproc sees the store, state and log dirs and nothing else.
spid=$(child_pid storeproc)
mounts=$(awk '{ print $5 }' /proc/$spid/mountinfo | sort | tr '\n' ' ')
want=$(printf '%s\n' / "$TROOT/nix/store" "$TROOT/nix/var/nix" \
    "$TROOT/nix/var/log/nix" | sort | tr '\n' ' ')
[ "$mounts" = "$want" ] || fail "storeproc mounts: $mounts, expected $want"
echo "storeproc mounts: $mounts: ok"

# The parent alone stays root (priv_check_table); the socket is 0666
# for SO_PEERCRED checks.
[ "$(stat -c %a "$SOCKET")" = 666 ] || fail "socket mode $(stat -c %a "$SOCKET")"
[ "$(stat -c %U:%a "$STORE")" = "_rnixd:1775" ] ||
    fail "store dir $(stat -c %U:%a "$STORE"), expected _rnixd:1775"
nix_ping >/dev/null || fail "nix store ping failed"
echo "parent root, socket 0666, store _rnixd 1775, nix store ping: ok"

# Children get only their own descriptors: above stderr, sockets, pipes and
# event-loop inodes, never a file or directory left open by the parent;
# storeproc may also hold what it opened inside its own confined view,
# the spawner rnixd-builtin.
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
		*/libexec/rnixd/rnixd-builtin)
			# Run from this descriptor in builtin: builds.
			[ "$name" = spawner ] ||
			    fail "$name holds fd $n -> $target" ;;
		"$root"/*)
			[ "$name" = storeproc ] ||
			    fail "$name holds fd $n -> $target" ;;
		*) fail "$name holds fd $n -> $target" ;;
		esac
	done
done
echo "children hold only sockets and event inodes: ok"
