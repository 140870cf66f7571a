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
# a build daemon.  Both start as bench/store.sh starts them (root, the
# foreground, a private root each), both build in their sandbox as the
# users of RNIXD_BUILD_GROUP (default nixbld) with /bin/sh =
# busybox-static and the same max-jobs (start-up in bench/lib.sh),
# and the same client (nix-store from nix-bin) runs the same builds
# against each in the same run:
#   (1) latency of one trivial build: nix-store -r of a fresh .drv
#       (instantiated beforehand), the median of 15 each;
#   (2) nix-store -r of 60 independent trivial derivations at once.
# Prints seconds and the ratio rnixd/nix-daemon (targets: (1) <= 0.70,
# (2) < 1).  A missed target is reported; only a wrong answer (outputs
# that differ) fails.  Cleans up after itself.
# BENCH_DIR=dir puts the scratch directory elsewhere (default /var/tmp).

TOP=$(cd "$(dirname "$0")/.." && pwd)
RNIXD="${RNIXD_OBJ:-$TOP/obj}/bin/rnixd"
RUNS=15
JOBS=4

echo "build daemon: rnixd vs nix-daemon 2.8, same client, same run"
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/build.sh: needs root, skipped"
	exit 0
fi
for p in nix-daemon nix-store nix-instantiate nix busybox; do
	command -v $p >/dev/null ||
	    { echo "bench/build.sh: no $p, skipped"; exit 0; }
done
BB=$(command -v busybox)
[ -x "$RNIXD" ] || { echo "bench/build.sh: $RNIXD missing (make)"; exit 1; }
. "$TOP/bench/lib.sh"
bench_users bench/build.sh || exit 1
SANDBOX_PATHS="/bin/sh=$BB"
export NIX_CONFIG="experimental-features = nix-command"
bench_init bbench || exit 1
bench_start bench/build.sh || exit 1


# The builders fail outside a sandbox (no /build there).
[ -e /build ] && { echo "bench/build.sh: the host has /build, skipped"; exit 0; }
cat >"$T/in/b.nix" <<'EOT'
{ salt, n ? 1 }:
builtins.genList (i: derivation {
  name = "t-${toString i}";
  inherit salt;
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "test -d /build && echo ${toString i} > $out" ];
}) n
EOT

# inst store salt n: the .drv files, one a line, in $T/drvs.
inst() {
	NIX_REMOTE="$1" nix-instantiate "$T/in/b.nix" --argstr salt "$2" \
	    --arg n "$3" >"$T/drvs" 2>"$T/err" ||
	    { cat "$T/err" >&2; return 1; }
}

# realise store: nix-store -r of $T/drvs; wall time in ns.
realise() {
	t0=$(now)
	NIX_REMOTE="$1" nix-store -r $(cat "$T/drvs") >"$T/out" 2>"$T/err" ||
	    { cat "$T/err" >&2; return 1; }
	echo $(($(now) - t0))
}

# Same outputs, by name and content (store paths hash the store dir).
same() {	# what
	for f in out.r out.n; do
		while read -r p; do
			echo "${p##*/[0-9a-z]*-} $(cat "$p")"
		done <"$T/$f" | sed 's/^[0-9a-z]\{32\}-//' | sort >"$T/$f.c"
	done
	if ! cmp -s "$T/out.r.c" "$T/out.n.c" || [ ! -s "$T/out.r.c" ]; then
		echo "bench/build.sh: WRONG: $1 differs:"
		diff "$T/out.r.c" "$T/out.n.c" | head -6
		status=1
	fi
}

row() {	# label rnixd-ns nix-ns target
	printf "%-36s %s %s %s\n" "$1" "$(secs "$2")" "$(secs "$3")" \
	    "$(ratio "$2" "$3")"
	bench_target "$@"
}

printf "%-36s %8s %8s %6s\n" "" "rnixd" "nix" "ratio"

# (1) one trivial build, 15 fresh derivations each, alternating.
: >"$T/lat.r"
: >"$T/lat.n"
i=0
while [ $i -lt $RUNS ]; do
	for d in r n; do
		[ $d = r ] && s=$R || s=$N
		inst "$s" "lat$i-$$" 1 || exit 1
		realise "$s" >>"$T/lat.$d" || exit 1
		cp "$T/out" "$T/out.$d"
	done
	same "one trivial build"
	i=$((i + 1))
done
row "one trivial build (median of $RUNS)" "$(median <"$T/lat.r")" \
    "$(median <"$T/lat.n")" 0.70

# (2) 60 independent derivations in one call.
inst "$R" "many-$$" 60 || exit 1
rt=$(realise "$R") || exit 1
cp "$T/out" "$T/out.r"
inst "$N" "many-$$" 60 || exit 1
nt=$(realise "$N") || exit 1
cp "$T/out" "$T/out.n"
same "60 trivial builds"
row "60 independent builds, max-jobs $JOBS" "$rt" "$nt" 0.9999

echo "ratio: rnixd time / nix-daemon time; targets: <= 0.70 (one), < 1 (60)"
bench_report build
