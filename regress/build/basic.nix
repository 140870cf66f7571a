# Busybox builders (/bin/sh is busybox-static through sandbox-paths).
let
  inherit (import ../lib/sh-drv.nix) sh;
in rec {
  a = sh "a" "echo hello-a; echo A > $out" {};
  b = sh "b" "echo building-b; read x < ${a}; echo $x-B > $out" {};
  c = sh "c" "read x < ${b}; echo $x-C > $out; echo ${b} >> $out" {};
  bad = sh "bad" "echo failing-1; echo failing-2; exit 3" {};
}
