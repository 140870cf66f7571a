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

# Garbage collection through rnixd against real Nix on the same inputs:
# the same roots (direct, indirect from --add-root), the same live and
# dead sets, --delete of live (refused, Nix's message) and dead paths,
# --gc with and without --max-freed; a temp root held by a live session
# protects its path until the session ends; stale indirect roots go.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
drvs_setup
L="$TROOT/links"
mkdir -p "$L" "$REF/var/nix/gcroots"

# Both stores get the same paths and the same roots.  Indirect roots
# share the user's link: both daemons record it under gcroots/auto.
both() {
	on_rnixd "$@" >/dev/null || fail "rnixd: $*"
	on_ref "$@" >/dev/null || fail "reference: $*"
}
both nix-instantiate "$nixf"
for i in 1 2 3 4 5 6; do
	head -c $((i * 3000)) /dev/urandom >"$TROOT/src/junk$i"
	printf 'content %s\n' "$i" >"$TROOT/src/file$i"
done
both nix-store --add "$TROOT"/src/junk* "$TROOT"/src/file*
both nix-instantiate --add-root "$L/top" "$nixf" -A top
both nix-instantiate --add-root "$L/fod" "$nixf" -A fod
both nix-instantiate --add-root "$L/lone" "$nixf" -A lone
f1=$(on_rnixd nix-store --add "$TROOT/src/file1")
f2=$(on_rnixd nix-store --add "$TROOT/src/file2")
ln -s "$f1" "$STATE/gcroots/direct1"
ln -s "$f1" "$REF/var/nix/gcroots/direct1"
mkdir -p "$STATE/gcroots/sub/deeper" "$REF/var/nix/gcroots/sub/deeper"
ln -s "$f2" "$STATE/gcroots/sub/deeper/direct2"
ln -s "$f2" "$REF/var/nix/gcroots/sub/deeper/direct2"
ln -s /nonexistent "$STATE/gcroots/dangling"
ln -s /nonexistent "$REF/var/nix/gcroots/dangling"
[ -n "$(ls "$STATE/gcroots/auto" 2>/dev/null)" ] ||
    fail "AddIndirectRoot made no gcroots/auto link"
[ "$(ls "$STATE/gcroots/auto")" = "$(ls "$REF/var/nix/gcroots/auto")" ] ||
    fail "auto links named differently: $(ls "$STATE/gcroots/auto") vs" \
    "$(ls "$REF/var/nix/gcroots/auto")"
echo "AddIndirectRoot: same gcroots/auto links: ok"

# Both print the same thing, once the state dirs are mapped.  The
# "hard linking saves" note depends on the size of the store's .links
# directory (real Nix says -0.00 MiB for an empty one): left out.
compare() {	# what command...
	what=$1
	shift
	on_rnixd "$@" 2>&1 | sed "s|$STATE/|STATE/|g; /^note: currently hard/d" |
	    sort >"$TROOT/c.rnixd"
	on_ref "$@" 2>&1 | sed "s|$REF/var/nix/|STATE/|g; /^note: currently hard/d" |
	    sort >"$TROOT/c.ref"
	cmp -s "$TROOT/c.rnixd" "$TROOT/c.ref" || fail "$what: rnixd:
$(cat "$TROOT/c.rnixd")
real Nix:
$(cat "$TROOT/c.ref")"
	[ -s "$TROOT/c.rnixd" ] || fail "$what: no output"
	echo "$what: $(wc -l <"$TROOT/c.rnixd") lines, same as real Nix: ok"
}
compare "--gc --print-roots" nix-store --gc --print-roots
compare "--gc --print-live" nix-store --gc --print-live
compare "--gc --print-dead" nix-store --gc --print-dead
grep -q -- "-top.drv$" "$TROOT/c.ref" && fail "top.drv among the dead"
grep -q -- "-junk1$" "$TROOT/c.ref" || fail "junk1 not dead"

# --delete: a live path is refused with Nix's message, a dead one goes.
strip() { sed 's/\x1b\[[0-9;]*m//g'; }
out=$(on_rnixd nix-store --delete "$f1" 2>&1) && fail "deleted live $f1"
ref=$(on_ref nix-store --delete "$f1" 2>&1)
[ "$(echo "$out" | strip)" = "$(echo "$ref" | strip)" ] ||
    fail "--delete of a live path: rnixd: $out; real Nix: $ref"
echo "$out" | strip |
    grep -q "Cannot delete path '$f1' since it is still alive" ||
    fail "--delete live: $out"
[ -e "$f1" ] && on_rnixd nix-store --check-validity "$f1" ||
    fail "live path damaged by a refused delete"
