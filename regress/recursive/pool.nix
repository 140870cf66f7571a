# Recursive builds that outnumber the build users, or the job slots:
# each outer build runs the real nix-build inside for its inner ones,
# which may be recursive builds themselves.
{ tag ? "t", n ? 1, inners ? 1, depth ? 1 }:
let
  # depth > 1: the inner builds are recursive ones of this very file.
  inner = i: if depth > 1 then ''
    if ! h=$(nix-build --no-out-link ${./pool.nix} --argstr tag ${tag} \
        --arg n ${toString n} --arg depth ${toString (depth - 1)} 2>err)
    then
      cat err; exit 1
    fi
    cat $h >>$out
  '' else ''
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
  name = "pool-outer-${tag}-${toString n}-d${toString depth}";
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
