# An outer recursive build whose inner build runs a while; the test
# kills the outer builder meanwhile.
{ tag ? "a", secs ? "0" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "killed-outer-${tag}" ''
  cat >inner.nix <<'NIX'
  derivation { name = "killed-inner-${tag}"; system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo INNER-STARTED; sleep ${secs}; echo ${tag} >$out" ]; }
  NIX
  h=$(nix-build --no-out-link inner.nix) || exit 1
  cat $h >$out
'' {}
