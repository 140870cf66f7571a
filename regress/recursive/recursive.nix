# Recursive Nix: builders that run the real Nix client inside their
# sandbox against /build/.nix-socket.  /bin/sh is busybox-static; the
# client comes from the host's /usr through sandbox-paths.
let
  inherit (import ../lib/sh-drv.nix) sh recursive;
  rec_ = name: script: recursive name ''
    nixc="--extra-experimental-features nix-command"
    ${script}
  '' {};
  plain = name: script: sh name script {};
in {
  # The seed's example: an inner nix-build, symlinked, and its path-info.
  seed = rec_ "seed" ''
    cat >inner.nix <<'NIX'
    derivation { name = "inner"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo INNER >$out" ]; }
    NIX
    h=$(nix-build --no-out-link inner.nix) || exit 1
    mkdir $out
    ln -s $h $out/inner
    nix $nixc path-info -r --json $h >$out/info.json || exit 1
    cat $h
    cat $out/info.json
  '';

  # An inner nix-store --add whose path $out refers to.
  added = rec_ "added" ''
    echo hello-added >file.txt
    p=$(nix-store --add file.txt) || exit 1
    [ "$(cat $p)" = hello-added ] || exit 2
    echo $p >$out
  '';

  # A path outside the closure (given by name only) looks invalid.
  outside = p: rec_ "outside" ''
    if nix-store --check-validity ${builtins.unsafeDiscardStringContext p}
    then echo VISIBLE; exit 1; fi
    if nix-store -q --references ${builtins.unsafeDiscardStringContext p}
    then echo VISIBLE; exit 1; fi
    [ -e ${builtins.unsafeDiscardStringContext p} ] && exit 3
    echo invisible >$out
  '';

  # A fixed-output derivation asked for from inside is refused.
  fod = rec_ "fod" ''
    cat >fod.nix <<'NIX'
    derivation { name = "fod-inner"; system = "x86_64-linux";
      builder = "/bin/sh"; args = [ "-c" "echo -n x >$out" ];
      outputHashMode = "flat"; outputHashAlgo = "sha256";
      outputHash = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; }
    NIX
    if nix-build --no-out-link fod.nix 2>err.txt; then exit 1; fi
    cat err.txt
    grep -q "fixed-output" err.txt || exit 2
    echo refused >$out
  '';

  # Without the feature: no socket, no NIX_REMOTE.
  nosocket = plain "nosocket" ''
    [ -e /build/.nix-socket ] && exit 1
    [ -n "$NIX_REMOTE" ] && exit 2
    echo none >$out
  '';

  # Only ever built on a daemon without the experimental feature.
  off = rec_ "off" "echo off >$out";

  secret = plain "secret" "echo secret >$out";
}
