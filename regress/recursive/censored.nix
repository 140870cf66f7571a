# Path info seen from inside a recursive build, for the test to
# compare with what a client outside sees of the same paths.
let
  inherit (import ../lib/sh-drv.nix) sh withClient;
  dep = sh "cen-dep" "echo dep >$out" {};
  # Refers to dep: its references are not empty.
  dep2 = sh "cen-dep2" "echo ${dep} >$out" {};
in {
  inherit dep dep2;
  cen = withClient ./h_recclient.py "cen" ''
    nixc="--extra-experimental-features nix-command"
    cat >inner.nix <<'NIX'
    { dep }: derivation { name = "cen-inner"; system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo ''${builtins.storePath dep} >$out" ]; }
    NIX
    inner=$(nix-build --no-out-link inner.nix --argstr dep $IN) || exit 1
    dep=$(nix-store -q --references $IN) || exit 1
    echo added >file.txt
    added=$(nix-store --add file.txt) || exit 1
    # Also added outside first, and signed there: the add's reply
    # shows the existing path, censored.
    echo shared >shared.txt
    mkdir $out
    python3 $client /build/.nix-socket $NIX_STORE addinfo shared.txt \
        /build/shared.txt >$out/addinfo.json || exit 1
    ln -s $inner $out/inner
    ln -s $added $out/added
    echo $dep $IN $inner $added >$out/paths
    nix $nixc path-info --json $dep $IN $inner $added >$out/pi.json || exit 1
    python3 $client /build/.nix-socket $NIX_STORE info \
        $dep $IN $inner $added >$out/raw.json || exit 1
    cat $out/pi.json $out/raw.json
  '' { IN = dep2; };
}
