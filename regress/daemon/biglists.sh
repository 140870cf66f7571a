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

# Issue 10 item 3: thousands of paths in every worker-protocol op that
# takes a list (h_biglists.py), and a build with thousands of inputs
# (mountproc and the spawner bind them).  Large inputs take the C
# library down paths small ones do not (qsort asks for the memory size,
# sysinfo(2)); a call outside a child's seccomp list kills it.  The
# daemon must serve afterwards with every child it started.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build
COUNT=${BIGLISTS_COUNT:-5000}
build_store_init
store_start
before=$(pgrep -P "$RNIXD_PID" | sort)
spawner=$(spawner_pid) || fail "no spawner"

# The daemon and each of its children still up, none replaced.
daemon_intact() {	# what
	kill -0 "$RNIXD_PID" 2>/dev/null || fail "$1: daemon died"
	grep -q "lost child" "$TROOT/rnixd.log" &&
	    fail "$1: $(grep "lost child" "$TROOT/rnixd.log")"
	[ "$(pgrep -P "$RNIXD_PID" | sort)" = "$before" ] ||
	    fail "$1: children changed"
	kill -0 "$spawner" 2>/dev/null || fail "$1: spawner died"
	nix_ping >/dev/null 2>&1 || fail "$1: no service"
}

python3 h_biglists.py "$SOCKET" "$STORE" "$COUNT" >"$TROOT/big.out" 2>&1 ||
    { cat "$TROOT/big.out"; daemon_intact "list ops"; fail "list ops"; }
cat "$TROOT/big.out"
daemon_intact "list ops"

echo "the real client: --delete and --add of $COUNT paths"
mkdir -p "$TROOT/src/many"
i=0
while [ $i -lt "$COUNT" ]; do
	echo "$i" >"$TROOT/src/many/f$i"
	i=$((i + 1))
done
on_rnixd nix-store --add "$TROOT"/src/many/* >"$TROOT/added" ||
    fail "nix-store --add of $COUNT files"
[ "$(wc -l <"$TROOT/added")" -eq "$COUNT" ] || fail "not $COUNT added"
on_rnixd nix-store --delete $(cat "$TROOT/added") >/dev/null 2>&1 ||
    fail "nix-store --delete of $COUNT paths"
daemon_intact "nix-store --delete"
echo "nix-store --delete $COUNT: ok"

echo "a build with $COUNT input sources"
on_rnixd nix-store --add "$TROOT"/src/many/* >"$TROOT/added" ||
    fail "nix-store --add of $COUNT files"
{
	echo 'let paths = ['
	sed 's/.*/"&"/' "$TROOT/added"
	echo ']; in derivation {'
	echo '  name = "many-inputs"; system = "x86_64-linux";'
	echo '  builder = "/bin/sh";'
	echo '  args = [ "-c" "n=0; for f in $NIX_STORE/*-f*; do n=$((n+1)); done; echo $n > $out" ];'
	echo '  # No variable holds them (execve limits one string); the'
	echo '  # empty strings keep each path as an input.'
	echo '  inputs = builtins.concatStringsSep "" (map (p:'
	echo '    builtins.substring 0 0 "${builtins.storePath p}") paths);'
	echo '}'
} >"$TROOT/src/many.nix"
out=$(on_rnixd nix-build --no-out-link "$TROOT/src/many.nix" \
    2>"$TROOT/many.log") || fail "build: $(tail -n 5 "$TROOT/many.log")"
[ "$(cat "$out")" -eq "$COUNT" ] ||
    fail "the builder saw $(cat "$out") inputs, not $COUNT"
daemon_intact "build with $COUNT inputs"
echo "build with $COUNT inputs: ok"
echo ok