echo "--delete of a live path refused, as real Nix: ok"
j1=$(on_rnixd nix-store --add "$TROOT/src/junk1")
compare "--delete of a dead path" nix-store --delete "$j1"
[ -e "$j1" ] && fail "$j1 still there after --delete"
on_rnixd nix-store --check-validity "$j1" 2>/dev/null && fail "$j1 still valid"
echo "--delete of a dead path: gone: ok"

# A path referenced by a dead path: real Nix decides, rnixd must agree.
dep=$(on_rnixd nix-instantiate "$nixf" -A dep)
sh=$(on_rnixd nix-store -q --references "$dep" | grep -- '-build.sh$')
compare "--delete of a referenced dead path" nix-store --delete "$sh"

# A temp root held by a live session protects a path from --delete and
# --gc; it goes with the session.
j2=$(on_rnixd nix-store --add "$TROOT/src/junk2")
mkfifo "$TROOT/hold"
python3 - "$SOCKET" "$j2" "$TROOT/hold" <<'PY' &
import sys
import wp
c = wp.Client(sys.argv[1])
c.add_temp_root(sys.argv[2])
print("held", flush=True)
open(sys.argv[3]).read()		# until the test writes to the fifo
c.close()
PY
holder=$!
n=0
until on_rnixd nix-store --gc --print-roots | grep -q "$j2"; do
	n=$((n + 1))
	[ $n -gt 50 ] && fail "temp root of a live session not listed"
	sleep 0.1
done
on_rnixd nix-store --gc --print-dead | grep -q -- "$j2" &&
    fail "temp root counted as dead"
on_rnixd nix-store --delete "$j2" 2>/dev/null && fail "deleted a temp root"
on_rnixd nix-store --gc >/dev/null || fail "--gc with a temp root held"
[ -e "$j2" ] || fail "--gc deleted a path held by a temp root"
echo done >"$TROOT/hold"
wait $holder || fail "temp root holder failed"
n=0
until on_rnixd nix-store --gc --print-dead | grep -q -- "$j2"; do
	n=$((n + 1))
	[ $n -gt 50 ] && fail "temp root outlived its session"
	sleep 0.1
done
echo "temp root of a live session protects its path, dropped at the end: ok"
# The reference lost the same paths to the --gc above.
on_ref nix-store --gc >/dev/null || fail "reference --gc"

# --max-freed: stops once more than N bytes are freed.
both nix-store --add "$TROOT"/src/junk*
out=$(on_rnixd nix-store --gc --max-freed 10000 2>&1) ||
    fail "--gc --max-freed: $out"
ref=$(on_ref nix-store --gc --max-freed 10000 2>&1)
for o in "$out" "$ref"; do
	freed=$(echo "$o" | sed -n 's/.*store paths deleted, \(.*\) MiB freed/\1/p')
	echo "$o" | grep -q "store paths deleted" || fail "no summary: $o"
	awk "BEGIN { exit !($freed * 1048576 >= 10000) }" ||
	    fail "--max-freed 10000 freed only $freed MiB"
done
left=$(on_rnixd nix-store --gc --print-dead | grep -c -- -junk)
[ "$left" -gt 0 ] || fail "--max-freed 10000 deleted all the junk"
echo "--gc --max-freed: stopped after 10000 bytes, $left dead left: ok"

# Remove a user link: its auto link is stale and goes; the path is dead.
on_rnixd nix-store --gc >/dev/null 2>&1 || fail "--gc"
on_ref nix-store --gc >/dev/null 2>&1
rm "$L/lone"
compare "--gc --print-roots, one link gone" nix-store --gc --print-roots
out=$(on_rnixd nix-store --gc 2>&1 | sed '/^note: currently hard/d' | sort) ||
    fail "--gc: $out"
ref=$(on_ref nix-store --gc 2>&1 | sed '/^note: currently hard/d' | sort)
[ "$out" = "$ref" ] || fail "--gc output differs: rnixd:
$out
real Nix:
$ref"
echo "$out" | grep -q "^2 store paths deleted" ||
    fail "--gc: expected lone.drv and lone.txt deleted: $out"
[ "$(ls "$STATE/gcroots/auto")" = "$(ls "$REF/var/nix/gcroots/auto")" ] ||
    fail "stale auto link kept"
a=$(dbq "$DB" 'select path from ValidPaths order by path')
b=$(dbq "$REF/var/nix/db/db.sqlite" 'select path from ValidPaths order by path')
[ "$a" = "$b" ] || fail "valid paths after --gc differ:
$a
real Nix:
$b"
a=$(ls "$STORE" | grep -v '^\.')
b=$(ls "$REF/store" | grep -v '^\.')
[ "$a" = "$b" ] || fail "store contents after --gc differ"
for p in $a; do
	on_rnixd nix-store --check-validity "$STORE/$p" ||
	    fail "$p left in the store but not valid"
done
db_integrity
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
echo "--gc: same paths kept, stale auto link removed, DB ok: ok"
