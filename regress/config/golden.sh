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

# Golden tests of rnixd.conf parsing through h_config, which does what
# "rnixd -n" and "rnixd -nv" do:
#  - good/*.conf: "h_config -v" output (the canonical form) equals
#    good/*.ok, and the canonical form parses back to itself;
#  - bad/*.conf: exit 1, nothing on stdout, stderr equals bad/*.err;
#  - etc/rnixd.conf is valid and states exactly the defaults;
#  - every config in the EXAMPLES of man/rnixd.conf.5 is valid.
# UPDATE=1 sh golden.sh rewrites the .ok and .err files: review the diff
# before committing them.

TOP=${RNIXD_TOP:-$(cd ../.. && pwd)}
OBJ=${RNIXD_OBJ:-$TOP/obj}
H=$OBJ/regress/config/h_config
UPDATE=${UPDATE:-}

[ -x "$H" ] || { echo "$H is not built: run make regress"; exit 1; }
tmp=$(mktemp -d /tmp/rnixd-config.XXXXXX) || exit 1
nfail=0

fail() {
	echo "FAIL: $*"
	nfail=$((nfail + 1))
}

# compare golden got: diff, or with UPDATE=1 replace the golden file.
compare() {
	if [ -n "$UPDATE" ]; then
		cmp -s "$1" "$2" || { cp "$2" "$1"; echo "updated $1"; }
	elif diff -u "$1" "$2"; then
		echo "ok $1"
	else
		fail "$1 differs"
	fi
}

for conf in good/*.conf; do
	ok=${conf%.conf}.ok
	if ! "$H" -v "$conf" >"$tmp/out" 2>"$tmp/err"; then
		fail "$conf rejected:"
		cat "$tmp/err"
		continue
	fi
	[ -s "$tmp/err" ] && fail "$conf: stderr: $(cat "$tmp/err")"
	if [ ! -e "$ok" ] && [ -z "$UPDATE" ]; then
		fail "$ok missing"
		continue
	fi
	compare "$ok" "$tmp/out"
	# The canonical form is a configuration that prints as itself.
	if ! "$H" -v "$tmp/out" >"$tmp/again" 2>"$tmp/err"; then
		fail "$conf: canonical form rejected: $(cat "$tmp/err")"
	elif ! cmp -s "$tmp/out" "$tmp/again"; then
		fail "$conf: canonical form prints differently"
		diff -u "$tmp/out" "$tmp/again"
	fi
done

for conf in bad/*.conf; do
	want=${conf%.conf}.err
	"$H" "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || { fail "$conf: exit $rc, expected 1"; continue; }
	[ -s "$tmp/out" ] && fail "$conf: stdout: $(cat "$tmp/out")"
	if [ ! -e "$want" ] && [ -z "$UPDATE" ]; then
		fail "$want missing"
		continue
	fi
	compare "$want" "$tmp/err"
done

# The example file documents the defaults: it must not drift from them.
: >"$tmp/empty.conf"
"$H" -v "$tmp/empty.conf" >"$tmp/defaults" || fail "empty config rejected"
if ! "$H" -v "$TOP/etc/rnixd.conf" >"$tmp/example" 2>"$tmp/err"; then
	fail "etc/rnixd.conf rejected:"
	cat "$tmp/err"
elif diff -u "$tmp/defaults" "$tmp/example"; then
	echo "ok etc/rnixd.conf"
else
	fail "etc/rnixd.conf does not state the defaults"
fi

# Each literal block of the man page's EXAMPLES section is a config.
awk -v dir="$tmp" '
/^\.Sh / { inex = ($2 == "EXAMPLES"); next }
inex && /^\.Bd -literal/ { n++; out = dir "/man" n ".conf"; inblk = 1;
	printf "" > out; next }
inblk && /^\.Ed/ { inblk = 0; close(out); next }
inblk { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print > out }
' "$TOP/man/rnixd.conf.5"
nex=0
for conf in "$tmp"/man*.conf; do
	[ -e "$conf" ] || continue
	nex=$((nex + 1))
	if "$H" "$conf" 2>"$tmp/err" &&
	    [ "$(cat "$tmp/err")" = "configuration OK" ]; then
		echo "ok rnixd.conf.5 example $nex"
	else
		fail "rnixd.conf.5 example $nex rejected:"
		cat "$tmp/err"
		cat "$conf"
	fi
done
[ $nex -gt 0 ] || fail "no examples found in man/rnixd.conf.5"

if [ $nfail -gt 0 ]; then
	echo "$nfail failed; scratch in $tmp"
	exit 1
fi
rm -rf "$tmp"
exit 0
