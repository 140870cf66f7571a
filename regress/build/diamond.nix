# A ladder of diamonds: two derivations per level, each depending on
# both of the level below, so the graph has 2 * depth + 3 derivations
# but 2^depth paths from the top to the bottom.  salt makes fresh ones.
{ depth ? 40, salt ? "" }:
let
  mk = name: deps: derivation {
    inherit name salt;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo ${toString deps} >$out" ];
  };
  level = n: if n == 0 then [ (mk "d0a" [ ]) (mk "d0b" [ ]) ]
    else let below = level (n - 1); in
      [ (mk "d${toString n}a" below) (mk "d${toString n}b" below) ];
in mk "dtop" (level depth)
