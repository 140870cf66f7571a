# For partial.sh: three outputs, none referring to another; out differs
# at each build (busybox's $RANDOM), so a rebuilt out would show.
{ salt ? "" }:
(import ../lib/sh-drv.nix).sh "multi" ''
  echo building-multi
  echo out-$salt-$RANDOM-$RANDOM > $out
  echo dev-$salt > $dev
  mkdir $doc; echo doc > $doc/f
'' { inherit salt; outputs = [ "out" "dev" "doc" ]; }
