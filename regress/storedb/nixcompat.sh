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

# store_db.c against the real Nix 2.8, both ways, on private stores.
# (a) Nix makes a store (nix-store --add, --add-fixed, nix-instantiate
#     on a chroot root; nix-build with NIX_STORE_DIR for built outputs:
#     ultimate, deriver, self-references, valid derivers); h_storedb
#     reads every path and must show what "nix path-info --json",
#     "nix-store -q --referrers" and the raw DerivationOutputs rows show;
#     the sqlite_master of a database db_open creates is Nix's.
# (b) h_storedb registers the same files (copied, their NAR hashes and
#     sizes recomputed with h_nar) and made-up paths into a fresh
#     database: its rows equal Nix's (NULLs included), and Nix in local
#     mode verifies the contents, shows the same path infos, writes to
#     it (add, delete, refused delete) and h_storedb reads that back.
. "$RNIXD_TOP/regress/lib/crosscheck.inc"

HS="$RNIXD_OBJ/regress/storedb/h_storedb"
HN="$RNIXD_OBJ/regress/nar/h_nar"
VIEW="$RNIXD_TOP/regress/storedb/nixview.py"
need_cmds nix nix-build nix-instantiate nix-store sqlite3 python3
need_helpers "$HS" "$HN"
scratch_init storedb

unset NIX_REMOTE NIX_PATH NIX_STORE_DIR NIX_STATE_DIR NIX_LOG_DIR
export NIX_CONFIG="experimental-features = nix-command"
scratch_nixconf
mkdir "$tmp/in" || fail "mkdir"

