# A recursive build that builds a ladder of 40 diamonds (83 derivations,
# 2^40 paths from top to bottom) through its socket; see diamond.sh.
{ salt ? "" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "diamond-outer" ''
  top=$(nix-build --no-out-link $ladder --arg depth 40 --argstr prefix d \
      --argstr salt "$salt") || exit 1
  echo $top >$out
'' { inherit salt; ladder = ../lib/diamond-ladder.nix; }
