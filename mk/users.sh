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

# Create the system users and groups rnixd needs, where missing:
# one user per child process, and the build users' group with members.
# Usage: mk/users.sh [number of build users, default 10]
set -e
nbuild=${1:-10}
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false

adduser_sys() {		# name comment
	getent passwd "$1" >/dev/null && return 0
	getent group "$1" >/dev/null || groupadd --system "$1"
	useradd --system --gid "$1" --no-create-home --home-dir /nonexistent \
	    --shell "$nologin" --comment "$2" "$1"
	echo "users: created $1"
}

adduser_sys _rnixd "rnixd store"
adduser_sys _rnixd-builder "rnixd worker-protocol sessions"
adduser_sys _rnixd-mount "rnixd sandbox mounts"

getent group nixbld >/dev/null || { groupadd --system nixbld;
    echo "users: created group nixbld"; }
i=1
while [ "$i" -le "$nbuild" ]; do
	if ! getent passwd "nixbld$i" >/dev/null; then
		useradd --system --gid nixbld --groups nixbld \
		    --no-create-home --home-dir /var/empty --shell "$nologin" \
		    --comment "Nix build user $i" "nixbld$i"
		echo "users: created nixbld$i"
	fi
	i=$((i + 1))
done
