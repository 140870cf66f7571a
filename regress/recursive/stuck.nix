# A recursive build whose builder builds a ladder of 30 diamonds (63
# derivations, 2^30 paths from top to bottom) shared with every other
# build of this file with the same salt; see stuck.sh.
{ n ? 1, salt ? "" }:
derivation {
  name = "stuck-outer-${toString n}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  inherit salt;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
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
  '' ];
}
