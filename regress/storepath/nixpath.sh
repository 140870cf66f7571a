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

# Hold common/storepath.c against the real Nix 2.8 in private stores:
# builtins.toFile names (Nix's edge cases), text paths with references,
# nix-store --add and --add-fixed [--recursive] of random files for
# every algo, with their ca strings, and a store dir other than
# /nix/store.  Every path Nix makes must parse.
. "$RNIXD_TOP/regress/lib/crosscheck.inc"

H="$RNIXD_OBJ/regress/storepath/h_storepath"
NIX="nix --extra-experimental-features nix-command"
NFILES=30

need_cmds nix nix-store nix-instantiate python3 od awk
need_helpers "$H"
scratch_init nixpath
S="$tmp/s"
OD="$tmp/other/store"
OS="local?store=$OD&state=$tmp/other/state&log=$tmp/other/log"
mkdir -p "$tmp/files" "$tmp/other"

# toFile NAME CONTENT [STORE]: the path Nix gives, without quotes.
tofile() {
	nix-instantiate --store "${3:-$S}" --eval \
	    -E "builtins.toFile \"$1\" \"$2\"" 2>"$tmp/err" | tr -d '"'
}
checkparse() {	# storedir path
	"$H" -s "$1" parse "$2" >/dev/null || fail "does not parse: $2"
}

long=$(awk 'BEGIN { while (n++ < 211) printf "a" }')
n=0
for name in hello.txt .hidden . .. ... - -dash -- + ? = a=b?c+d_e.f x.drv \
    A-Z_09 "$long"; do
	n=$((n + 1))
	content="content $n"
	want=$(tofile "$name" "$content") && [ -n "$want" ] ||
	    fail "toFile '$name': $(cat "$tmp/err")"
	printf '%s' "$content" >"$tmp/c"
	got=$("$H" text "$name" "$tmp/c") || fail "h_storepath text '$name'"
	[ "$got" = "$want" ] || fail "toFile '$name': got $got, want $want"
	checkparse /nix/store "$got"
done
echo "$n names: toFile paths agree"

n=0
for name in "a b" a/b "${long}a" "" "é" a:b a@b "a'b"; do
	n=$((n + 1))
	if want=$(tofile "$name" x) && [ -n "$want" ]; then
		fail "nix accepts name '$name': $want"
	fi
	"$H" name "$name" >/dev/null && fail "h_storepath accepts '$name'"
done
echo "$n bad names: both refuse"

# Text paths with references, in both store dirs.
for store in "$S" "$OS"; do
	sd=/nix/store
	[ "$store" = "$OS" ] && sd=$OD
	a=$(tofile a A "$store")
	b=$(tofile b B "$store")
	c=$(tofile c C "$store")
	want=$(nix-instantiate --store "$store" --eval -E "let
	    a = builtins.toFile \"a\" \"A\";
	    b = builtins.toFile \"b\" \"B\";
	    c = builtins.toFile \"c\" \"C\";
	    in builtins.toFile \"refs\" \"\${c} \${a} \${b} \${a}\"" |
	    tr -d '"') || fail "toFile with refs"
	printf '%s %s %s %s' "$c" "$a" "$b" "$a" >"$tmp/c"
	got=$("$H" -s "$sd" text refs "$tmp/c" "$c" "$a" "$b" "$a") ||
	    fail "h_storepath text with refs"
	[ "$got" = "$want" ] || fail "refs in $sd: got $got, want $want"
	case $got in "$sd"/*) ;; *) fail "$got not in $sd" ;; esac
	checkparse "$sd" "$got"
done
echo "text paths with references agree in /nix/store and $OD"

# Random files, a few executable, some with odd names.
i=0
for size in $(awk -v n=$NFILES 'BEGIN { srand(); for (i = 0; i < n; i++)
    print (i < 3) ? i * 7 : int(rand() * 5000) }'); do
	case $i in 0) f=.hidden ;; 1) f=-dash ;; 2) f=a=b?c+d_e.f ;;
	*) f=f$i ;; esac
	head -c "$size" /dev/urandom >"$tmp/files/$f"
	[ $((i % 4)) = 1 ] && chmod +x "$tmp/files/$f"
	i=$((i + 1))
done
files=$(ls -A "$tmp/files" | sed "s|^|$tmp/files/|")

# nix path-info gives "path ca" lines, sorted.
pathca() {
	$NIX path-info --store "$1" --json $2 | python3 -c '
import json, sys
for p in json.load(sys.stdin):
	print(p["path"], p["ca"])' | sort
}
mine() {	# storedir flags...
	sd=$1
	shift
	for f in $files; do
		"$H" -c -s "$sd" "$@" "$(basename "$f")" "$f" ||
		    fail "h_storepath $* $f"
	done | sort
}
compare() {	# what store storedir nix-store-args -- h_storepath-args
	what=$1 store=$2 sd=$3
	shift 3
	nargs=""
	while [ "$1" != -- ]; do nargs="$nargs $1"; shift; done
	shift
	paths=$(nix-store --store "$store" $nargs $files) ||
	    fail "nix-store $nargs"
	pathca "$store" "$paths" >"$tmp/nix"
	mine "$sd" "$@" >"$tmp/my"
	[ $(wc -l <"$tmp/nix") = $(echo "$files" | wc -l) ] ||
	    fail "$what: nix gave $(wc -l <"$tmp/nix") paths"
	diff -u "$tmp/nix" "$tmp/my" || fail "$what differs"
	for p in $paths; do checkparse "$sd" "$p"; done
}
compare "--add" "$S" /nix/store --add -- source
for a in md5 sha1 sha256 sha512; do
	compare "--add-fixed $a" "$S" /nix/store --add-fixed $a -- \
	    -t $a fixed
	compare "--add-fixed -r $a" "$S" /nix/store --add-fixed \
	    --recursive $a -- -t $a -r fixed
done
echo "$NFILES files: --add and --add-fixed [-r] of 4 algos agree, ca too"
compare "--add in $OD" "$OS" "$OD" --add -- source
compare "--add-fixed sha1 in $OD" "$OS" "$OD" --add-fixed sha1 -- \
    -t sha1 fixed
echo "$NFILES files: --add and --add-fixed sha1 agree in $OD"

rm -rf "$tmp"
echo ok
