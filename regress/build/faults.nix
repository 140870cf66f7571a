# Busybox builders for faults.sh; salt makes fresh derivations.
{ salt ? "" }:
let
  sh = name: script: derivation {
    inherit name salt;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
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
