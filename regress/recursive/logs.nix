# The log of an inner build: one that succeeds, one that fails.  The
# builder keeps what its own nix-build printed, to show what of the
# inner logs reached the sandbox.
derivation {
  name = "logs-outer";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    echo OUTER-BEFORE
    cat >ok.nix <<'NIX'
    derivation { name = "logs-inner"; system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo INNER-MARKER-1; echo INNER-MARKER-2; echo x >$out" ]; }
    NIX
    cat >bad.nix <<'NIX'
    derivation { name = "logs-bad"; system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo SECRET-TAIL; exit 3" ]; }
    NIX
    mkdir $out
    nix-build --no-out-link ok.nix >$out/path 2>$out/ok.err || exit 1
    if nix-build --no-out-link bad.nix 2>$out/bad.err; then exit 2; fi
    echo OUTER-AFTER
  '' ];
}
