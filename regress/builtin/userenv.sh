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

# builtin:buildenv through rnixd, with the real nix-env and nix
# profile, against real Nix 2.8 building the same in its sandbox on a
# private store with the same logical store dir: the user environment
# must have the same store path, NAR hash and tree (links, directories
# merged, the propagated package, hidden and nix-support files left
# out); a collision of equal priorities fails with Nix's words, and
# one package set to a lower priority wins.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-env
build_store_init
store_start
ref_build_opts "$BUILD_GROUP"
SRC="$TROOT/src"
cp pkgs.nix "$SRC/"
# nix-env keeps its own state (default profile, channels) under HOME.
export HOME="$TROOT/home"
mkdir -p "$HOME"

# The tree of a user environment: name, type, link target.
env_tree() {	# dir
	(cd "$1" && find . -printf '%p %y %l\n' | sort)
}

# Both daemons install the same; the environments must be the same.
same_env() {	# what nix-env-args...
	what=$1
	shift
	# shellcheck disable=SC2086
	on_rnixd nix-env -p "$TROOT/prof-r" -f "$SRC/pkgs.nix" "$@" \
	    2>"$TROOT/r.err" || fail "$what: rnixd: $(cat "$TROOT/r.err")"
	# shellcheck disable=SC2086
	on_ref nix-env $REFOPTS -p "$TROOT/prof-n" -f "$SRC/pkgs.nix" "$@" \
	    2>"$TROOT/n.err" || fail "$what: reference: $(cat "$TROOT/n.err")"
	# Nix's links name the logical path, which is rnixd's store.
	r=$(readlink "$TROOT/prof-r-$gen-link")
	n=$(readlink "$TROOT/prof-n-$gen-link")
	[ "$r" = "$n" ] || fail "$what: user environment $r, Nix made $n"
	env_tree "$r" >"$TROOT/tree.r"
	env_tree "$(ref_real "$n")" >"$TROOT/tree.n"
	diff -u "$TROOT/tree.n" "$TROOT/tree.r" >&2 ||
	    fail "$what: the trees differ"
	hr=$(on_rnixd nix-store -q --hash "$r") || fail "$what: hash"
	hn=$(on_ref nix-store -q --hash "$n") || fail "$what: ref hash"
	[ "$hr" = "$hn" ] || fail "$what: NAR hash $hr, Nix has $hn"
	[ "$(readlink "$TROOT/prof-r")" = prof-r-$gen-link ] ||
	    fail "$what: profile link $(readlink "$TROOT/prof-r")"
	gen=$((gen + 1))
}
gen=1

echo "nix-env -i: links, a merged directory, a propagated package"
same_env "install" -i hello tool
r=$(readlink -f "$TROOT/prof-r")
[ -d "$r/share/doc" ] && [ ! -L "$r/share/doc" ] ||
    fail "share/doc is not a merged directory"
[ "$(cat "$r/bin/dep")" = dep ] || fail "the propagated package is missing"
[ -e "$r/nix-support" ] || [ -e "$r/.hidden" ] &&
    fail "nix-support or a hidden file in the environment"
grep -q 'name = "hello-1"' "$r/manifest.nix" || fail "no manifest.nix"

echo "a second output and an uninstall"
same_env "multi" -i multi
same_env "uninstall" -e tool

echo "a collision of equal priorities"
on_rnixd nix-env -p "$TROOT/prof-r" -f "$SRC/pkgs.nix" -i clash \
    >/dev/null 2>"$TROOT/r.err" && fail "the collision was built"
# shellcheck disable=SC2086
on_ref nix-env $REFOPTS -p "$TROOT/prof-n" -f "$SRC/pkgs.nix" -i clash \
    >/dev/null 2>"$TROOT/n.err" && fail "Nix built the collision"
want=$(grep -o "error: packages .* (0 being the highest priority)" \
    "$TROOT/n.err" | head -n 1)
[ -n "$want" ] || fail "Nix's message: $(cat "$TROOT/n.err")"
grep -qF -- "$want" "$TROOT/r.err" ||
    fail "collision: got $(cat "$TROOT/r.err"), Nix says $want"
[ "$(readlink "$TROOT/prof-r")" = prof-r-$((gen - 1))-link ] ||
    fail "a failed install switched the profile"

echo "a lower priority loses the collision"
same_env "set-flag" --set-flag priority 10 hello
same_env "install over it" -i clash
r=$(readlink -f "$TROOT/prof-r")
[ "$(cat "$r/bin/hello")" = clash ] || fail "the higher priority lost"
echo "nix profile install"
for who in r n; do
	if [ $who = r ]; then
		on_rnixd nix profile install --profile "$TROOT/np-r" \
		    --file "$SRC/pkgs.nix" hello tool 2>"$TROOT/r.err" ||
		    fail "nix profile install: $(cat "$TROOT/r.err")"
	else
		# shellcheck disable=SC2086
		on_ref nix profile install $REFOPTS --profile "$TROOT/np-n" \
		    --file "$SRC/pkgs.nix" hello tool 2>"$TROOT/n.err" ||
		    fail "reference: $(cat "$TROOT/n.err")"
	fi
done
r=$(readlink "$TROOT/np-r-1-link")
n=$(readlink "$TROOT/np-n-1-link")
[ -n "$r" ] && [ "$r" = "$n" ] || fail "nix profile: $r, Nix made $n"
env_tree "$r" >"$TROOT/tree.r"
env_tree "$(ref_real "$n")" >"$TROOT/tree.n"
diff -u "$TROOT/tree.n" "$TROOT/tree.r" >&2 || fail "nix profile: trees differ"
grep -q '"version": *2' "$r/manifest.json" || fail "no manifest.json"
echo ok
