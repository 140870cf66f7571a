# One trivial busybox build (/bin/sh comes from sandbox-paths).
derivation {
  name = "sbx";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "echo built > $out" ];
}
