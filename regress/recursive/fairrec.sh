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

# Inner builds share build slots as the builds of the user whose outer
# build asked for them.  With max-jobs 1, root's and nobody's recursive
# builds both run; root's asks for 3 slow inner builds, then nobody's
# for a trivial one: it gets the next free slot, after at most one of
# root's inner builds, as a build nobody asked for outside would.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
cat >>"$CONF" <<EOT
max-jobs = 1
allowed-users = *
EOT
rnixd_start

drva=$(nix-instantiate fairrec.nix --argstr who root --arg count 3 \
    --arg secs 2 --argstr salt "$$" 2>/dev/null) || fail "instantiate root"
drvb=$(nix-instantiate fairrec.nix --argstr who nobody --arg count 1 \
    --arg secs 0 --argstr salt "$$" 2>/dev/null) || fail "instantiate nobody"
mkdir "$TROOT/home" && chown nobody "$TROOT/home" || fail "home"

nix-store -r "$drva" >"$TROOT/a.out" 2>"$TROOT/a.log" &
apid=$!
HOME="$TROOT/home" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    nix-store -r "$drvb" >"$TROOT/b.out" 2>"$TROOT/b.log" &
bpid=$!
da=$(rec_find_build ready-root) || fail "root's build: $(log a)"
db=$(rec_find_build ready-nobody) || fail "nobody's build: $(log b)"
touch "$da/go"
wait_log "fairrec-root-0.drv: build [0-9]* started" 30 ||
    fail "root's first inner build did not start: $(log a)"
sleep 0.3
touch "$db/go"
wait $apid || fail "root's build: $(log a)"
wait $bpid || fail "nobody's build: $(log b)"

set -- $(cat "$(cat "$TROOT/b.out")")
[ "$1" = nobody ] || fail "nobody's output: $*"
qstart=$2
before=0
while read -r who start; do
	echo "$who's inner build started at $start"
	awk -v s="$start" -v q="$qstart" 'BEGIN { exit !(s < q) }' &&
	    before=$((before + 1))
done <"$(cat "$TROOT/a.out")"
echo "nobody's inner build started at $qstart, after $before of root's"
[ "$before" -eq 1 ] ||
    fail "nobody's inner build waited for $before of root's, expected 1"
echo ok
