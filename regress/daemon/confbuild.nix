# One build per configuration of confbuild.sh: what the builder was
# given, in $out.  sleep makes it run (or stay silent) that long.
{ salt ? "", sleep ? "0", features ? [] }:
derivation {
  name = "confbuild";
  inherit salt sleep;
  requiredSystemFeatures = features;
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" ''
    busybox sleep $sleep
    echo "cores $NIX_BUILD_CORES" > $out
  '' ];
}
