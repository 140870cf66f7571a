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

# make install into a staging directory and make uninstall out of it:
# modes, files, the sbin/../libexec/rnixd layout rnixd relies on to find
# its children, the admin's rnixd.conf never overwritten, the unit, and
# the installed programs working from there.  As root, the installed
# daemon is also started and pinged.
. "$RNIXD_TOP/regress/lib.sh"
test_init
unset SBINDIR LIBEXECDIR MANDIR DESTDIR
DEST=$TROOT/dest
P=$DEST/usr/local
CHILDREN="rnixd-storeproc rnixd-builderproc rnixd-mountproc rnixd-spawner"

mk() {
	make -C "$RNIXD_TOP" --no-print-directory PREFIX=/usr/local "$@"
}

mode_is() {	# file mode
	[ -f "$1" ] || fail "not installed: $1"
	m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || fail "$1: mode $m, expected $2"
}

mk install DESTDIR="$DEST" >"$TROOT/install.out" 2>&1 ||
    fail "make install: $(cat "$TROOT/install.out")"
grep -q "no users created" "$TROOT/install.out" ||
    fail "a staged install did not say it creates no users"

mode_is "$P/sbin/rnixd" 555
cmp -s "$RNIXD_OBJ/bin/rnixd" "$P/sbin/rnixd" || fail "sbin/rnixd differs"
for c in $CHILDREN; do
	# The very path rnixd computes from its own location.
	f=$P/sbin/../libexec/rnixd/$c
	mode_is "$f" 555
	cmp -s "$RNIXD_OBJ/libexec/rnixd/$c" "$f" || fail "$c differs"
done
echo "programs, modes and sbin/../libexec/rnixd layout: ok"

npages=0
for page in "$RNIXD_TOP"/man/*.[1-9]; do
	[ -e "$page" ] || continue
	f=$P/share/man/man${page##*.}/${page##*/}
	mode_is "$f" 444
	cmp -s "$page" "$f" || fail "$f differs"
	npages=$((npages + 1))
done
for page in man5/rnixd.conf.5 man7/rnixd-recursive.7 man8/rnixd.8; do
	[ -f "$P/share/man/$page" ] || fail "$page not installed"
done
echo "$npages manual pages: ok"

mode_is "$DEST/etc/rnixd.conf" 644
cmp -s "$RNIXD_TOP/etc/rnixd.conf" "$DEST/etc/rnixd.conf" ||
    fail "etc/rnixd.conf differs from the example"
out=$("$P/sbin/rnixd" -n -f "$DEST/etc/rnixd.conf" 2>&1) ||
    fail "installed rnixd -n: $out"
[ "$out" = "configuration OK" ] || fail "installed rnixd -n printed '$out'"
echo "installed rnixd -n on the installed rnixd.conf: ok"

for c in $CHILDREN; do
	out=$("$P/libexec/rnixd/$c" 2>&1 3>&-) &&
	    fail "$c started by hand exited 0: $out"
	echo "$out" | grep -q "must be started by rnixd" ||
	    fail "$c by hand said: $out"
done
echo "children refuse to run by hand: ok"

UNIT=$DEST/lib/systemd/system/rnixd.service
mode_is "$UNIT" 644
grep -q "^ExecStart=/usr/local/sbin/rnixd -d$" "$UNIT" ||
    fail "unit lacks ExecStart=/usr/local/sbin/rnixd -d"
grep -q "^Conflicts=.*nix-daemon.socket" "$UNIT" ||
    fail "unit does not conflict with nix-daemon.socket"
grep -q "@[A-Z]*@" "$UNIT" && fail "unit has an unsubstituted @VAR@"
if command -v systemd-analyze >/dev/null; then
	# Point the unit at the staged programs and man pages, so that
	# verify checks they exist.
	mkdir "$TROOT/unit"
	sed "s|=/usr/local/sbin/|=$P/sbin/|" "$UNIT" \
	    >"$TROOT/unit/rnixd.service"
	MANPATH=$P/share/man systemd-analyze verify \
	    "$TROOT/unit/rnixd.service" || fail "systemd-analyze verify"
	echo "unit, systemd-analyze verify: ok"
else
	echo "unit: ok (systemd-analyze not installed, not verified)"
fi

# A second install keeps the administrator's configuration.
echo "max-jobs = 3	# mine" >>"$DEST/etc/rnixd.conf"
mk install DESTDIR="$DEST" >"$TROOT/install2.out" 2>&1 ||
    fail "second make install: $(cat "$TROOT/install2.out")"
grep -q "max-jobs = 3	# mine" "$DEST/etc/rnixd.conf" ||
    fail "reinstall overwrote rnixd.conf"
grep -q "rnixd.conf exists, not overwritten" "$TROOT/install2.out" ||
    fail "reinstall did not say it kept rnixd.conf"
echo "reinstall keeps rnixd.conf: ok"

# LIBEXECDIR elsewhere than sbin/../libexec/rnixd: refused, nothing put.
mk install DESTDIR="$TROOT/bad" LIBEXECDIR=/usr/lib/rnixd \
    >"$TROOT/bad.out" 2>&1 && fail "install with a split layout succeeded"
grep -q "looks for its children in /usr/local/libexec/rnixd" \
    "$TROOT/bad.out" || fail "split layout: $(cat "$TROOT/bad.out")"
[ -e "$TROOT/bad" ] && fail "split layout installed something"
echo "split layout refused: ok"

if [ "$(id -u)" -eq 0 ]; then
	getent passwd _rnixd-mount >/dev/null ||
	    sh "$RNIXD_TOP/mk/users.sh" >/dev/null || fail "cannot create users"
	RNIXD=$P/sbin/rnixd
	rnixd_start
	out=$(nix_ping 2>&1) || fail "nix store ping, installed daemon: $out"
	for c in store builder mount; do
		pid=$(child_pid "${c}proc") || fail "no ${c}proc"
		exe=$(readlink "/proc/$pid/exe")
		[ "$exe" = "$P/libexec/rnixd/rnixd-${c}proc" ] ||
		    fail "${c}proc runs $exe"
	done
	rnixd_stop
	echo "installed daemon runs its installed children, answers: ok"
else
	echo "not root: installed daemon not started"
fi

mk uninstall DESTDIR="$DEST" >"$TROOT/uninstall.out" 2>&1 ||
    fail "make uninstall: $(cat "$TROOT/uninstall.out")"
left=$(cd "$DEST" && find . -type f)
[ "$left" = "./etc/rnixd.conf" ] || fail "uninstall left: $left"
[ -n "$(cd "$DEST" && find . -type l)" ] &&
    fail "uninstall left links: $(cd "$DEST" && find . -type l)"
[ -e "$P/libexec/rnixd" ] && fail "uninstall left libexec/rnixd"
echo "uninstall removes all but rnixd.conf: ok"