# A store is "root:<dir>" (chroot store, logical /nix/store) or
# "env:<storedir>:<statedir>" (NIX_STORE_DIR and NIX_STATE_DIR).
st_storedir() {
	case $1 in
	root:*)	echo /nix/store ;;
	env:*)	s=${1#env:}; echo "${s%%:*}" ;;
	esac
}
st_statedir() {
	case $1 in
	root:*)	echo "${1#root:}/nix/var/nix" ;;
	env:*)	echo "${1##*:}" ;;
	esac
}
st_real() {	# the real location of store path $2
	case $1 in
	root:*)	echo "${1#root:}$2" ;;
	env:*)	echo "$2" ;;
	esac
}
onstore() {	# store command args...
	st=$1
	shift
	case $st in
	root:*)	c=$1
		shift
		"$c" --store "${st#root:}" "$@" ;;
	env:*)	s=${st#env:}
		NIX_STORE_DIR=${s%%:*} NIX_STATE_DIR=${s##*:} \
		    NIX_LOG_DIR="$tmp/log" "$@" ;;
	esac
}
paths_of() {	# path-info JSON -> paths
	python3 -c 'import json, sys
for i in json.load(open(sys.argv[1])): print(i["path"])' "$1"
}

# h_storedb's dump of store $1 must be real Nix's view of it.
compare_view() {	# store tag
	onstore "$1" nix path-info --json --all >"$tmp/$2.json" \
	    2>"$tmp/err" || fail "$2: nix path-info: $(cat "$tmp/err")"
	paths_of "$tmp/$2.json" >"$tmp/$2.paths"
	: >"$tmp/$2.refs"
	while read -r p; do
		onstore "$1" nix-store -q --referrers "$p" | sed "s|^|$p |" \
		    >>"$tmp/$2.refs" || fail "$2: referrers of $p"
	done <"$tmp/$2.paths"
	show=""
	if grep -q '\.drv$' "$tmp/$2.paths"; then
		# shellcheck disable=SC2046
		onstore "$1" nix show-derivation $(grep '\.drv$' \
		    "$tmp/$2.paths") >"$tmp/$2.show" 2>"$tmp/err" ||
		    fail "$2: show-derivation: $(cat "$tmp/err")"
		show="$tmp/$2.show"
	fi
	python3 "$VIEW" view "$tmp/$2.json" \
	    "$(st_statedir "$1")/db/db.sqlite" "$tmp/$2.refs" $show \
	    >"$tmp/$2.nix" || fail "$2: nixview"
	"$HS" dump "$(st_statedir "$1")" "$(st_storedir "$1")" \
	    >"$tmp/$2.ours" 2>"$tmp/err" || fail "$2: dump: $(cat "$tmp/err")"
	diff -u "$tmp/$2.nix" "$tmp/$2.ours" ||
	    fail "$2: h_storedb's view differs from Nix's"
	echo "$2: $(wc -l <"$tmp/$2.paths") paths read alike by Nix and" \
	    "h_storedb"
}

# Every row of a database, ids left out, NULL and '' told apart.
raw_rows() {	# db.sqlite
	sqlite3 "$1" "select path, hash, registrationTime, quote(deriver),
	    quote(narSize), quote(ultimate), quote(sigs), quote(ca)
	    from ValidPaths order by path;
	    select a.path, b.path from Refs r
	    join ValidPaths a on a.id = r.referrer
	    join ValidPaths b on b.id = r.reference order by 1, 2;
	    select v.path, d.id, d.path from DerivationOutputs d
	    join ValidPaths v on v.id = d.drv order by 1, 2;"
}
schema_of() {	# db.sqlite
	sqlite3 "$1" "select type, name, tbl_name, sql from sqlite_master
	    order by rowid; pragma journal_mode;"
}

# Recompute each path's NAR hash and size from the files with h_nar;
# they must be what the view says.
check_nar() {	# store viewfile
	grep -E '^(path|narHash|narSize) ' "$2" | paste - - - |
	while read -r _ p _ h _ n; do
		real=$(st_real "$1" "$p")
		got="sha256:$("$HN" hash "$real" | head -n 1)"
		[ "$got" = "$h" ] || fail "NAR hash of $real: $got, not $h"
		got=$("$HN" dump "$real" | wc -c)
		[ "$got" -eq "$n" ] || fail "NAR size of $real: $got, not $n"
	done || exit 1
}

verify() {	# store tag
	onstore "$1" nix-store --verify --check-contents >"$tmp/$2.verify" \
	    2>&1 || fail "$2: nix-store --verify: $(cat "$tmp/$2.verify")"
	if grep -Ei 'error|warning|modified|corrupt|invalid' \
	    "$tmp/$2.verify"; then
		fail "$2: nix-store --verify complained"
	fi
	echo "$2: nix-store --verify --check-contents is content"
}

# A made-up input-addressed path with content, canonicalised.
mkpath_made() {	# store name -> prints the store path
	h=$(printf '%s' "$2" | sha256sum | cut -c1-32 | tr e z)
	echo "$(st_storedir "$1")/$h-$2"
}
canon() {
	find "$1" -exec touch -h -d @1 {} + || fail "touch $1"
	chmod -R a-w "$1"
}
block() {	# store path [key value]...: a spec block, hash recomputed
	real=$(st_real "$1" "$2")
	echo "path $2"
	echo "narHash sha256:$("$HN" hash "$real" | head -n 1)"
	echo "narSize $("$HN" dump "$real" | wc -c)"
	shift 2
	while [ $# -gt 1 ]; do
		echo "$1 $2"
		shift 2
	done
	echo
}

#
# (a) A chroot store made by Nix.
#
R1="$tmp/r1"
A="root:$R1"
echo "one file" >"$tmp/in/file1"
mkdir -p "$tmp/in/dir1/sub"
echo "data" >"$tmp/in/dir1/sub/data"
printf '#!/bin/sh\necho hi\n' >"$tmp/in/dir1/run"
chmod +x "$tmp/in/dir1/run"
ln -s sub/data "$tmp/in/dir1/link"
echo "fixed flat" >"$tmp/in/fixed"
mkdir "$tmp/in/fixdir" && echo "fixed tree" >"$tmp/in/fixdir/f"
mkdir "$tmp/expr" && echo "a source" >"$tmp/expr/src.txt"
# The derivations of (a) and (c): a script run by /bin/sh, and more
# attributes.
cat >"$tmp/expr/sh.nix" <<'EOT'
name: script: attrs: derivation ({
  inherit name;
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" script ];
} // attrs)
EOT
cat >"$tmp/expr/default.nix" <<'EOT'
let
  sh = import ./sh.nix;
  dep = sh "dep" "echo dep $src > $out" { src = ./src.txt; };
in sh "top" "echo ${dep} > $out; echo $out $dev > $dev" {
  outputs = [ "out" "dev" ];
  helper = builtins.toFile "helper" "hello";
}
EOT
onstore "$A" nix-store --add "$tmp/in/file1" "$tmp/in/dir1" >/dev/null \
    2>"$tmp/err" || fail "nix-store --add: $(cat "$tmp/err")"
onstore "$A" nix-store --add-fixed sha256 "$tmp/in/fixed" >/dev/null \
    2>"$tmp/err" || fail "nix-store --add-fixed: $(cat "$tmp/err")"
onstore "$A" nix-store --add-fixed --recursive sha1 "$tmp/in/fixdir" \
    >/dev/null 2>"$tmp/err" || fail "--add-fixed -r: $(cat "$tmp/err")"
onstore "$A" nix-instantiate "$tmp/expr/default.nix" >/dev/null \
    2>"$tmp/err" || fail "nix-instantiate: $(cat "$tmp/err")"
compare_view "$A" a
grep -q '^output dev ' "$tmp/a.nix" || fail "a: no DerivationOutputs rows"
grep -q '^ref ' "$tmp/a.nix" || fail "a: no references"

"$HS" dump "$tmp/fresh/var" /nix/store >/dev/null || fail "fresh db_open"
schema_of "$R1/nix/var/nix/db/db.sqlite" >"$tmp/schema.nix"
schema_of "$tmp/fresh/var/db/db.sqlite" >"$tmp/schema.ours"
diff -u "$tmp/schema.nix" "$tmp/schema.ours" ||
    fail "sqlite_master of a new database differs from Nix's"
cmp "$R1/nix/var/nix/db/schema" "$tmp/fresh/var/db/schema" ||
    fail "schema file differs"
echo "a: a new database has Nix's sqlite_master, journal mode and schema file"

#
# (b) The same files in a second chroot store, registered by h_storedb.
#
R2="$tmp/r2"
B="root:$R2"
mkdir -p "$R2/nix/store" && cp -a "$R1/nix/store/." "$R2/nix/store/" ||
    fail "copy the store"
check_nar "$B" "$tmp/a.nix"
"$HS" register "$R2/nix/var/nix" /nix/store <"$tmp/a.nix" >/dev/null \
    2>"$tmp/err" || fail "b: register: $(cat "$tmp/err")"
raw_rows "$R1/nix/var/nix/db/db.sqlite" >"$tmp/rows.nix"
raw_rows "$R2/nix/var/nix/db/db.sqlite" >"$tmp/rows.ours"
diff -u "$tmp/rows.nix" "$tmp/rows.ours" ||
    fail "b: rows differ from the ones Nix wrote"
schema_of "$R2/nix/var/nix/db/db.sqlite" >"$tmp/schema.b"
diff -u "$tmp/schema.nix" "$tmp/schema.b" || fail "b: sqlite_master differs"
echo "b: $(wc -l <"$tmp/rows.ours") rows identical to Nix's"
verify "$B" b
onstore "$B" nix path-info --json --all >"$tmp/b.json" ||
    fail "b: nix path-info"
python3 "$VIEW" jsonsub "$tmp/a.json" "$tmp/b.json" || fail "b: path-info"

# Made-up paths: leaf <- mid (a tree naming leaf) <- top (self too).
leaf=$(mkpath_made "$B" made-leaf)
mid=$(mkpath_made "$B" made-mid)
top=$(mkpath_made "$B" made-top)
src=$(grep '^path .*-src.txt$' "$tmp/a.nix" | cut -d' ' -f2)
echo "leaf" >"$R2$leaf"
mkdir -p "$R2$mid/bin"
printf '#!/bin/sh\ncat %s\n' "$leaf" >"$R2$mid/bin/show"
chmod +x "$R2$mid/bin/show"
ln -s "$src" "$R2$mid/src"
printf '%s\n%s\n' "$mid" "$top" >"$R2$top"
for p in "$leaf" "$mid" "$top"; do
	canon "$R2$p"
done
{
	block "$B" "$leaf" deriver "$(mkpath_made "$B" made-leaf.drv)"
	block "$B" "$mid" ref "$leaf" ref "$src" \
	    sigs "test-2:c2lnMg== test-1:c2lnMQ=="
	block "$B" "$top" ref "$mid" ref "$top" ultimate 1 \
	    regtime 1700000000
} >"$tmp/made.spec"
"$HS" register "$R2/nix/var/nix" /nix/store <"$tmp/made.spec" \
    >/dev/null 2>"$tmp/err" || fail "b: register made-up: $(cat "$tmp/err")"
verify "$B" b-made
compare_view "$B" b-made
grep -q "^ultimate 1" "$tmp/b-made.nix" || fail "b: Nix lost ultimate"
grep -q "^sigs test-1:c2lnMQ== test-2:c2lnMg==" "$tmp/b-made.nix" ||
    fail "b: Nix lost the signatures"

# Nix writes to the store h_storedb made, h_storedb reads it back.
echo "added by nix" >"$tmp/in/later"
onstore "$B" nix-store --add "$tmp/in/later" >/dev/null 2>"$tmp/err" ||
    fail "b: nix-store --add: $(cat "$tmp/err")"
onstore "$B" nix-store --delete "$top" >/dev/null 2>"$tmp/err" ||
    fail "b: nix-store --delete $top: $(cat "$tmp/err")"
if onstore "$B" nix-store --delete "$leaf" >/dev/null 2>"$tmp/err"; then
	fail "b: Nix deleted $leaf, which $mid refers to"
fi
compare_view "$B" b-nix
grep -q "^path $top" "$tmp/b-nix.ours" && fail "b: $top still valid"
grep -q "^path $leaf" "$tmp/b-nix.ours" || fail "b: $leaf gone"
# And h_storedb writes again after Nix: top comes back.
printf '%s\n%s\n' "$mid" "$top" >"$R2$top"
canon "$R2$top"
block "$B" "$top" ref "$mid" ref "$top" ultimate 1 >"$tmp/top.spec"
"$HS" register "$R2/nix/var/nix" /nix/store <"$tmp/top.spec" >/dev/null \
    2>"$tmp/err" || fail "b: register again: $(cat "$tmp/err")"
verify "$B" b-again
compare_view "$B" b-again

#
# (c) Built outputs, in a store Nix uses through NIX_STORE_DIR, then
#     re-registered by h_storedb in a second state directory.
#
S="$tmp/s"
C="env:$S/store:$S/var"
mkdir -p "$S/store" "$tmp/log"
cat >"$tmp/expr/build.nix" <<'EOT'
let
  sh = import ./sh.nix;
  dep = sh "bdep" "echo bdep > $out" {};
in sh "btop" "echo ${dep} $out > $out; echo $out > $dev" {
  outputs = [ "out" "dev" ];
}
EOT
onstore "$C" nix-build --no-out-link "$tmp/expr/build.nix" >/dev/null \
    2>"$tmp/err" || fail "c: nix-build: $(tail -5 "$tmp/err")"
compare_view "$C" c
grep -q '^ultimate 1' "$tmp/c.nix" || fail "c: no ultimate path"
grep -q '^validDeriver ' "$tmp/c.nix" || fail "c: no valid deriver"
awk '/^path /{p = $2} /^ref /{if ($2 == p) s = 1} END{exit !s}' \
    "$tmp/c.nix" || fail "c: no self-reference"
grep -q '^deriver /' "$tmp/c.nix" || fail "c: no deriver"

C2="env:$S/store:$S/var2"
check_nar "$C2" "$tmp/c.nix"
"$HS" register "$S/var2" "$S/store" <"$tmp/c.nix" >/dev/null \
    2>"$tmp/err" || fail "c: register: $(cat "$tmp/err")"
raw_rows "$S/var/db/db.sqlite" >"$tmp/crows.nix"
raw_rows "$S/var2/db/db.sqlite" >"$tmp/crows.ours"
diff -u "$tmp/crows.nix" "$tmp/crows.ours" ||
    fail "c: rows differ from the ones Nix wrote"
echo "c: $(wc -l <"$tmp/crows.ours") rows identical to Nix's"
verify "$C2" c2
onstore "$C2" nix path-info --json --all >"$tmp/c2.json" ||
    fail "c2: nix path-info"
python3 "$VIEW" jsonsub "$tmp/c.json" "$tmp/c2.json" ||
    fail "c2: path-info"
compare_view "$C2" c2

chmod -R u+w "$tmp"
rm -rf "$tmp"
exit 0
