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

# make bench (from bench/run): rnixd against the real nix-daemon 2.8 as
# a store daemon.  Both start the same way, as root, in the foreground,
# each on a private root of its own (store, state and socket inside a
# scratch directory), and the same client (nix-store, nix from nix-bin)
# runs the same commands against each in the same run:
#   (1) nix-store --add of a 1 GiB random file (one run each, page
#       cache warm; the peak RSS of rnixd's processes is shown, as the
#       upload must stream);
#   (2) nix path-info of 500 paths in one call (best of 7: a call
#       takes ~50 ms, short enough for a busy machine's noise to
#       decide a best of 3); the first call, with rnixd's path info
#       cache still empty, is shown apart;
#   (3) 200 sequential nix-store -q --references calls (best of 3).
# The runs of (2) and (3) alternate between the two daemons, so that
# load that comes and goes during the run hits both alike.
# Prints seconds for each and the ratio rnixd/nix-daemon (target: <= 1,
# rnixd at least as fast).  A missed target is reported; only a wrong
# answer (paths or info that differ) fails.  Cleans up after itself.
# BENCH_DIR=dir puts the scratch directory elsewhere (default /var/tmp).
# STORE_BENCH="add info refs" (a subset) runs only those parts, and
# STORE_RUNS=n takes the best of n for both (2) and (3).

TOP=$(cd "$(dirname "$0")/.." && pwd)
RNIXD="${RNIXD_OBJ:-$TOP/obj}/bin/rnixd"
RUNS=${STORE_RUNS:-3}
INFO_RUNS=${STORE_RUNS:-7}
PARTS=${STORE_BENCH:-add info refs}
NEED_KB=$((4 * 1024 * 1024))

# part name: whether that part of the benchmark runs.
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

echo "store daemon: rnixd vs nix-daemon 2.8, same client, same run"
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/store.sh: needs root, skipped"
	exit 0
fi
for p in nix-daemon nix-store nix; do
	command -v $p >/dev/null ||
	    { echo "bench/store.sh: no $p, skipped"; exit 0; }
done
[ -x "$RNIXD" ] || { echo "bench/store.sh: $RNIXD missing (make)"; exit 1; }
getent passwd _rnixd-mount >/dev/null ||
    sh "$TOP/mk/users.sh" >/dev/null ||
    { echo "bench/store.sh: cannot create rnixd's users"; exit 1; }

dir=${BENCH_DIR:-/var/tmp}
free=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
part add || NEED_KB=$((64 * 1024))
if [ "${free:-0}" -lt $NEED_KB ]; then
	echo "bench/store.sh: $dir has $((free / 1024)) MiB free, needs" \
	    "$((NEED_KB / 1024)); skipped"
	exit 0
fi
. "$TOP/bench/lib.sh"
bench_init sbench || exit 1
echo 'substituters =' >"$T/conf/nix.conf"
export NIX_CONFIG="experimental-features = nix-command"

bench_rnixd_conf
bench_daemons bench/store.sh || exit 1

