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

# Build modes with the real client.  --check of a deterministic
# derivation passes; of a non-deterministic one it fails with the text
# real Nix 2.8 gives in its sandbox on a private store (same logical
# store dir), and with --keep-failed leaves <out>.check as Nix does.
# --repair of a corrupted and of a deleted output restores it, its NAR
# hash matching the database, while a reader sees the path present and
# valid throughout, and a rebuild in repair mode repairs its inputs
# too.  nix-store --verify --check-contents --repair rebuilds from its
# deriver a modified output, and a vanished one that still has valid
# referrers, and reports a modified path without a deriver.  An
# untrusted client may check but not repair.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build "$BUILD_GROUP"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
build_store_init
store_start
ref_build_opts "$BUILD_GROUP"
cp modes.nix "$TROOT/src/"
cd "$TROOT/src" || fail "cd"

# The message of the error line, colours gone, the reference's real
# store dir written as the logical one.
errline() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" | grep '^error:' |
	    sed "s|$REF/store|$STORE|g"
}

# The NAR hash of a path as the database has it and as it hashes now.
db_hash() {
	dbq "$DB" "select hash from ValidPaths where path = '$1'"
}
now_hash() {
	echo "sha256:$(nix-hash --type sha256 "$1")"
}

echo "build, then --check a deterministic derivation"
det=$(on_rnixd nix-build --no-out-link modes.nix -A det 2>"$TROOT/b.log") ||
    fail "det: $(cat "$TROOT/b.log")"
nd=$(on_rnixd nix-build --no-out-link modes.nix -A nondet 2>"$TROOT/b.log") ||
    fail "nondet: $(cat "$TROOT/b.log")"
# As if it had come from elsewhere: a check that passes makes it
# ultimate, as in Nix.
dbq "$DB" "update ValidPaths set ultimate = 0 where path = '$det'" ||
    fail "sqlite3 update"
on_rnixd nix-build --no-out-link --check modes.nix -A det \
    >/dev/null 2>"$TROOT/c.log" || fail "check det: $(cat "$TROOT/c.log")"
[ "$(dbq "$DB" "select ultimate from ValidPaths where path = '$det'")" = 1 ] ||
    fail "check det: not made ultimate"
grep -q "checking outputs of '.*-det.drv'" "$TROOT/c.log" ||
    fail "check det: no 'checking outputs': $(cat "$TROOT/c.log")"

echo "--check of a missing output: Nix's refusal"
user=$(on_rnixd nix-instantiate modes.nix -A user 2>/dev/null) ||
    fail "instantiate user"
on_rnixd nix-store -r --check "$user" >/dev/null 2>"$TROOT/m.log" &&
    fail "check of a missing output succeeded"
grep -q "some outputs of '.*-user.drv' are not valid, so checking is not \
possible" "$TROOT/m.log" || fail "check missing: $(cat "$TROOT/m.log")"

echo "--check a non-deterministic derivation, as real Nix"
on_ref nix-build $REFOPTS --no-out-link modes.nix -A nondet \
    >/dev/null 2>"$TROOT/r.log" || fail "reference nondet: $(cat "$TROOT/r.log")"
on_ref nix-build $REFOPTS --no-out-link --check modes.nix -A nondet \
    >/dev/null 2>"$TROOT/r.log" && fail "reference check passed"
on_rnixd nix-build --no-out-link --check modes.nix -A nondet \
    >/dev/null 2>"$TROOT/n.log" && fail "check of nondet passed"
want=$(errline "$TROOT/r.log")
got=$(errline "$TROOT/n.log")
[ -n "$want" ] && [ "$got" = "$want" ] ||
    fail "check nondet: got '$got', real Nix: '$want'"
[ -e "$nd.check" ] && fail "$nd.check kept without --keep-failed"
on_rnixd nix-store --check-validity "$nd" >/dev/null ||
    fail "$nd invalid after check"
[ "$(db_hash "$nd")" = "$(now_hash "$nd")" ] || fail "$nd changed by check"

echo "nix build --rebuild (BuildPathsWithResults) in check mode"
nddrv=$(on_rnixd nix-instantiate modes.nix -A nondet 2>/dev/null) ||
    fail "instantiate nondet"
