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

# 50 clients at once (h_conc.py: adds of distinct and identical content
# by all three add ops, then queries), while 20 nix-store --add and 10
# nix path-info run beside them: every result right, every path valid
# and intact afterwards, the DB consistent, no temp file left.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start

# The paths h_conc.py computes agree with real Nix.
printf 'every client adds this\n' >"$TROOT/src/shared"
a=$(on_ref nix-store --add "$TROOT/src/shared")
b=$(python3 -c 'import sys, wp
print(wp.source_path(sys.argv[1], wp.nar_file(b"every client adds this\n"),
    "shared"))' "$STORE")
[ "$a" = "$b" ] || fail "wp.py computes $b, real Nix $a"

on_rnixd nix path-info --all >/dev/null || fail "path-info"	# DB made

mkdir -p "$TROOT/src/cli"
for i in $(seq 1 20); do
	printf 'cli %s\n' $((i % 10)) >"$TROOT/src/cli/c$i"
done
python3 h_conc.py "$SOCKET" "$STORE" 50 >"$TROOT/conc.out" 2>"$TROOT/conc.err" &
conc=$!
pids=""
for i in $(seq 1 20); do
	on_rnixd nix-store --add "$TROOT/src/cli/c$i" >"$TROOT/cli.$i" \
	    2>"$TROOT/cli-err.$i" &
	pids="$pids $!"
done
for i in $(seq 1 10); do
	on_rnixd nix path-info --all >/dev/null 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "a nix client failed: $(cat "$TROOT"/cli-err.*)"
done
wait $conc || fail "h_conc.py: $(cat "$TROOT/conc.err")"
[ "$(wc -l <"$TROOT/conc.out")" -eq 152 ] ||
    fail "expected 152 distinct paths, got $(wc -l <"$TROOT/conc.out")"
echo "50 protocol clients and 30 CLI clients at once: all results right: ok"

for i in $(seq 1 20); do
	p=$(cat "$TROOT/cli.$i")
	q=$(on_ref nix-store --add "$TROOT/src/cli/c$i")
	[ "$p" = "$q" ] || fail "nix-store --add c$i: $p, real Nix $q"
	echo "$p" >>"$TROOT/conc.out"
done
for p in $(sort -u "$TROOT/conc.out"); do
	on_rnixd nix-store --verify-path "$p" || fail "$p not intact"
done
n=$(dbq "$DB" 'select count(*) from ValidPaths')
[ "$n" -eq $(($(sort -u "$TROOT/conc.out" | wc -l))) ] ||
    fail "$n paths registered, expected $(sort -u "$TROOT/conc.out" | wc -l)"
out=$(on_rnixd nix-store --verify --check-contents 2>&1) ||
    fail "--verify --check-contents: $out"
db_integrity
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
echo "afterwards: every path valid and intact, DB ok, no temp file: ok"
