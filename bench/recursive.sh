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

# make bench (from bench/run): recursive Nix, rnixd against the real
# nix-daemon 2.8.  Both start as bench/build.sh starts them
# (bench/lib.sh: root, the foreground, a private root each, the same
# build users, sandbox on, /bin/sh = busybox-static and the host's
# /usr, /lib, /lib64 in the sandbox so that the real Nix client runs
# inside), and the same client (nix-store from nix-bin) realises the
# same outer derivations against each in the same run, alternating:
#   an outer recursive build whose builder runs 20 sequential inner
#   builds, each of a fresh trivial derivation (its own salt), minus
#   the same outer build doing none, divided by 20: the cost of one
#   inner build, seen from outside, median of RUNS repetitions.
# Two kinds of inner build are timed:
#   (a) nix-build of a fresh expression, as the seed's example does
#       (the client evaluates it, adds the .drv, builds);
#   (b) nix-store -r of a .drv that the outer builder instantiated
#       beforehand; the outer build doing none instantiates them too,
#       so (b) is the daemon's build path plus a client start.
# Prints ms per inner build and the ratio rnixd/nix-daemon (target
# <= 0.70).  A missed target is reported; only a wrong answer (inner
# outputs missing from the outer output or differing between the
# daemons) fails.  Cleans up after itself.
# RNIXD_BUILD_GROUP=group: the build users' group of both daemons
# (default nixbld).  REC_RUNS=n, REC_INNER=n: repetitions (default 5)
# and inner builds per outer build (default 20).  BENCH_DIR=dir puts
# the scratch directory elsewhere (default /var/tmp).

TOP=$(cd "$(dirname "$0")/.." && pwd)
RNIXD="${RNIXD_OBJ:-$TOP/obj}/bin/rnixd"
RUNS=${REC_RUNS:-5}
NINNER=${REC_INNER:-20}
JOBS=2

echo "recursive Nix: rnixd vs nix-daemon 2.8, same client, same run"
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/recursive.sh: needs root, skipped"
	exit 0
fi
for p in nix-daemon nix-store nix-instantiate nix-build nix busybox; do
	command -v $p >/dev/null ||
	    { echo "bench/recursive.sh: no $p, skipped"; exit 0; }
done
BB=$(command -v busybox)
[ -x "$RNIXD" ] || { echo "bench/recursive.sh: $RNIXD missing (make)"; exit 1; }
# The builders fail outside a sandbox (no /build there).
[ -e /build ] &&
    { echo "bench/recursive.sh: the host has /build, skipped"; exit 0; }
. "$TOP/bench/lib.sh"
bench_users bench/recursive.sh || exit 1
# The host's Nix client runs inside; Nix 2.8 offers recursive-nix only
# if told.
SANDBOX_PATHS="/bin/sh=$BB /usr /lib /lib64?"
BENCH_NIX_CONF="experimental-features = recursive-nix nix-command
system-features = nixos-test benchmark big-parallel recursive-nix"
BENCH_RNIXD_CONF="experimental-features = recursive-nix"
bench_init rbench || exit 1
bench_start bench/recursive.sh || exit 1

# The outer derivation: n inner builds of kind "build" (nix-build of a
# fresh expression) or "realise" (nix-store -r of .drv files it
# instantiated first; with n = 0 it still instantiates them).  The
# inner outputs are linked into $out, so they are in its closure;
# $out/loop holds the builder's clock (ns) before and after them.
cat >"$T/in/outer.nix" <<'EOT'
{ salt, kind, n, m }:
derivation {
  name = "rec-outer-${kind}-${toString n}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  inherit salt kind;
  n = toString n;
  m = toString m;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    mkdir $out
    cat >inner.nix <<'NIX'
    { salt, i }: derivation { name = "rec-inner-''${i}"; inherit salt;
      system = "x86_64-linux"; builder = "/bin/sh";
      args = [ "-c" "echo ''${i} >$out" ]; }
    NIX
    i=0
    if [ $kind = realise ]; then
      while [ $i -lt $m ]; do
        nix-instantiate inner.nix --argstr salt $salt --argstr i $i \
            >drv$i || exit 1
        i=$((i + 1))
      done
    fi
    t0=$(/usr/bin/date +%s%N)
    i=0
    while [ $i -lt $n ]; do
      if [ $kind = realise ]; then
        p=$(nix-store -r $(cat drv$i)) || exit 1
      else
        p=$(nix-build --no-out-link inner.nix --argstr salt $salt \
            --argstr i $i) || exit 1
      fi
      ln -s $p $out/inner$i
      i=$((i + 1))
    done
    echo $t0 $(/usr/bin/date +%s%N) >$out/loop
  '' ];
}
EOT

