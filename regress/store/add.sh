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

# nix-store --add and --add-fixed through rnixd give the same store
# paths, path info (narHash, narSize, references, ca), files and
# metadata as real Nix in local mode; --dump gives the source's NAR;
# --verify-path agrees.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start

# Sources: plain, empty and executable files, a symlink, and a tree
# with odd names, an empty dir, nested dirs, dangling and relative
# symlinks, and a file large enough to span many frames.
src="$TROOT/src"
printf 'hello\n' >"$src/hello.txt"
: >"$src/empty"
printf '#!/bin/sh\necho hi\n' >"$src/script"
chmod 755 "$src/script"
ln -s /nonexistent/target "$src/link"
t="$src/tree"
mkdir -p "$t/sub/deeper" "$t/emptydir" "$t/-dash"
printf 'a\n' >"$t/a"
printf 'B\n' >"$t/B"
printf 'sp\n' >"$t/with space"
printf 'nl\n' >"$t/new
line"
printf 'u\n' >"$t/ünïcødé"
printf 'q\n' >"$t/quote'\"\\"
: >"$t/sub/empty"
printf 'x\n' >"$t/sub/deeper/x"
chmod 755 "$t/sub/deeper/x"
ln -s ../a "$t/sub/rel"
ln -s dangling "$t/dangle"
head -c 1000000 /dev/urandom >"$t/-dash/big"
chmod 700 "$t/sub"	# modes other than 755/644 must not matter

# One listing line per file: name, type, mode, mtime, size, target.
listing() {
	find "$1" -printf '%P|%y|%m|%T@|%s|%l\n' | sort
}

check_path() {	# what source store-path
	what=$1 s=$2 p=$3
	on_rnixd pathinfo_json "$p" >"$TROOT/pi.rnixd" ||
	    fail "$what: rnixd path-info"
	on_ref pathinfo_json "$p" >"$TROOT/pi.ref" || fail "$what: ref path-info"
	cmp -s "$TROOT/pi.rnixd" "$TROOT/pi.ref" || fail "$what: path info:
$(cat "$TROOT/pi.rnixd")
real Nix:
$(cat "$TROOT/pi.ref")"
	listing "$p" >"$TROOT/ls.rnixd"
	listing "$(ref_real "$p")" >"$TROOT/ls.ref"
	cmp -s "$TROOT/ls.rnixd" "$TROOT/ls.ref" ||
	    fail "$what: files or metadata differ: $(diff "$TROOT/ls.rnixd" \
	    "$TROOT/ls.ref")"
	if [ -n "$s" ]; then
		nix-store --dump "$s" >"$TROOT/nar.src"
		on_rnixd nix-store --dump "$p" >"$TROOT/nar.store"
		cmp -s "$TROOT/nar.src" "$TROOT/nar.store" ||
		    fail "$what: --dump differs from the source's NAR"
	fi
	on_rnixd nix-store --verify-path "$p" ||
	    fail "$what: --verify-path failed"
	h=$(on_rnixd nix-store -q --hash "$p") || fail "$what: -q --hash"
	[ "$h" = "$(on_ref nix-store -q --hash "$p")" ] ||
	    fail "$what: -q --hash differs"
}

for f in hello.txt empty script link tree; do
	p=$(same_output "add $f" nix-store --add "$src/$f") || exit 1
	case "$p" in "$STORE"/*-"$f") ;; *) fail "add $f: odd path $p" ;; esac
	check_path "add $f" "$src/$f" "$p"
	echo "nix-store --add $f: $p: ok"
done

# Several at once, and again (already valid: same path, old time kept).
pa=$(on_rnixd nix path-info --json "$STORE"/*-hello.txt)
all=$(same_output "add several" nix-store --add "$src/hello.txt" \
    "$src/tree" "$src/script") || exit 1
[ "$(echo "$all" | wc -l)" -eq 3 ] || fail "add several: $all"
[ "$pa" = "$(on_rnixd nix path-info --json "$STORE"/*-hello.txt)" ] ||
    fail "re-adding changed the path info"
echo "nix-store --add of valid paths: same paths, info unchanged: ok"

for spec in "sha256 hello.txt" "sha1 hello.txt" "sha256 empty" \
    "sha1 script" "md5 hello.txt" "sha512 script" \
    "--recursive sha1 tree" "--recursive sha256 tree" \
    "--recursive sha512 script" "--recursive sha1 link"; do
	set -- $spec
	f=$(eval echo "\${$#}")
	args=$(echo "$spec" | sed "s| $f\$||")
	p=$(same_output "add-fixed $spec" nix-store --add-fixed $args \
	    "$src/$f") || exit 1
	check_path "add-fixed $spec" "" "$p"
	echo "nix-store --add-fixed $spec: $p: ok"
done

# The file names the client sends can be refused the same way.
mkdir -p "$TROOT/bad"
printf 'x\n' >"$TROOT/bad/bad name"
on_rnixd nix-store --add "$TROOT/bad/bad name" 2>/dev/null &&
    fail "added a file whose name is no valid store path name"
on_ref nix-store --add "$TROOT/bad/bad name" 2>/dev/null &&
    fail "real Nix added a bad name?"
echo "bad name refused: ok"

# Every path registered by rnixd and real Nix: the same set.
a=$(dbq "$DB" 'select path, hash, narSize, ca from ValidPaths order by path')
b=$(dbq "$REF/var/nix/db/db.sqlite" \
    'select path, hash, narSize, ca from ValidPaths order by path')
[ "$a" = "$b" ] || fail "databases differ:
$a
real Nix:
$b"
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
echo "same database rows, no temp files: ok"
