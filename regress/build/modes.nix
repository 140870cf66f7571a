# Build modes: a deterministic output, a non-deterministic one (a fresh
# uuid each build), and one that refers to the first.
let
  # Its test copies this file away from regress/lib: found by RNIXD_TOP.
  lib = import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix");
  sh = script: name: lib.sh name script {};
in rec {
  det = sh "mkdir $out; echo same > $out/f; echo x > $out/g" "det";
  nondet = sh "cat /proc/sys/kernel/random/uuid > $out" "nondet";
  user = sh "echo ${det} > $out" "user";
}