ms() { awk -v ns="$1" 'BEGIN { printf "%8.1f", ns / 1e6 }'; }
# A ratio of times that may be zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a > 0 && b > 0) printf "%6.2f", a / b; else printf "     -" }'; }

# outer store kind n salt: instantiate the outer .drv, realise it; its
# wall time in ns on stdout, its output in $T/out.
outer() {
	NIX_REMOTE="$1" nix-instantiate "$T/in/outer.nix" --argstr salt "$4" \
	    --argstr kind "$2" --arg n "$3" --arg m "$NINNER" \
	    >"$T/drv" 2>"$T/err" || { cat "$T/err" >&2; return 1; }
	t0=$(now)
	NIX_REMOTE="$1" nix-store -r "$(cat "$T/drv")" >"$T/out" \
	    2>"$T/err" || { cat "$T/err" >&2; return 1; }
	echo $(($(now) - t0))
}

# check store n: $T/out has n inner outputs, each "<i>", in its closure.
check() {
	o=$(cat "$T/out")
	got=$(NIX_REMOTE="$1" nix-store -qR "$o" | grep -c -- '-rec-inner-')
	if [ "$got" -ne "$2" ]; then
		echo "bench/recursive.sh: WRONG: $o has $got inner" \
		    "outputs in its closure, expected $2"
		status=1
		return 1
	fi
	i=0
	while [ $i -lt "$2" ]; do
		if [ "$(cat "$o/inner$i" 2>/dev/null)" != "$i" ]; then
			echo "bench/recursive.sh: WRONG: $o/inner$i:" \
			    "'$(cat "$o/inner$i" 2>&1)', expected '$i'"
			status=1
			return 1
		fi
		i=$((i + 1))
	done
}

# run kind: RUNS repetitions of (none, NINNER) on both daemons,
# alternating; per-inner-build ns of each repetition in $T/<kind>.<d>,
# and as the builder's clock saw it in $T/<kind>.<d>.in.
run() {
	: >"$T/$1.r"
	: >"$T/$1.n"
	rep=0
	while [ $rep -lt "$RUNS" ]; do
		for d in r n; do
			[ $d = r ] && s=$R || s=$N
			salt=$1-$rep-$$
			t0=$(outer "$s" "$1" 0 "$salt-0") || return 1
			check "$s" 0 || return 1
			t1=$(outer "$s" "$1" "$NINNER" "$salt") || return 1
			check "$s" "$NINNER" || return 1
			echo $(((t1 - t0) / NINNER)) >>"$T/$1.$d"
			read -r l0 l1 <"$(cat "$T/out")/loop"
			echo $(((l1 - l0) / NINNER)) >>"$T/$1.$d.in"
			echo "$d $1 rep $rep: none $(ms "$t0") ms," \
			    "$NINNER inner $(ms "$t1") ms" >>"$T/detail"
		done
		rep=$((rep + 1))
	done
}

row() {	# label rnixd-ns nix-ns target
	printf "%-44s %s %s %s\n" "$1" "$(ms "$2")" "$(ms "$3")" \
	    "$(ratio "$2" "$3")"
	bench_target "$@"
}

printf "%-44s %8s %8s %6s\n" "ms per inner build (median of $RUNS)" \
    "rnixd" "nix" "ratio"
for kind in build realise; do
	if ! run $kind; then
		echo "bench/recursive.sh: FAILED: an outer build ($kind)"
		tail -5 "$T/rnixd.log" "$T/nix-daemon.log"
		exit 1
	fi
	[ $kind = build ] && label="(a) inner nix-build, $NINNER in a row" ||
	    label="(b) inner nix-store -r, $NINNER in a row"
	row "$label" "$(median <"$T/$kind.r")" "$(median <"$T/$kind.n")" 0.70
	printf "%-44s %s %s %s\n" "    the same, timed inside the outer builder" \
	    "$(ms "$(median <"$T/$kind.r.in")")" \
	    "$(ms "$(median <"$T/$kind.n.in")")" \
	    "$(ratio "$(median <"$T/$kind.r.in")" "$(median <"$T/$kind.n.in")")"
done
[ -n "$REC_DETAIL" ] && cat "$T/detail"

echo "per inner build: (outer with $NINNER - outer with none) / $NINNER" \
    "on the client's clock;"
echo "inside: the outer builder's clock around its $NINNER inner builds;" \
    "target: ratio <= 0.70"
bench_report recursive
