# The seed's recursive-Nix example: the outer builder runs the real
# nix-build inside its sandbox for an inner derivation it only writes
# while building, links the result into $out and records what
# `nix path-info -r --json` says about it from inside.
derivation {
  name = "outer";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    echo "outer: NIX_REMOTE=$NIX_REMOTE"
    cat >inner.nix <<'NIX'
    derivation { name = "inner"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo built inside >$out" ]; }
    NIX
    inner=$(nix-build --no-out-link inner.nix) || exit 1
    mkdir $out
    ln -s $inner $out/inner
    nix --extra-experimental-features nix-command \
        path-info -r --json $inner >$out/path-info.json || exit 1
    echo "outer: inner built at $inner"
  '' ];
}
