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

# Compare common/hash.c with the real Nix 2.8: flat hashes of 200 random
# files (0..200 KB) in base16, base32, base64 and SRI for every algo
# against nix-hash and "nix hash file"; then hash_parse on random
# digests in every textual form against "nix hash to-*"; then bad
# strings, which both must refuse with the same message.
. "$RNIXD_TOP/regress/lib/crosscheck.inc"

HH="$RNIXD_OBJ/regress/hash/h_hash"
NIX="nix --extra-experimental-features nix-command"
NFILES=200

need_cmds nix nix-hash od awk
need_helpers "$HH"
scratch_init nixhash

# Sizes: block edges first, then random up to 200 KB.
awk -v n=$NFILES 'BEGIN {
	split("0 1 55 56 63 64 65 111 112 127 128 129 204800", e, " ")
	srand()
	for (i = 1; i <= n; i++)
		print (i in e) ? e[i] : int(rand() * 204801)
}' >"$tmp/sizes"
i=0
files=""
while read -r size; do
	head -c "$size" /dev/urandom >"$tmp/f$i"
	files="$files $tmp/f$i"
	i=$((i + 1))
done <"$tmp/sizes"
echo "$i random files, $(cat $tmp/f* | wc -c) bytes"

for a in md5 sha1 sha256 sha512; do
	nix-hash --flat --type $a $files >"$tmp/nix16" || fail "nix-hash $a"
	"$HH" -t $a -e base16 $files >"$tmp/my16" || fail "h_hash $a"
	cmp -s "$tmp/nix16" "$tmp/my16" || fail "$a base16 differs"
	nix-hash --flat --base32 --type $a $files >"$tmp/nix32" ||
	    fail "nix-hash --base32 $a"
	"$HH" -t $a -e base32 $files >"$tmp/my32" || fail "h_hash $a"
	cmp -s "$tmp/nix32" "$tmp/my32" || fail "$a base32 differs"
	$NIX hash file --sri --type $a $files >"$tmp/nixsri" ||
	    fail "nix hash file --sri $a"
	"$HH" -t $a -e sri $files >"$tmp/mysri" || fail "h_hash $a"
	cmp -s "$tmp/nixsri" "$tmp/mysri" || fail "$a SRI differs"
	$NIX hash file --base64 --type $a $files >"$tmp/nix64" ||
	    fail "nix hash file --base64 $a"
	"$HH" -t $a -e base64 $files >"$tmp/my64" || fail "h_hash $a"
	cmp -s "$tmp/nix64" "$tmp/my64" || fail "$a base64 differs"
	echo "$a: $NFILES files agree in base16, base32, base64, SRI"
done

# Every form of 40 random digests per algo, written by Nix itself.
bytes() {
	case $1 in md5) echo 16 ;; sha1) echo 20 ;; sha256) echo 32 ;;
	sha512) echo 64 ;; esac
}
for a in md5 sha1 sha256 sha512; do
	hex=""
	for i in $(seq 40); do
		hex="$hex $(od -An -v -tx1 -N$(bytes $a) /dev/urandom |
		    tr -d ' \n')"
	done
	b32=$($NIX hash to-base32 --type $a $hex) || fail "to-base32 $a"
	b64=$($NIX hash to-base64 --type $a $hex) || fail "to-base64 $a"
	sri=$($NIX hash to-sri --type $a $hex) || fail "to-sri $a"
	upper=$(echo $hex | tr a-f A-F)
	nopad=$(echo "$sri" | sed 's/=*$//')
	pre16=$(for h in $hex; do echo "$a:$h"; done)
	pre32=$(for h in $b32; do echo "$a:$h"; done)
	pre64=$(for h in $b64; do echo "$a:$h"; done)
	for form in hex upper b32 b64 sri nopad pre16 pre32 pre64; do
		eval "set -- \$$form"
		for enc in base16 base32 base64 sri; do
			$NIX hash to-$enc --type $a "$@" >"$tmp/nix" ||
			    fail "nix hash to-$enc $a $form"
			"$HH" -p -t $a -e $enc "$@" >"$tmp/my" ||
			    fail "h_hash -p $a $form: $(grep error "$tmp/my")"
			cmp -s "$tmp/nix" "$tmp/my" ||
			    fail "$a $form to $enc differs"
		done
		case $form in
		sri|nopad|pre*)
			# The string alone names the algo.
			$NIX hash to-base16 "$@" >"$tmp/nix" ||
			    fail "nix hash to-base16 $a $form"
			"$HH" -p -e base16 "$@" >"$tmp/my" ||
			    fail "h_hash -p $a $form without -t"
			cmp -s "$tmp/nix" "$tmp/my" ||
			    fail "$a $form without type differs"
			;;
		esac
	done
	echo "$a: 40 digests agree in 9 input forms, 4 outputs"
done

# Refused by both, with Nix's message.  Fields: type (- for none; a
# leading ! skips the message, where Nix's own is garbled), string.
cat >"$tmp/bad" <<'BAD'
sha256 sha256:abc
sha256 abc
- sha256:
sha256 sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0
sha256 sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0g
sha256 sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4ae
sha256 sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4au
sha256 00XYYR3FI8L6HB839BV3F7YB86YJV7XI1CGH1XNHIPYM4ASVB4AQ
sha256 20xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq
md5 8425hx5d1mc9y39llj4k4nm55i
md5 z425hx5d1mc9y39llj4k4nm55i
sha256 sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM
sha256 sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2v=gM
sha256 sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgMA
!sha256 sha256-WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=
sha256 sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2v=gM
- sha256-00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq
- sha256-5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
- sha256-
sha256 sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm
sha1 md5-sZRqySSS0jR8YjW00mERhA==
- foo:abc
- SHA256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq
- blake3-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=
BAD
# sha512 base32 starts with 0-3; 4 spills.
printf 'sha512 %s%s\n' 4lrc0dwnvipqviibf7qfm1y492qvjwb1zhkcyi05cndmva1mr5g \
    jcgrnz1x36djmk0sfg8djd2n0qv68vib2jg590mwznar9jcjphp7 >>"$tmp/bad"
n=0
while read -r t s; do
	same=1
	case $t in !*) same=0 t=${t#!} ;; esac
	if [ "$t" = - ]; then topt=""; else topt="--type $t"; fi
	if [ "$t" = - ]; then hopt=""; else hopt="-t $t"; fi
	if $NIX hash to-base16 $topt "$s" >"$tmp/nix" 2>"$tmp/nixerr"; then
		fail "nix accepts '$s' ($t): $(cat "$tmp/nix")"
	fi
	if "$HH" -p $hopt "$s" >"$tmp/my"; then
		fail "h_hash accepts '$s' ($t): $(cat "$tmp/my")"
	fi
	want=$(head -n 1 "$tmp/nixerr")
	got=$(cat "$tmp/my")
	[ $same = 0 ] || [ "$got" = "$want" ] ||
	    fail "'$s': got '$got', nix says '$want'"
	n=$((n + 1))
done <"$tmp/bad"
echo "$n bad strings: both refuse, with the same message where marked"

# Nix accepts these non-canonical spellings; we refuse them by design.
cat >"$tmp/lax" <<'LAX'
sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgN=
sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM==
sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=xyz
sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgN=
LAX
while read -r s; do
	want=$($NIX hash to-base16 "$s" 2>&1) ||
	    fail "nix now refuses '$s': $want"
	"$HH" -p "$s" >/dev/null && fail "h_hash accepts lax '$s'"
done <"$tmp/lax"
echo "4 lax spellings: nix takes them, h_hash refuses (documented)"

rm -rf "$tmp"
echo ok