on_rnixd nix build --no-link --rebuild "$nddrv" 2>"$TROOT/n.log" &&
    fail "nix build --rebuild of nondet passed"
got=$(errline "$TROOT/n.log")
[ "$got" = "$want" ] || fail "--rebuild: got '$got', real Nix: '$want'"

echo "--check --keep-failed keeps <out>.check, as real Nix"
on_ref nix-build $REFOPTS --no-out-link --check --keep-failed modes.nix \
    -A nondet >/dev/null 2>"$TROOT/r.log" && fail "reference check passed"
on_rnixd nix-build --no-out-link --check --keep-failed modes.nix -A nondet \
    >/dev/null 2>"$TROOT/n.log" && fail "check of nondet passed"
want=$(errline "$TROOT/r.log")
got=$(errline "$TROOT/n.log")
[ -n "$want" ] && [ "$got" = "$want" ] ||
    fail "keep-failed: got '$got', real Nix: '$want'"
[ -f "$nd.check" ] || fail "no $nd.check"
[ "$(cat "$nd.check")" != "$(cat "$nd")" ] || fail "$nd.check is the same"
[ -e "$(ref_real "$nd").check" ] || fail "reference kept no .check"

echo "an untrusted client may check, not repair"
mkdir "$TROOT/home" && chown nobody "$TROOT/home" || fail "home"
as_nobody() {
	HOME="$TROOT/home" NIX_REMOTE="$RSTORE" setpriv --reuid=nobody \
	    --regid=nogroup --clear-groups "$@"
}
detdrv=$(on_rnixd nix-instantiate modes.nix -A det 2>/dev/null) ||
    fail "instantiate det"
as_nobody nix-store -r --check "$detdrv" >/dev/null 2>"$TROOT/u.log" ||
    fail "untrusted check: $(cat "$TROOT/u.log")"
as_nobody nix-store -r --repair "$detdrv" >/dev/null 2>"$TROOT/u.log" &&
    fail "untrusted repair allowed"
grep -q "repairing is not allowed because you are not in 'trusted-users'" \
    "$TROOT/u.log" || fail "untrusted repair: $(cat "$TROOT/u.log")"
as_nobody nix-store --verify --repair >/dev/null 2>"$TROOT/u.log" &&
    fail "untrusted verify --repair allowed"
grep -q "you are not privileged to repair paths" "$TROOT/u.log" ||
    fail "untrusted verify --repair: $(cat "$TROOT/u.log")"

echo "--repair a corrupted output while a reader watches it"
good=$(db_hash "$det")
chmod u+w "$det/f" && echo corrupt >"$det/f" || fail "corrupt $det"
[ "$(now_hash "$det")" != "$good" ] || fail "corruption had no effect"
rm -f "$TROOT/stop" "$TROOT/gone"
(
	while [ ! -e "$TROOT/stop" ]; do
		[ -f "$det/f" ] || echo "missing" >>"$TROOT/gone"
		[ "$(dbq "$DB" "select count(*) from ValidPaths where \
path = '$det'")" = 1 ] || echo "invalid" >>"$TROOT/gone"
	done
) &
reader=$!
on_rnixd nix-build --no-out-link --repair modes.nix -A det \
    >/dev/null 2>"$TROOT/rp.log"
rc=$?
touch "$TROOT/stop"
wait $reader
[ $rc -eq 0 ] || fail "repair: $(cat "$TROOT/rp.log")"
grep -q "repairing outputs of '.*-det.drv'" "$TROOT/rp.log" ||
    fail "repair: no 'repairing outputs': $(cat "$TROOT/rp.log")"
[ -e "$TROOT/gone" ] && fail "during repair: $(sort -u "$TROOT/gone")"
[ "$(cat "$det/f")" = same ] || fail "repair: $det/f is $(cat "$det/f")"
[ "$(now_hash "$det")" = "$(db_hash "$det")" ] || fail "repair: hash"
[ "$(db_hash "$det")" = "$good" ] || fail "repair: hash in db changed"
on_rnixd nix-store --verify-path "$det" || fail "verify-path after repair"
[ -z "$(store_temps)" ] || fail "left in the store: $(store_temps)"

