# A recursive build whose builder builds a ladder of 30 diamonds (63
# derivations, 2^30 paths from top to bottom) shared with every other
# build of this file with the same salt; see stuck.sh.
{ n ? 1, salt ? "" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "stuck-outer-${toString n}" ''
  top=$(nix-build --no-out-link $ladder --arg depth 30 --argstr prefix s \
      --argstr salt "$salt") || exit 1
  echo $top >$out
'' { inherit salt; ladder = ../lib/diamond-ladder.nix; }
