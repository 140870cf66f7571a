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

# The sandbox as real Nix 2.8 makes it, and ours: the same builders
# (busybox as /bin/sh) print what they see; the outputs must be equal,
# byte for byte for "det", and after masking times (and the link
# count of /proc, which counts the host's processes) for "probe".
# Not compared: Seccomp_filters in /proc/self/status (rnixd's builder
# has two, the spawner's and its own; Nix's one), /proc/self/mountinfo.
# Real Nix runs with --store <dir> (logical store dir /nix/store); the
# harness binds the same real store at /nix/store, so paths agree.
. "$RNIXD_TOP/regress/lib.sh"
H="$RNIXD_OBJ/regress/sandbox-build/h_sandbox"

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v nix-build >/dev/null || skip "needs nix-build (nix-bin)"
BB=$(command -v busybox) && [ -x "$BB" ] || skip "needs busybox-static"
getent group nixbld >/dev/null || skip "needs group nixbld"
[ -x "$H" ] || fail "$H not built"
BUID=$(id -u nixbld1) BGID=$(getent group nixbld | cut -d: -f3)

T=$(mktemp -d /var/tmp/sandbox-build.XXXXXX) || fail mktemp
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi' EXIT
mkdir "$T/conf" "$T/out" && mkdir -m 700 "$T/builds"
export NIX_CONF_DIR="$T/conf"
unset NIX_REMOTE NIX_CONFIG
NIXOPTS="--store $T/nix --option sandbox true --option build-users-group nixbld
    --option sandbox-paths /bin/sh=$BB --option substituters ''
    --option cores 2"

# The link count of /proc follows the number of processes on the host,
# and its width moves the columns of ls -l: mask it and squeeze blanks.
mask() {
	sed -E -e 's/[A-Z][a-z]{2} [ 0-9][0-9] +([0-9]{2}:[0-9]{2}|[0-9]{4})/DATE/' \
	    -e 's/^(dr-xr-xr-x +)[0-9]+( .* proc)$/\1N\2/' -e 's/  +/ /g' "$1"
}

for attr in det probe; do
	echo "build $attr with nix-build and with h_sandbox"
	drv=$(eval nix-instantiate $NIXOPTS -A $attr probe.nix 2>/dev/null) ||
	    fail "nix-instantiate $attr"
	out=$(eval nix-build $NIXOPTS -A $attr probe.nix --no-out-link \
	    2>"$T/nix.$attr.log") || fail "nix-build $attr: $(cat $T/nix.$attr.log)"
	# Did Nix really sandbox?  Its builder sees its own uid 1000.
	grep -q 'uid=1000(nixbld)' "$T/nix$out" 2>/dev/null ||
	    [ $attr = probe ] || fail "real Nix did not sandbox"
	"$H" -B "$T/builds" -s /nix/store -r "$T/nix/nix/store" -u $BUID \
	    -g $BGID -c 2 -F -K -p /bin/sh=$BB -o "$T/out" "$T/nix$drv" \
	    >"$T/h.$attr.log" 2>&1 || fail "h_sandbox $attr: $(cat $T/h.$attr.log)"
	base=${out##*/}
	[ -f "$T/out/$base" ] || fail "$attr: no output from h_sandbox"
	case $attr in
	det)
		cmp "$T/nix$out" "$T/out/$base" ||
		    { diff -u "$T/nix$out" "$T/out/$base"; fail "det differs"; }
		grep -q '^stdout tty: yes$' "$T/out/$base" ||
		    fail "stdout is not a tty"
		grep -q '^NoNewPrivs:.1$' "$T/out/$base" || fail "no NNP"
		;;
	probe)
		mask "$T/nix$out" >"$T/a" && mask "$T/out/$base" >"$T/b"
		diff -u "$T/a" "$T/b" || fail "probe differs after masking"
		;;
	esac
	grep -q '^built$' "$T/h.$attr.log" || fail "$attr: log not forwarded"
	ls "$T/builds" | grep -q . && fail "build dir left behind"
done
pgrep -u $BUID >/dev/null && fail "processes of the build user left"
echo ok