echo "--repair of an intact output builds nothing"
on_rnixd nix-build --no-out-link --repair modes.nix -A det \
    >/dev/null 2>"$TROOT/rp.log" || fail "repair intact"
grep -q "repairing outputs" "$TROOT/rp.log" && fail "intact output rebuilt"

echo "--repair a deleted output"
rm -rf "$det"
on_rnixd nix-store -r --repair "$detdrv" >/dev/null 2>"$TROOT/rp.log" ||
    fail "repair deleted: $(cat "$TROOT/rp.log")"
[ "$(now_hash "$det")" = "$good" ] || fail "repair deleted: hash"

echo "--repair that rebuilds repairs the inputs too, as Nix"
uout=$(on_rnixd nix-build --no-out-link modes.nix -A user 2>"$TROOT/rp.log") ||
    fail "build user: $(cat "$TROOT/rp.log")"
chmod u+w "$det/f" && echo corrupt >"$det/f" || fail "corrupt $det"
rm -rf "$uout"
on_rnixd nix-build --no-out-link --repair modes.nix -A user \
    >/dev/null 2>"$TROOT/rp.log" || fail "repair user: $(cat "$TROOT/rp.log")"
[ "$(cat "$uout")" = "$det" ] || fail "repair user: $uout is $(cat "$uout")"
[ "$(now_hash "$det")" = "$good" ] || fail "input det of user not repaired"

echo "nix-store --repair-path: the client's own refusal, as with nix-daemon"
on_rnixd nix-store --repair-path "$det" >/dev/null 2>"$TROOT/rp.log" &&
    fail "repair-path succeeded"
grep -q "operation 'repairPath' is not supported by store" "$TROOT/rp.log" ||
    fail "repair-path: $(cat "$TROOT/rp.log")"

echo "nix-store --verify --check-contents [--repair]"
chmod u+w "$det/g" && echo corrupt >"$det/g" || fail "corrupt $det/g"
on_rnixd nix-store --verify --check-contents >/dev/null 2>"$TROOT/v.log" &&
    fail "verify: corruption not found"
grep -q "path '$det' was modified!" "$TROOT/v.log" ||
    fail "verify: $(cat "$TROOT/v.log")"
on_rnixd nix-store --verify --check-contents --repair \
    >/dev/null 2>"$TROOT/v.log" || fail "verify --repair: $(cat "$TROOT/v.log")"
[ "$(cat "$det/g")" = x ] || fail "verify --repair: $det/g not restored"
[ "$(now_hash "$det")" = "$good" ] || fail "verify --repair: hash"
on_rnixd nix-store --verify --check-contents >/dev/null 2>"$TROOT/v.log" ||
    fail "verify after repair: $(cat "$TROOT/v.log")"

echo "verify --repair: a vanished path with valid referrers is rebuilt"
rm -rf "$det"
on_rnixd nix-store --verify --repair >/dev/null 2>"$TROOT/v.log" ||
    fail "verify --repair of a vanished path: $(cat "$TROOT/v.log")"
grep -q "path '$det' disappeared, but it still has valid referrers!" \
    "$TROOT/v.log" || fail "verify --repair vanished: $(cat "$TROOT/v.log")"
[ "$(now_hash "$det")" = "$good" ] || fail "vanished $det not rebuilt"

echo "a modified path without a deriver cannot be repaired"
echo text >"$TROOT/t.txt"
txt=$(on_rnixd nix-store --add "$TROOT/t.txt") || fail "add"
chmod u+w "$txt" && echo changed >"$txt" || fail "corrupt $txt"
on_rnixd nix-store --verify --check-contents --repair \
    >/dev/null 2>"$TROOT/v.log" && fail "verify --repair: no error"
grep -q "cannot repair path '$txt'" "$TROOT/v.log" ||
    fail "verify --repair text: $(cat "$TROOT/v.log")"
nix_ping >/dev/null || fail "daemon stopped serving"
db_integrity
echo ok
