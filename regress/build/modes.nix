# Build modes: a deterministic output, a non-deterministic one (a fresh
# uuid each build), and one that refers to the first.
let
  sh = args: name: derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" args ];
  };
in rec {
  det = sh "mkdir $out; echo same > $out/f; echo x > $out/g" "det";
  nondet = sh "cat /proc/sys/kernel/random/uuid > $out" "nondet";
  user = sh "echo ${det} > $out" "user";
}
