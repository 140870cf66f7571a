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

# Deterministic builds: compare.nix built through rnixd with the real
# nix-build, and by real Nix 2.8 in its sandbox on a private store with
# the same logical store dir (lib.sh store_init), so store paths compare
# as strings.  Every output must have the same path, NAR hash,
# references, deriver and ca on both; the failures (a wrong fixed-output
# hash, a failing builder, a builder without output) must read as real
# Nix's; then nix build (BuildPathsWithResults), nix-store -l and -r.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build nixbld
command -v python3 >/dev/null || skip "needs python3"
store_init
# Nix 2.8 does not rewrite a placeholder in the builder path: a shell
# bound at the out placeholder's path runs compare.nix's phbuilder.
PHSH=/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9/bin/sh
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB $PHSH=$BB
cores = 2
max-jobs = 4
EOT
# impureEnvVars: the daemon's own environment (and nix-build's, for
# the reference); unset ones are empty.
export RNIXD_TEST_IMPURE="impure value"
unset RNIXD_TEST_UNSET
store_start
LOGDIR="$TROOT/nix/var/log/nix"
RSTORE="$RSTORE&log=$LOGDIR"
REFOPTS="--option sandbox true --option build-users-group nixbld
    --option sandbox-paths '/bin/sh=$BB $PHSH=$BB' --option cores 2
    --option max-jobs 4"
SRC="$TROOT/src"
cp compare.nix "$SRC/"

# The fixed-output contents, as compare.nix's builders write them, and
# their hashes by the real nix-hash in each encoding.
fod_make() {	# mode name dir
	if [ "$1" = flat ]; then
		echo "$2" >"$3/$2"
	else
		mkdir "$3/$2" && echo "$2" >"$3/$2/f" &&
		    echo '#!/bin/sh' >"$3/$2/x" && chmod 755 "$3/$2/x" &&
		    ln -s f "$3/$2/l"
	fi
}
mkdir "$TROOT/fod"
FODS=""
{
	echo "{"
	for mode in flat recursive; do
		[ $mode = flat ] && flat=--flat || flat=
		for algo in md5 sha1 sha256 sha512; do
			for enc in base16 base32 sri; do
				n=fod-$mode-$algo-$enc
				FODS="$FODS $n"
				fod_make $mode $n "$TROOT/fod"
				h=$(nix-hash --type $algo $flat "$TROOT/fod/$n")
				case $enc in
				base32)	h=$(nix-hash --type $algo --to-base32 $h) ;;
				sri)	h=$(nix hash to-sri --type $algo $h) ;;
				esac
				echo "  \"$n\" = \"$h\";"
			done
		done
	done
	# A wrong hash: that of other contents.
	echo other >"$TROOT/fod/other"
	echo "  wrong = \"$(nix-hash --type sha256 --flat --base32 \
	    "$TROOT/fod/other")\";"
	echo impure >"$TROOT/fod/impure"
	echo "  impure = \"$(nix-hash --type sha256 --flat --base32 \
	    "$TROOT/fod/impure")\";"
	echo "}"
} >"$SRC/hashes.nix" || fail "hashes.nix"

# Build every attribute on both stores; outputs by attribute.
ATTRS="a b c base left right top outdev devout usedev self refdep copydep env"
ATTRS="$ATTRS pass ph structured graph graphsub graphjson graphdrv graphdrvjson"
ATTRS="$ATTRS impure notimpure"
ATTRS="$ATTRS flags phbuilder"
ATTRS="$ATTRS$FODS"
args=""
for at in $ATTRS; do
	args="$args -A $at"
done
echo "build $(echo $ATTRS | wc -w) derivations through rnixd"
on_rnixd nix-build --no-out-link $args "$SRC/compare.nix" \
    >"$TROOT/out.rnixd" 2>"$TROOT/build.rnixd" ||
    fail "nix-build through rnixd: $(tail -n 20 "$TROOT/build.rnixd")"
echo "build them with real Nix"
eval on_ref nix-build --no-out-link $REFOPTS $args "$SRC/compare.nix" \
    >"$TROOT/out.ref" 2>"$TROOT/build.ref" ||
    fail "nix-build with real Nix: $(tail -n 20 "$TROOT/build.ref")"
cmp "$TROOT/out.rnixd" "$TROOT/out.ref" ||
    { diff "$TROOT/out.rnixd" "$TROOT/out.ref"; fail "output paths differ"; }
