# A recursive build whose builder builds a ladder of 30 diamonds (63
# derivations, 2^30 paths from top to bottom) shared with every other
# build of this file with the same salt; see stuck.sh.
{ n ? 1, salt ? "" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "stuck-outer-${toString n}" ''
  cat >ladder.nix <<'NIX'
  { salt }:
  let
    mk = name: deps: derivation {
      inherit name salt;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo ''${toString deps} >$out" ];
    };
    level = n: if n == 0 then [ (mk "s0a" [ ]) (mk "s0b" [ ]) ]
      else let below = level (n - 1); in
        [ (mk "s''${toString n}a" below) (mk "s''${toString n}b" below) ];
  in mk "stop" (level 30)
  NIX
  top=$(nix-build --no-out-link ladder.nix --argstr salt "$salt") || exit 1
  echo $top >$out
'' { inherit salt; }
