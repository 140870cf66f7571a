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

# The daemon tests of store, build and recursive once more, with every
# process of rnixd built with ASan and UBSan (obj/asan/bin/rnixd and
# obj/asan/libexec/rnixd/, by "make regress").  lib.sh fails a test
# whose rnixd.log holds a sanitizer report; a child that dies of one
# fails it as well ("lost child").
#
# The children run under seccomp allow-lists made for the plain build.
# ASan and UBSan report with write(2) on stderr, which every child may
# use, and are told not to start llvm-symbolizer (no exec in a
# sandbox; the report keeps module+offset, for addr2line), nor to
# colour it (isatty(3) is an ioctl(2), which builderproc may not call).
# LeakSanitizer is off: its end-of-process check stops the world with
# clone(2) and ptrace(2), which no child may call, and every process
# but the parent ends by a signal or fatal() anyway.
# Tests that measure memory are left to the plain run: ASan's shadow
# and quarantine make resident sizes meaningless, and its allocator
# does not answer mallinfo2(3), so the heap figures read 0.
# RNIXD_ASAN_TESTS overrides which directories run, RNIXD_ASAN_ONLY
# (a pattern) which tests.

: "${RNIXD_TOP:?run through regress/run}"
: "${RNIXD_OBJ:=$RNIXD_TOP/obj}"
ASAN="$RNIXD_OBJ/asan"
DIRS=${RNIXD_ASAN_TESTS:-store build recursive}
MEMORY_TESTS="build/limits recursive/leaks daemon/leaks daemon/membudget"
MEMORY_TESTS="$MEMORY_TESTS daemon/replybudget daemon/textbudget"

for p in bin/rnixd libexec/rnixd/rnixd-storeproc \
    libexec/rnixd/rnixd-builderproc libexec/rnixd/rnixd-mountproc; do
	[ -x "$ASAN/$p" ] || { echo "FAIL: $ASAN/$p not built"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }

# An obj tree of the ASan programs and the plain test helpers.
stage=$(mktemp -d /tmp/rnixd-asan.XXXXXX) || exit 1
trap 'rm -rf "$stage"' EXIT
# Builds bind test helpers from it: build users must get through.
chmod 755 "$stage"
ln -s "$ASAN/bin" "$stage/bin"
ln -s "$ASAN/libexec" "$stage/libexec"
ln -s "$RNIXD_OBJ/regress" "$stage/regress"

export ASAN_OPTIONS="detect_leaks=0:symbolize=0:color=never:exitcode=99"
export UBSAN_OPTIONS="symbolize=0:color=never:print_stacktrace=1:halt_on_error=1"
npass=0 nfail=0 failed=""
for d in $DIRS; do
	for t in "$RNIXD_TOP/regress/$d"/*.sh; do
		[ -x "$t" ] || continue
		name="$d/$(basename "$t" .sh)"
		case "$name" in *"${RNIXD_ASAN_ONLY:-}"*) ;; *) continue ;; esac
		case " $MEMORY_TESTS " in
		*" $name "*) echo "$name: skipped (measures memory)"
			continue ;;
		esac
		log="$stage/$(echo "$name" | tr / _).log"
		(cd "$RNIXD_TOP/regress/$d" && RNIXD_OBJ="$stage" \
		    timeout -k 10 900 sh "$t") >"$log" 2>&1
		rc=$?
		case $rc in
		0|77)	echo "$name: ok${rc#0}"
			npass=$((npass + 1)) ;;
		*)	tail -n 40 "$log"
			echo "$name: FAIL (exit $rc) under ASan"
			nfail=$((nfail + 1))
			failed="$failed $name" ;;
		esac
	done
done
echo "$npass passed, $nfail failed under ASan${failed:+:$failed}"
[ $nfail -eq 0 ]