# The client's output: which builds, "building '…'" for each, their
# log lines; sorted, as builds run side by side.
sort "$TROOT/build.rnixd" >"$TROOT/sorted.rnixd"
sort "$TROOT/build.ref" >"$TROOT/sorted.ref"
same_files "nix-build printed other things through rnixd" \
    "$TROOT/sorted.rnixd" "$TROOT/sorted.ref"
[ $(wc -l <"$TROOT/out.rnixd") -ge $(echo $ATTRS | wc -w) ] ||
    fail "too few outputs: $(cat "$TROOT/out.rnixd")"

echo "same derivations, outputs, NAR hashes, references, derivers, ca"
drvs=$(on_rnixd nix-instantiate $args "$SRC/compare.nix" 2>/dev/null |
    sed 's/!.*//') || fail "nix-instantiate"
outs=$(on_rnixd nix-store -q --outputs $drvs) || fail "outputs"
paths=$(echo $drvs $outs | tr ' ' '\n' | sort -u)
a=$(on_rnixd pathinfo_json $paths) || fail "path-info on rnixd"
b=$(on_ref pathinfo_json $paths) || fail "path-info on real Nix"
[ "$a" = "$b" ] || { printf '%s\n' "$a" >"$TROOT/pi.rnixd";
    printf '%s\n' "$b" >"$TROOT/pi.ref";
    diff -u "$TROOT/pi.ref" "$TROOT/pi.rnixd"; fail "path-info differs"; }
printf '%s\n' "$a" | python3 -c '
import json, sys
for i in json.load(sys.stdin):
    if i["path"].endswith(".drv"):
        continue
    if not i.get("deriver", "").endswith(".drv"):
        sys.exit("no deriver: %s" % i)
    fixed = "-fod-" in i["path"] or i["path"].endswith("-impure")
    if fixed != ("ca" in i):
        sys.exit("ca wrong: %s" % i)' || fail "derivers or ca"

# What each output must hold, not only that both agree.
out_of() {	# attr [output]
	on_rnixd nix-store -q --outputs "$(on_rnixd nix-instantiate \
	    -A "$1" "$SRC/compare.nix" 2>/dev/null | sed 's/!.*//')" |
	    grep -- "-$1${2:+-$2}\$"
}
refs() {
	on_rnixd nix-store -q --references "$1" | tr '\n' ' '
}
a=$(out_of a) b=$(out_of b) c=$(out_of c)
[ "$(refs "$c")" = "$b " ] || fail "references of c: $(refs "$c")"
[ "$(refs "$(out_of copydep)")" = "" ] || fail "copydep refers to something"
[ "$(refs "$(out_of refdep)")" = "$a " ] || fail "refdep does not refer to a"
self=$(out_of self)
[ "$(refs "$self")" = "$self " ] || fail "self: $(refs "$self")"
od=$(out_of outdev) odd=$(out_of outdev dev)
[ "$(refs "$od")" = "$odd " ] || fail "outdev out: $(refs "$od")"
[ "$(refs "$odd")" = "" ] || fail "outdev dev: $(refs "$odd")"
do=$(out_of devout) dod=$(out_of devout dev)
[ "$(refs "$dod")" = "$do " ] || fail "devout dev: $(refs "$dod")"
[ "$(refs "$(out_of usedev)")" = "$dod " ] || fail "usedev"
left=$(out_of left) right=$(out_of right)
[ "$(refs "$(out_of top)" | tr ' ' '\n' | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$left" "$right" | sort | tr '\n' ' ')" ] || fail "top"
grep -q '^uid=1000(nixbld) gid=100(nixbld)' "$(out_of env)" ||
    fail "env: $(cat "$(out_of env)")"
# What the attributes gave the builders, beyond both daemons agreeing.
p=$(out_of pass)
grep -q "^line 'two' $a\$" "$p" && grep -q '^unset unset /build/.attr-' "$p" &&
    grep -q '^more$' "$(out_of pass dev)/more" || fail "passAsFile: $(cat "$p")"
p=$(out_of ph)
[ "$(head -n 1 "$p")" = "$p $(out_of ph dev)" ] &&
    grep -q "^x$p/bin:$(out_of ph dev)\$" "$p" &&
    [ "$(tail -n 1 "$p")" = "$(out_of ph dev)/lib0" ] ||
    fail "placeholders: $(cat "$p")"
