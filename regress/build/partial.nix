# For partial.sh: three outputs, none referring to another; out differs
# at each build (busybox's $RANDOM), so a rebuilt out would show.
{ salt ? "" }:
derivation {
  name = "multi";
  inherit salt;
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" "doc" ];
  args = [ "-c" ''
    echo building-multi
    echo out-$salt-$RANDOM-$RANDOM > $out
    echo dev-$salt > $dev
    mkdir $doc; echo doc > $doc/f
  '' ];
}
