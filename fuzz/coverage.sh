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

# Line coverage of each fuzz target: builds it once more with clang's
# source-based coverage (obj/fuzzcov/, no sanitizers), runs it over its
# corpus, its reproducers and what make fuzz found (obj/fuzz/work/),
# and prints the line coverage of the files it tests, one line per
# target (llvm-cov report).  FUZZ_TARGETS limits it to some.

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT="$TOP/obj/fuzzcov"
CC=${FUZZ_CC:-$(command -v clang-14 || command -v clang)}
PROFDATA=$(command -v llvm-profdata-14 || command -v llvm-profdata)
COV=$(command -v llvm-cov-14 || command -v llvm-cov)
TARGETS=${FUZZ_TARGETS:-$(cd "$TOP/fuzz" && ls f_*.c | sed 's/^f_//;s/\.c$//')}
[ -n "$CC" ] && [ -n "$PROFDATA" ] && [ -n "$COV" ] ||
    { echo "coverage: needs clang, llvm-profdata, llvm-cov" >&2; exit 1; }

# The files under test: common/ and whatever a target links.
sources() {
	sed -n 's|^/\* link: \(.*\) \*/$|\1|p' "$TOP/fuzz/f_$1.c"
}

mkdir -p "$OUT"
cd "$TOP" || exit 1
for t in $TARGETS; do
	bin="$OUT/f_$t"
	# shellcheck disable=SC2046
	"$CC" -std=c11 -D_GNU_SOURCE -O1 -g -I common -I fuzz \
	    $(pkg-config --cflags libbsd-overlay) \
	    -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	    -o "$bin" "fuzz/f_$t.c" fuzz/fuzz_util.c common/*.c \
	    $(sources "$t") $(pkg-config --libs libbsd-overlay libcrypto \
	    libevent libseccomp sqlite3 libarchive jansson) || exit 1
	rm -f "$OUT/$t".*.profraw
	# A crashing input ends its process before the profile is written:
	# the seeds go in batches, each reproducer in a process of its own.
	find "fuzz/corpus/$t" "obj/fuzz/work/$t" -type f 2>/dev/null |
	    LLVM_PROFILE_FILE="$OUT/$t.%p.profraw" xargs -n 200 \
	    sh -c '"$0" -runs=1 "$@" >/dev/null 2>&1; exit 0' "$bin"
	find "fuzz/repro/$t" -type f 2>/dev/null |
	    LLVM_PROFILE_FILE="$OUT/$t.%p.profraw" xargs -n 1 \
	    sh -c '"$0" -runs=1 "$@" >/dev/null 2>&1; exit 0' "$bin"
	mv "$bin" "$bin.bin"
	"$PROFDATA" merge -o "$OUT/$t.profdata" "$OUT/$t".*.profraw
	printf '%-10s ' "$t"
	"$COV" report "$bin.bin" -instr-profile="$OUT/$t.profdata" \
	    $(cd "$TOP" && ls common/*.c) $(sources "$t") 2>/dev/null |
	    awk -v t="$t" '
	    $1 ~ /\.c$/ { n = split($0, f, " ");
		# Filename Regions Missed Cover Functions Missed Cover
		# Lines Missed Cover ...: keep files the target reached.
		if (f[8] - f[9] > 0) { lines += f[8]; missed += f[9];
		    used = used " " f[1] } }
	    END { printf "%d/%d lines (%.1f%%) of files reached:%s\n",
		lines - missed, lines, 100 * (lines - missed) / lines, used }'
done
