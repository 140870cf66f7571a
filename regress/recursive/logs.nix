# The log of an inner build: one that succeeds, one that fails.  The
# builder keeps what its own nix-build printed, to show what of the
# inner logs reached the sandbox.  chatty: the outer builder is silent
# while its inner build prints a line every half second for 3 seconds.
{ chatty ? false }:
let inherit (import ../lib/sh-drv.nix) recursive; in
if chatty then recursive "logs-chatty" ''
  cat >chatty.nix <<'NIX'
  derivation { name = "logs-chatty-inner"; system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "for i in 1 2 3 4 5 6; do echo line $i; sleep 0.5; done; echo x >$out" ]; }
  NIX
  nix-build --no-out-link chatty.nix >$out 2>/dev/null
'' {} else recursive "logs-outer" ''
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
'' {}
