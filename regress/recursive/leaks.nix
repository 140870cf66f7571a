# One round of regress/recursive/leaks.sh: a recursive build that adds
# a file and builds an inner derivation through its socket, and a plain
# build that fails.  r makes every round's derivations new.
{ r }:
let
  inherit (import ../lib/sh-drv.nix) sh recursive;
in {
  outer = recursive "leak-outer-${r}" ''
    echo "added ${r}" >f
    p=$(nix-store --add f) || exit 1
    cat >inner.nix <<'NIX'
    derivation { name = "leak-inner-${r}"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo inner ${r} >$out" ]; }
    NIX
    i=$(nix-build --no-out-link inner.nix) || exit 2
    nix-store -q --references $i >/dev/null || exit 3
    echo "$p $i" >$out
  '' {};
  failing = sh "leak-failing-${r}" "echo failing ${r}; exit 1" {};
}
