# Busybox builders (/bin/sh is busybox-static through sandbox-paths).
let
  sh = args: name: extra: derivation ({
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" args ];
  } // extra);
in rec {
  a = sh "echo hello-a; echo A > $out" "a" {};
  b = sh "echo building-b; read x < ${a}; echo $x-B > $out" "b" {};
  c = sh "read x < ${b}; echo $x-C > $out; echo ${b} >> $out" "c" {};
  bad = sh "echo failing-1; echo failing-2; exit 3" "bad" {};
}
