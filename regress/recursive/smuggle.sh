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

# A recursive builder cannot smuggle a path in through a derivation it
# adds.  It adds .drv files through its socket as plain files (no
# declared references) whose inputs name a valid path outside its
# closure: as input source, as input derivation, or below a .drv it
# added.  Building each is refused as an unknown path is, nothing of
# them is built, the path stays out of the sandbox and out of the outer
# output's closure.  QueryMissing does not tell whether the outputs of
# a .drv such a .drv names are valid.  Derivations naming only allowed
# inputs still build.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

secret=$(nix-build --no-out-link smuggle.nix -A secret 2>"$TROOT/secret.log") ||
    fail "secret: $(log secret)"
secretdrv=$(nix-instantiate smuggle.nix -A secret 2>/dev/null) ||
    fail "instantiate secret"
unbuilt=$(nix-instantiate smuggle.nix -A unbuilt 2>/dev/null) ||
    fail "instantiate unbuilt"
dep=$(nix-build --no-out-link smuggle.nix -A dep 2>"$TROOT/dep.log") ||
    fail "dep: $(log dep)"
mkdir "$TROOT/texts" || fail "mkdir"
python3 h_smuggle.py "$STORE" "$secret" "$secretdrv" "$unbuilt" "$dep" \
    "$TROOT/texts" || fail "h_smuggle.py"

out=$(nix-build --no-out-link smuggle.nix -A outer --arg texts "$TROOT/texts" \
    2>"$TROOT/outer.log") || fail "outer: $(log outer)"
cat "$out/result"

unknown="' is unknown: it is neither an input of this build nor added or\
 built through its socket"
while read -r name drv want; do
	line=$(grep "^$name: " "$out/result") || fail "no result for $name"
	case $name in
	smug-*)
		case "$line" in
		"$name: refused "*"cannot build '$drv!"*"' in recursive Nix\
 because path '"*"$unknown"*) ;;
		*) fail "$line" ;;
		esac
		# Nothing of it was built or registered.
		nix-store --check-validity "$want" 2>/dev/null &&
		    fail "$name: $want registered"
		[ -e "$want" ] && fail "$name: $want exists"
		;;
	ok-*)
		[ "$line" = "$name: built $want" ] || fail "$line"
		;;
	esac
	echo "$name: ok"
done <"$TROOT/texts/cases"
# The refusals name the very path that is not allowed.
grep -q "^smug-src: .*because path '$secret' is unknown" "$out/result" ||
    fail "smug-src refused for another path"
grep -q "^smug-indrv: .*because path '$secretdrv' is unknown" "$out/result" ||
    fail "smug-indrv refused for another path"
grep -q "^smug-deep: .*because path '$secret' is unknown" "$out/result" ||
    fail "smug-deep refused for another path"
grep -q "^smug-unbuilt: .*because path '$unbuilt' is unknown" \
    "$out/result" || fail "smug-unbuilt refused for another path"
# The client's QueryMissing did not learn that $unbuilt would be built.
line=$(grep "^smug-unbuilt: " "$out/result")
case "${line%%error:*}" in
*"$unbuilt"*) fail "QueryMissing told of $unbuilt: $line" ;;
esac
echo "QueryMissing of a smuggled .drv: nothing told of the paths it names"

grep -qx "secret: not readable" "$out/result" ||
    fail "the secret was readable in the sandbox"
grep -q "secret-content" "$out/outputs" 2>/dev/null &&
    fail "the secret's content reached \$out"
grep -q "$secret" "$out/names" || fail "$out/names does not name $secret"
nix-store -qR "$out" >"$TROOT/closure" || fail "closure of $out"
grep -qx "$secret" "$TROOT/closure" &&
    fail "$secret is in the closure of $out"
grep -qx "$dep" "$TROOT/closure" || fail "$dep is not in the closure of $out"
echo ok
