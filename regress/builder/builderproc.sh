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

# rnixd-builderproc as a running process, driven by h_builderproc
# playing its parent, storeproc, mountproc and a Nix client: a few ops
# and a refused build, then malformed messages from each peer, each
# with the outcome builderproc's code and STYLE.md give it.  Root is
# needed: builderproc chroots and drops to builder-user itself.  Run
# on the plain build and, when built, on the ASan+UBSan one.
. "$RNIXD_TOP/regress/lib.sh"
H="$RNIXD_OBJ/regress/builder/h_builderproc"

require_root
[ -x "$H" ] || fail "h_builderproc not built"
id _rnixd-builder >/dev/null 2>&1 || skip "needs user _rnixd-builder"

T=$(mktemp -d /tmp/builderproc.XXXXXX) || fail mktemp
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi' EXIT
chmod 755 "$T"
mkdir -p "$T/nix/store" "$T/state/rnixd/empty" "$T/log" "$T/logs"
chmod 555 "$T/state/rnixd/empty"
cat >"$T/rnixd.conf" <<EOT
store-dir = $T/nix/store
state-dir = $T/state
log-dir = $T/log
daemon-socket = $T/socket
build-users-group = $BUILD_GROUP
EOT

for variant in "" asan/; do
	B="$RNIXD_OBJ/${variant}libexec/rnixd/rnixd-builderproc"
	if [ ! -x "$B" ]; then
		[ -z "$variant" ] && fail "rnixd-builderproc not built"
		echo "no ASan build of rnixd-builderproc: left out"
		continue
	fi
	echo "== ${variant:-plain/}rnixd-builderproc"
	rm -f "$T"/logs/*
	ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=99" \
	    "$H" "$B" "$T/rnixd.conf" "$T/nix/store" "$T/socket" \
	    "$T/logs" 2>"$T/stderr" || {
		cat "$T/stderr" >&2
		for l in "$T"/logs/*; do
			echo "--- $l" >&2
			tail -n 20 "$l" >&2
		done
		fail "h_builderproc on ${variant:-plain/}rnixd-builderproc"
	}
	# No sanitizer report in any builderproc's log, fatal case or not.
	if grep -l -e "ERROR: AddressSanitizer" -e "runtime error:" \
	    "$T"/logs/* >/dev/null 2>&1; then
		grep -h -A20 -e "ERROR: AddressSanitizer" -e "runtime error:" \
		    "$T"/logs/* >&2
		fail "a sanitizer report in builderproc's log"
	fi
done
echo "every case as designed, no crash, no sanitizer report: ok"
