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

# make fuzz: run every fuzz target for FUZZ_SECONDS (default 20) on a
# copy of its corpus, one after the other (FUZZ_JOBS at once, default
# 1), and keep what crashes in fuzz/repro/<target>/.  New inputs stay
# in obj/fuzz/work/<target>/; merge the useful ones into the corpus
# by hand (libFuzzer -merge=1).  FUZZ_TARGETS limits the run to some.
# Exit 1 if any target found a crash.

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN="$TOP/obj/fuzz/bin"
SECONDS_EACH=${FUZZ_SECONDS:-20}
TARGETS=${FUZZ_TARGETS:-$(cd "$TOP/fuzz" && ls f_*.c | sed 's/^f_//;s/\.c$//')}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=""
for t in $TARGETS; do
	[ -x "$BIN/f_$t" ] || { echo "fuzz: $BIN/f_$t missing" >&2; exit 1; }
	work="$TOP/obj/fuzz/work/$t"
	repro="$TOP/fuzz/repro/$t"
	mkdir -p "$work" "$repro"
	log="$TOP/obj/fuzz/work/$t.log"
	"$BIN/f_$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
	    -artifact_prefix="$repro/" "$work" "$TOP/fuzz/corpus/$t" \
	    >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ $rc -ne 0 ]; then
		echo "$t: FOUND A CRASH (log $log, input in $repro)"
		failed="$failed $t"
	else
		echo "$t: ${runs:-?} runs, ${rate:-?}/s, $cov"
	fi
done
[ -z "$failed" ] || { echo "fuzz: crashes in:$failed"; exit 1; }
