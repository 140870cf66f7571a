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

# Install or uninstall rnixd; run by "make install" and "make uninstall".
# Usage: mk/install.sh [-u] destdir sbindir libexecdir mandir
#
# Installs what "make all" built, never builds anything itself, and
# never starts, stops, enables or reloads a service.  With an empty
# destdir, as root, it also creates the system users (mk/users.sh): a
# daemon without its users refuses to start.  A staged install
# (destdir set, as for a package) creates no users: the target host
# does that.  Uninstalling keeps the configuration, the users and the
# store.
set -e
cd "$(dirname "$0")/.."

uninstall=0
if [ "$1" = "-u" ]; then
	uninstall=1
	shift
fi
if [ $# -ne 4 ]; then
	echo "usage: mk/install.sh [-u] destdir sbindir libexecdir mandir" >&2
	exit 1
fi
DESTDIR=$1 SBINDIR=${2%/} LIBEXECDIR=${3%/} MANDIR=${4%/}

CHILDREN="rnixd-storeproc rnixd-builderproc rnixd-mountproc rnixd-spawner
rnixd-builtin"
CONF=$DESTDIR/etc/rnixd.conf
# The unit goes where packages put theirs (on Debian 12 /lib is
# /usr/lib), not in /etc/systemd/system: that directory is the
# administrator's, whose files override ours and whose drop-ins
# (rnixd.service.d/) survive a reinstall that replaces our unit.
UNITDIR=$DESTDIR/lib/systemd/system

run() {
	echo "$*"
	"$@"
}

# rnixd finds its children at <dir of rnixd>/../libexec/rnixd, so the
# two directories must share a parent.
check_layout() {
	want=$(dirname "$SBINDIR")
	want=${want%/}/libexec/rnixd
	[ "$want" = "$LIBEXECDIR" ] && return 0
	echo "install: rnixd in $SBINDIR looks for its children in $want," \
	    "not in LIBEXECDIR=$LIBEXECDIR" >&2
	echo "install: set PREFIX, or SBINDIR and LIBEXECDIR under one" \
	    "directory" >&2
	exit 1
}

check_built() {
	for f in obj/bin/rnixd $(for c in $CHILDREN; do
	    echo "obj/libexec/rnixd/$c"; done); do
		[ -x "$f" ] && continue
		echo "install: $f is missing; run make first" >&2
		exit 1
	done
}

install_unit() {
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	sed "s|@SBINDIR@|$SBINDIR|g" etc/rnixd.service >"$tmp"
	run install -d -m 0755 "$UNITDIR"
	echo "install -m 0644 etc/rnixd.service $UNITDIR/rnixd.service"
	install -m 0644 "$tmp" "$UNITDIR/rnixd.service"
}

# Every page in man/, in the section its name ends with.
install_man() {
	for page in man/*.[1-9]; do
		[ -e "$page" ] || continue
		sect=${page##*.}
		run install -d -m 0755 "$DESTDIR$MANDIR/man$sect"
		run install -m 0444 "$page" "$DESTDIR$MANDIR/man$sect/"
	done
}

# The example holds the defaults, so an absent file and a fresh copy
# mean the same; an existing file is the administrator's.
install_conf() {
	if [ -e "$CONF" ]; then
		echo "install: $CONF exists, not overwritten;" \
		    "the example is etc/rnixd.conf"
		return 0
	fi
	run install -d -m 0755 "$DESTDIR/etc"
	run install -m 0644 etc/rnixd.conf "$CONF"
}

install_users() {
	if [ -n "$DESTDIR" ]; then
		echo "install: DESTDIR set, no users created;" \
		    "run mk/users.sh as root on the target host"
	elif [ "$(id -u)" -ne 0 ]; then
		echo "install: not root, no users created;" \
		    "run mk/users.sh as root" >&2
	else
		sh mk/users.sh
	fi
}

do_install() {
	check_layout
	check_built
	run install -d -m 0755 "$DESTDIR$SBINDIR" "$DESTDIR$LIBEXECDIR"
	run install -m 0555 obj/bin/rnixd "$DESTDIR$SBINDIR/rnixd"
	for c in $CHILDREN; do
		run install -m 0555 "obj/libexec/rnixd/$c" \
		    "$DESTDIR$LIBEXECDIR/$c"
	done
	install_man
	install_conf
	install_unit
	install_users
	echo "install: done; nothing was started or enabled." \
	    "Stop nix-daemon first: both use its socket path."
}

do_uninstall() {
	run rm -f "$DESTDIR$SBINDIR/rnixd"
	for c in $CHILDREN; do
		run rm -f "$DESTDIR$LIBEXECDIR/$c"
	done
	# The directory is ours alone; leave it if someone put files there.
	rmdir "$DESTDIR$LIBEXECDIR" 2>/dev/null || true
	for page in man/*.[1-9]; do
		[ -e "$page" ] || continue
		run rm -f "$DESTDIR$MANDIR/man${page##*.}/${page##*/}"
	done
	run rm -f "$UNITDIR/rnixd.service"
	wants=$DESTDIR/etc/systemd/system/multi-user.target.wants
	if [ -L "$wants/rnixd.service" ]; then
		echo "uninstall: rnixd.service is still enabled;" \
		    "run systemctl disable rnixd" >&2
	fi
	echo "uninstall: kept $CONF, the users and the store"
}

if [ $uninstall -eq 1 ]; then
	do_uninstall
else
	do_install
fi
