# A recursive build that builds a ladder of 40 diamonds (83 derivations,
# 2^40 paths from top to bottom) through its socket; see diamond.sh.
{ salt ? "" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "diamond-outer" ''
  cat >ladder.nix <<'NIX'
  { salt }:
  let
    mk = name: deps: derivation {
      inherit name salt;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo ''${toString deps} >$out" ];
    };
    level = n: if n == 0 then [ (mk "d0a" [ ]) (mk "d0b" [ ]) ]
      else let below = level (n - 1); in
        [ (mk "d''${toString n}a" below) (mk "d''${toString n}b" below) ];
  in mk "dtop" (level 40)
  NIX
  top=$(nix-build --no-out-link ladder.nix --argstr salt "$salt") || exit 1
  echo $top >$out
'' { inherit salt; }
