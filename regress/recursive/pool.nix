# Recursive builds that outnumber the build users, or the job slots:
# each outer build runs the real nix-build inside for its inner ones.
{ tag ? "t", n ? 1, inners ? 1 }:
let
  inner = i: ''
    cat >inner${toString i}.nix <<'NIX'
    derivation { name = "pool-inner-${tag}-${toString n}-${toString i}";
      system = "x86_64-linux"; builder = "/bin/sh";
      args = [ "-c" "echo INNER-${tag}-${toString n}-${toString i} >$out" ]; }
    NIX
    if ! h=$(nix-build --no-out-link inner${toString i}.nix 2>err); then
      cat err; exit 1
    fi
    cat $h >>$out
  '';
in derivation {
  name = "pool-outer-${tag}-${toString n}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    : >$out
    ${builtins.concatStringsSep "\n"
        (map inner (builtins.genList (i: i + 1) inners))}
  '' ];
}
