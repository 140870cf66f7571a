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

# Replay every seed of fuzz/corpus/<target>/ and every reproducer of
# fuzz/repro/<target>/ once through its fuzz target (ASan and UBSan
# builds, by "make regress" when clang is there): a seed that crashes
# or breaks a target's property is a regression.

: "${RNIXD_TOP:?run through regress/run}"
: "${RNIXD_OBJ:=$RNIXD_TOP/obj}"
BIN="$RNIXD_OBJ/fuzz/bin"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

ls "$BIN"/f_* >/dev/null 2>&1 || {
	echo "no fuzz targets built (clang missing?)"
	exit 77
}
logs=$(mktemp -d /tmp/rnixd-replay.XXXXXX) || exit 1
rc=0
for src in "$RNIXD_TOP"/fuzz/f_*.c; do
	t=$(basename "$src" .c)
	t=${t#f_}
	[ -x "$BIN/f_$t" ] || { echo "FAIL: $t: not built"; rc=1; continue; }
	files=$(find "$RNIXD_TOP/fuzz/corpus/$t" "$RNIXD_TOP/fuzz/repro/$t" \
	    -type f 2>/dev/null | sort)
	n=$(echo "$files" | grep -c .)
	[ "$n" -gt 0 ] || { echo "FAIL: $t: no seeds"; rc=1; continue; }
	# Files as arguments: each is run once, nothing is written.
	# shellcheck disable=SC2086
	if "$BIN/f_$t" -runs=1 -artifact_prefix="$logs/" $files >"$logs/$t.log" 2>&1; then
		echo "$t: $n inputs: ok"
	else
		# libFuzzer stops at the first: name every input that fails.
		for f in $files; do
			"$BIN/f_$t" -runs=1 -artifact_prefix="$logs/" "$f" \
			    >"$logs/one.log" 2>&1 && continue
			why=$(grep -E -m 1 'SUMMARY|property failed|deadly' \
			    "$logs/one.log")
			echo "FAIL: $t: ${f#"$RNIXD_TOP"/}: $why"
		done
		rc=1
	fi
done
[ $rc -eq 0 ] && rm -rf "$logs"
exit $rc