p=$(out_of structured)
grep -q '^declare -a list=(1 '"'two'"' 1 '"''"'  3 )$' "$p" &&
    grep -q '^declare big=705032704$' "$p" && grep -q '"fl":1.5,' "$p" &&
    grep -q '"tiny":1e-07}' "$p" &&
    grep -q '"ctl":"\\u0001\\u001f.\\r\\b\\f"' "$p" && grep -q '^unset$' "$p" &&
    grep -q "\"outputs\":{\"dev\":\"$(out_of structured dev)\",\"out\":\"$p\"}" "$p" ||
    fail "structured attrs: $(cat "$p")"
# chain: c and b (c refers to b, b to nothing); dia: top, left, right,
# base.  Each path: itself, an empty deriver, its references.
grep -q "^$b\$" "$(out_of graph)" && grep -c '^$' "$(out_of graph)" | grep -qx 6 ||
    fail "exportReferencesGraph: $(cat "$(out_of graph)")"
grep -q '"closureSize":' "$(out_of graphjson)" ||
    fail "exportReferencesGraph, structured: $(cat "$(out_of graphjson)")"
# c.drv and b.drv, and the closures of their outputs: c and b.
p=$(out_of graphdrv)
cdrv=$(on_rnixd nix-instantiate -A c "$SRC/compare.nix" 2>/dev/null)
for x in "$b" "$c" "$cdrv"; do
	grep -q "^$x\$" "$p" || fail "exportReferencesGraph of a .drv: $(cat "$p")"
done
p=$(out_of graphdrvjson)
grep -q "\"path\":\"$c\"" "$p" && grep -q "\"path\":\"$b\"" "$p" ||
    fail "exportReferencesGraph of a .drv, structured: $(cat "$p")"
p=$(out_of phbuilder)
[ "$(cat "$p")" = "$p" ] || fail "placeholder builder: $(cat "$p")"
fl='-flags.drv: build [0-9]* started, preferLocalBuild, allowSubstitutes false$'
grep -q -- "$fl" "$TROOT/rnixd.log" ||
    fail "preferLocalBuild, allowSubstitutes not read"
on_rnixd nix path-info --json "$(out_of fod-recursive-sha1-sri)" |
    grep -q '"ca":"fixed:r:sha1:' || fail "no ca on a recursive FOD"

