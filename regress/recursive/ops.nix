# The restricted socket's policy, op by op: a raw client
# (h_recclient.py, python3 from the host's /usr) and the real Nix
# client inside one recursive build, which writes what it saw to $out.
let
  inherit (import ../lib/sh-drv.nix) sh withClient;
  plain = name: script: sh name script {};
  nc = builtins.unsafeDiscardStringContext;
  dep = plain "ops-dep" "echo dep >$out";
  fod = name: ''
    derivation { name = "${name}"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo -n x >$out" ];
      outputHashMode = "flat"; outputHashAlgo = "sha256";
      outputHash = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; }
  '';
in rec {
  inherit dep;
  # Refers to dep, so dep has a referrer outside.
  dep2 = plain "ops-dep2" "echo ${dep} >$out";
  # Built outside, never an input of the build below.
  secret = plain "ops-secret" "echo secret >$out";
  # A fixed-output derivation built outside: an input of the build.
  fodv = import (builtins.toFile "fodv.nix" (fod "ops-fodv"));

  ops = withClient ./h_recclient.py "ops" ''
    nixc="--extra-experimental-features nix-command"
    rc() { python3 $client /build/.nix-socket $NIX_STORE "$@"; }
    say() { echo "$*" >>$out/real; }
    mkdir $out
    cat >inner.nix <<'NIX'
    derivation { name = "ops-inner"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo inner >$out" ]; }
    NIX
    cat >fod-deep.nix <<'NIX'
    let fod = derivation { name = "ops-fod"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo -n x >$out" ];
      outputHashMode = "flat"; outputHashAlgo = "sha256";
      outputHash = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; };
      mid = derivation { name = "ops-mid"; system = "x86_64-linux";
        builder = "/bin/sh"; args = [ "-c" "cat ''${fod} >$out" ]; };
    in derivation { name = "ops-top"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "cat ''${mid} >$out" ]; }
    NIX
    cat >fail.nix <<'NIX'
    derivation { name = "ops-fail"; system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "for i in 1 2 3; do echo LOGSECRET-$i; done; exit 3" ]; }
    NIX
    cat >fod-valid.nix <<NIX
    let fod = $fodvExpr;
    in derivation { name = "ops-fodv-user"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "cat \''${fod} >\$out" ]; }
    NIX
    cat >slow.nix <<'NIX'
    derivation { name = "ops-slow"; system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "/usr/bin/sleep 1.5; echo slow >$out" ]; }
    NIX
    SLOWDRV=$(nix-instantiate slow.nix) || exit 1
    INNERDRV=$(nix-instantiate inner.nix) || exit 1
    FAILDRV=$(nix-instantiate fail.nix) || exit 1
    FODDEEP=$(nix-instantiate fod-deep.nix) || exit 1
    export INNERDRV FODDEEP FAILDRV SLOWDRV

    # The raw client: every case, each on its own connection.
    rc all >$out/cases 2>&1 || { cat $out/cases; exit 1; }

    # The same through the real client.
    nix-store --gc >gc.txt 2>&1 || { cat gc.txt; exit 1; }
    [ -e $IN ] && nix-store --check-validity $IN || exit 1
    say "gc: $(grep -c 'deleted' gc.txt) $(tail -n 1 gc.txt)"
    nix-store --delete $IN >del.txt 2>&1
    [ -e $IN ] && nix-store --check-validity $IN || exit 1
    say "delete: input still there"
    say "referrers: [$(nix-store -q --referrers $IN)]"
    nix-store --generate-binary-cache-key k1 sk pk || exit 1
    if nix $nixc store sign --key-file sk $IN 2>sign.txt; then
      say "sign: accepted"
    else
      say "sign: $(tr '\n' ' ' <sign.txt)"
    fi
    if nix-store --check-validity $SECRET 2>/dev/null; then
      say "secret: valid"
    else
      say "secret: invalid"
    fi
    if nix $nixc path-info $SECRET 2>pi.txt; then
      say "path-info secret: shown"
    else
      say "path-info secret: $(tr '\n' ' ' <pi.txt)"
    fi
    if nix-store -r $SECRETDRV 2>r.txt; then
      say "realise secret drv: done"
    else
      say "realise secret drv: $(tr '\n' ' ' <r.txt)"
    fi
    if nix-build --no-out-link --repair inner.nix 2>repair.txt; then
      say "repair build: done"
    else
      say "repair build: $(tr '\n' ' ' <repair.txt)"
    fi
    if nix-build --no-out-link fod-deep.nix 2>fod.txt; then
      say "fod deep: built"
    else
      say "fod deep: $(tr '\n' ' ' <fod.txt)"
    fi
    # A FOD whose output is valid (an input of this build) builds
    # nothing: the graph above it may be built.
    if h=$(nix-build --no-out-link fod-valid.nix 2>fv.txt); then
      say "fod valid: built $(cat $h)"
    else
      say "fod valid: $(tr '\n' ' ' <fv.txt)"
    fi
    h=$(nix-build --no-out-link inner.nix) || exit 1
    say "inner: $(cat $h)"
    cat $out/cases $out/real
  '' {
    IN = dep;
    SECRET = nc secret.outPath;
    SECRETDRV = nc secret.drvPath;
    FODV = fodv;
    fodvExpr = fod "ops-fodv";
  };
}
