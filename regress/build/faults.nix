# Busybox builders for faults.sh; salt makes fresh derivations.
{ salt ? "" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt; };
in {
  slow = sh "slow" "echo started-slow; sleep 3; echo done > $out";
  quick = sh "quick" "echo quick > $out";
  # A large output, long to register: a window to kill storeproc in.
  big = sh "big" ''
    mkdir $out
    i=0
    while [ $i -lt 4 ]; do
      head -c 268435456 /dev/zero > $out/f$i; i=$((i + 1))
    done
    echo written-big
  '';
}
