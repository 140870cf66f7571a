# An outer recursive build whose inner build waits in its sandbox, and
# then the outer waits too, for the test to look at the daemon's
# processes meanwhile.
let
  inherit (import ../lib/sh-drv.nix) recursive waitFor;
in recursive "priv-outer" ''
  eval "$wait_for"
  cat >inner.nix <<'NIX'
  { wait_for }: derivation { name = "priv-inner"; system = "x86_64-linux";
    builder = "/bin/sh"; requiredSystemFeatures = [ "recursive-nix" ];
    inherit wait_for;
    args = [ "-c" "eval \"$wait_for\"; touch /build/inner-ready; wait_for inner-go; echo inner >$out" ]; }
  NIX
  h=$(nix-build --no-out-link inner.nix --argstr wait_for "$wait_for") ||
      exit 1
  [ "$(cat $h)" = inner ] || exit 2
  touch /build/outer-ready
  wait_for outer-go
  ln -s $h $out
'' { wait_for = waitFor; }