# Failures: a builder's message on rnixd and on real Nix, the store
# dir's paths being the same, compared as text from "error:" on.
# Real Nix names a missing output by where it is in its build root
# (chroot), rnixd by its store path: only the store path is compared.
errtext() {
	sed -n '/error:/,$p' "$1" |
	    sed "s|at '[^']*\($STORE/[^']*\)'\$|at '\1'|" |
	    grep -v '^error: build of .* failed$' |
	    grep -v "^error: [0-9]* dependencies of derivation"
}
failure() {	# attr status-locally
	on_rnixd nix-build --no-out-link -A $1 "$SRC/bad.nix" \
	    >/dev/null 2>"$TROOT/$1.rnixd"
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit status $rc through rnixd, expected 1:
$(cat "$TROOT/$1.rnixd")"
	NIX_REMOTE="$REFD" nix-build --no-out-link -A $1 "$SRC/bad.nix" \
	    >/dev/null 2>"$TROOT/$1.refd"
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit status $rc through nix-daemon"
	eval on_ref nix-build --no-out-link $REFOPTS -A $1 "$SRC/bad.nix" \
	    >/dev/null 2>"$TROOT/$1.ref"
	rc=$?
	[ $rc -eq $2 ] || fail "$1: exit status $rc with real Nix, expected $2"
	same_daemon_errors "$1"
	# Locally Nix prints the log as it goes, so no tail (nor the
	# ";" before it); the first line is the same.
	[ "$(head -n 1 "$TROOT/$1.rnixd.err" | sed 's/;$//')" = \
	    "$(errtext "$TROOT/$1.ref" | head -n 1 | sed 's/;$//')" ] ||
	    fail "$1: the local message differs: $(cat "$TROOT/$1.ref")"
}
# The reference for texts through a daemon: nix-daemon on the reference
# store.  Failed builds leave nothing valid, so sharing it is harmless.
ref_build_daemon nixbld 'cores = 2'
cat >"$SRC/bad.nix" <<'EOT'
let
  inherit (import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix"))
    sh;
in {
  wronghash = sh "wronghash" "echo wrong > $out" {
    outputHash = (import ./hashes.nix).wrong;
    outputHashAlgo = "sha256";
  };
  failing = sh "failing" "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line-$i; done; exit 7" {};
  noout = sh "noout" "echo nothing" {};
  nochroot = sh "nochroot" "echo > $out" { __noChroot = true; };
  # A .drv whose output nothing built: not valid, the build fails.
  graphinvalid = sh "graphinvalid" "busybox cat g > $out" {
    exportReferencesGraph = [ "g" (builtins.unsafeDiscardOutputDependency
      (sh "unbuilt" "echo > $out" {}).drvPath) ]; };
}
EOT
echo "a wrong fixed-output hash"
failure wronghash 102
grep -q "specified: sha256-" "$TROOT/wronghash.rnixd" || fail "no specified"
echo "a failing builder"
failure failing 100
grep -q "failed with exit code 7;" "$TROOT/failing.rnixd" || fail "code"
grep -q "> line-12" "$TROOT/failing.rnixd" || fail "no last line"
echo "a builder without output"
failure noout 1
echo "__noChroot, refused in a sandbox"
failure nochroot 1
grep -q "has '__noChroot' set" "$TROOT/nochroot.rnixd" || fail "nochroot"
echo "exportReferencesGraph of a .drv whose output is not valid"
failure graphinvalid 1
grep -q "unbuilt.* is not valid" "$TROOT/graphinvalid.rnixd" ||
    fail "graphinvalid: $(cat "$TROOT/graphinvalid.rnixd")"

echo "nix build (BuildPathsWithResults): already built, then fresh"
nix build --store "$RSTORE" --no-link --json -f "$SRC/compare.nix" c \
    >"$TROOT/nb.json" 2>"$TROOT/nb.err" ||
    fail "nix build c: $(cat "$TROOT/nb.err")"
grep -q "\"out\":\"$c\"" "$TROOT/nb.json" || fail "nix build c: $(cat "$TROOT/nb.json")"
cat >"$SRC/fresh.nix" <<EOT
derivation { name = "fresh"; system = "x86_64-linux"; builder = "/bin/sh";
  args = [ "-c" "echo fresh-log; echo \$RANDOM-$$ > \$out" ]; }
EOT
nix build --store "$RSTORE" --no-link --json -f "$SRC/fresh.nix" \
    >"$TROOT/nb.json" 2>"$TROOT/nb.err" ||
    fail "nix build fresh: $(cat "$TROOT/nb.err")"
grep -q "BuildPathsWithResults" "$TROOT/rnixd.log" ||
    fail "nix build did not use BuildPathsWithResults"
fresh=$(on_rnixd nix-instantiate "$SRC/fresh.nix" 2>/dev/null)
fout=$(on_rnixd nix-store -q --outputs "$fresh")
grep -q "\"out\":\"$fout\"" "$TROOT/nb.json" ||
    fail "nix build fresh: $(cat "$TROOT/nb.json")"
[ -f "$fout" ] || fail "no $fout"

echo "nix-store -l shows the log of a build"
[ "$(on_rnixd nix-store -l "$fresh")" = fresh-log ] ||
    fail "nix-store -l: $(on_rnixd nix-store -l "$fresh" 2>&1)"
[ "$(on_rnixd nix-store -l "$fout")" = fresh-log ] ||
    fail "nix-store -l of the output"
bdrv=$(on_rnixd nix-instantiate -A b "$SRC/compare.nix" 2>/dev/null)
[ "$(on_rnixd nix-store -l "$bdrv")" = building-b ] ||
    fail "nix-store -l b: $(on_rnixd nix-store -l "$bdrv" 2>&1)"

echo "nix-store -r of a derivation: fresh, then already built"
sed 's/fresh/fresh2/g' "$SRC/fresh.nix" >"$SRC/fresh2.nix"
fresh=$(on_rnixd nix-instantiate "$SRC/fresh2.nix" 2>/dev/null)
fout=$(on_rnixd nix-store -q --outputs "$fresh")
[ -e "$fout" ] && fail "$fout exists before"
[ "$(on_rnixd nix-store -r "$fresh" 2>"$TROOT/r.err")" = "$fout" ] ||
    fail "nix-store -r: $(cat "$TROOT/r.err")"
grep -q '^fresh2-log$' "$TROOT/r.err" || fail "log: $(cat "$TROOT/r.err")"
[ -f "$fout" ] || fail "nix-store -r did not build"
[ "$(on_rnixd nix-store -r "$bdrv" 2>"$TROOT/r.err")" = "$b" ] ||
    fail "nix-store -r b: $(cat "$TROOT/r.err")"
grep -q building "$TROOT/r.err" && fail "b built again"
echo ok
