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
# adds, nor learn whether the derivations outside its closure exist.
# It adds .drv files through its socket whose inputs name paths outside
# its closure: as plain files (no declared references), each is refused
# because it does not declare its inputs, with the same answer whether
# the input exists or not; declaring them, each is refused as an unknown
# reference, again the same for an existing and an absent input.
# Nothing of them is registered or built, the path stays out of the
# sandbox and out of the outer output's closure.  Derivations naming
# only allowed inputs, declared, still build.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

build_attr secret smuggle.nix secret
secretdrv=$(nix-instantiate smuggle.nix -A secret 2>/dev/null) ||
    fail "instantiate secret"
unbuilt=$(nix-instantiate smuggle.nix -A unbuilt 2>/dev/null) ||
    fail "instantiate unbuilt"
build_attr dep smuggle.nix dep
mkdir "$TROOT/texts" || fail "mkdir"
python3 h_smuggle.py "$STORE" "$secret" "$secretdrv" "$unbuilt" "$dep" \
    "$TROOT/texts" || fail "h_smuggle.py"

out=$(nix-build --no-out-link smuggle.nix -A outer --arg texts "$TROOT/texts" \
    2>"$TROOT/outer.log") || fail "outer: $(log outer)"
cat "$out/result"

undeclared="' is not among its references"
unknown="' of an added path is unknown in recursive Nix"
while read -r name how drv want named refs; do
	line=$(grep "^$name: " "$out/result") || fail "no result for $name"
	case $name in
	smug-*)
		case $how in
		plain) why="cannot add derivation '$drv': its input\
 '$named$undeclared" ;;
		*) why="reference '$named$unknown" ;;
		esac
		case "$line" in
		"$name: add refused "*"$why"*) ;;
		*) fail "$line" ;;
		esac
		# Nothing of it was built or registered.
		for p in "$drv" "$want"; do
			nix-store --check-validity "$p" 2>/dev/null &&
			    fail "$name: $p registered"
			[ -e "$p" ] && fail "$name: $p exists"
		done
		# The answer, with the paths taken out.
		echo "$line" | sed -e "s|^$name: ||" -e "s|$drv|DRV|g" \
		    -e "s|$named|INPUT|g" >"$TROOT/said.$name"
		;;
	ok-*)
		[ "$line" = "$name: built $want" ] || fail "$line"
		;;
	esac
	echo "$name: ok"
done <"$TROOT/texts/cases"
# Whether an input exists does not change the answer.
for pair in indrv:absent decl-src:decl-absent; do
	a=smug-${pair%:*} b=smug-${pair#*:}
	cmp -s "$TROOT/said.$a" "$TROOT/said.$b" ||
	    fail "$a and $b answered apart: $(cat "$TROOT/said.$a")" \
	    "vs $(cat "$TROOT/said.$b")"
	echo "$a, $b: the same answer"
done

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