# best store n cmd...: best wall time in ns of n runs against a store.
best() {
	s=$1 n=$2
	shift 2
	b=""
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(now)
		(export NIX_REMOTE="$s"; "$@") >"$T/out" 2>"$T/err" ||
		    { cat "$T/err" >&2; return 1; }
		t=$(($(now) - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

min() {	# a b: the smaller, or b if a is empty
	if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi
}

row() {	# label rnixd-ns nix-ns
	printf "%-36s %s %s %s\n" "$1" "$(secs "$2")" "$(secs "$3")" \
	    "$(ratio "$2" "$3")"
	[ "$2" -gt "$3" ] && misses="$misses|$1: rnixd slower"
}

# Peak RSS of rnixd and its children, in MiB.
peak_rss() {
	for p in $RPID $(pgrep -P $RPID); do
		awk '/VmHWM/ { print $2 }' /proc/$p/status 2>/dev/null
	done | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'
}

# Same answer from both.  Store paths hash the store dir, so they are
# compared by name: each path becomes P-<name>; JSON records one a line.
norm() {
	sed "s|$1/nix/store/[0-9a-z]\{32\}-|P-|g; s/^\[//; s/\]\$//;
	    s/},{/}\n{/g" "$2" | sort
}
same() {	# what
	norm "$T/r" "$T/out.r" >"$T/a"
	norm "$T/n" "$T/out.n" >"$T/b"
	if ! cmp -s "$T/a" "$T/b"; then
		echo "bench/store.sh: WRONG: $1 differs:"
		diff "$T/a" "$T/b" | head -6 | cut -c 1-160
		status=1
	fi
}

echo "making inputs..."
if part add; then
	head -c 1073741824 /dev/urandom >"$T/in/big" || exit 1
	cat "$T/in/big" >/dev/null
fi
i=0
while [ $i -lt 500 ]; do
	echo "small file $i" >"$T/in/s$i"
	i=$((i + 1))
done
printf "%-36s %8s %8s %6s\n" "" "rnixd" "nix" "ratio"

# (1) the 1 GiB add.
bench_add() {
	rt=$(best "$R" 1 nix-store --add "$T/in/big") || exit 1
	cp "$T/out" "$T/out.r"
	rss=$(peak_rss)
	nt=$(best "$N" 1 nix-store --add "$T/in/big") || exit 1
	cp "$T/out" "$T/out.n"
	same "nix-store --add of 1 GiB"
	row "nix-store --add, 1 GiB file" "$rt" "$nt"
}

# (2) path-info of 500 paths in one call.
bench_info() {
	NIX_REMOTE="$R" nix-store --add "$T"/in/s* >"$T/paths.r" || exit 1
	NIX_REMOTE="$N" nix-store --add "$T"/in/s* >"$T/paths.n" || exit 1
	rt="" nt="" k=0 rcold="" ncold=""
	while [ $k -lt "$INFO_RUNS" ]; do
		t=$(best "$R" 1 nix path-info --json $(cat "$T/paths.r")) ||
		    exit 1
		: "${rcold:=$t}"
		rt=$(min "$rt" "$t")
		sed 's/"registrationTime":[0-9]*//g' "$T/out" >"$T/out.r"
		t=$(best "$N" 1 nix path-info --json $(cat "$T/paths.n")) ||
		    exit 1
		: "${ncold:=$t}"
		nt=$(min "$nt" "$t")
		sed 's/"registrationTime":[0-9]*//g' "$T/out" >"$T/out.n"
		k=$((k + 1))
	done
	same "nix path-info of 500 paths"
	row "nix path-info, 500 paths, one call" "$rt" "$nt"
	# The first call finds builderproc's path info cache empty; the
	# others are answered from it (nix-daemon's cache lives in its
	# per-connection process and starts empty every time).  Shown, not
	# judged: a client that asks twice gets the later figure.
	printf "%-36s %s %s %s\n" "  the first call alone" "$(secs "$rcold")" \
	    "$(secs "$ncold")" "$(ratio "$rcold" "$ncold")"
}

# (3) 200 sequential queries: a .drv with 3 references, 200 times.
refs200() {
	j=0
	while [ $j -lt 200 ]; do
		nix-store -q --references "$1" || return 1
		j=$((j + 1))
	done
}
bench_refs() {
	cat >"$T/in/q.nix" <<'EOT'
derivation {
  name = "q"; system = "x86_64-linux"; builder = "/bin/sh";
  a = ./s1; b = ./s2; c = builtins.toFile "c" "c";
}
EOT
	qr=$(NIX_REMOTE="$R" nix-instantiate "$T/in/q.nix" 2>/dev/null) ||
	    exit 1
	qn=$(NIX_REMOTE="$N" nix-instantiate "$T/in/q.nix" 2>/dev/null) ||
	    exit 1
	rt="" nt="" k=0
	while [ $k -lt "$RUNS" ]; do
		t=$(best "$R" 1 refs200 "$qr") || exit 1
		rt=$(min "$rt" "$t")
		cp "$T/out" "$T/out.r"
		t=$(best "$N" 1 refs200 "$qn") || exit 1
		nt=$(min "$nt" "$t")
		cp "$T/out" "$T/out.n"
		k=$((k + 1))
	done
	same "nix-store -q --references"
	[ "$(wc -l <"$T/out.r")" -eq 600 ] || {
		echo "bench/store.sh: WRONG: 200 x 3 references expected"
		status=1
	}
	row "200 x nix-store -q --references" "$rt" "$nt"
}

rss=""
if part add; then bench_add; fi
if part info; then bench_info; fi
if part refs; then bench_refs; fi

if [ -n "$rss" ]; then
	echo "rnixd peak RSS during the 1 GiB add: $rss MiB (largest process)"
fi
echo "ratio: rnixd time / nix-daemon time; target <= 1.00"
bench_report store
