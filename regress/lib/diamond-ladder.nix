# A ladder of diamonds: two derivations per level, each depending on
# both of the level below, so the graph has 2 * depth + 3 derivations
# but 2^depth paths from the top to the bottom.  prefix starts every
# name; salt makes fresh ones.  Evaluated on the host, and inside
# recursive builds too (given as an input): it imports nothing.
{ depth, prefix, salt ? "" }:
let
  mk = name: deps: derivation {
    inherit name salt;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo ${toString deps} >$out" ];
  };
  level = n: if n == 0 then [ (mk "${prefix}0a" [ ]) (mk "${prefix}0b" [ ]) ]
    else let below = level (n - 1); in
      [ (mk "${prefix}${toString n}a" below)
        (mk "${prefix}${toString n}b" below) ];
in mk "${prefix}top" (level depth)
