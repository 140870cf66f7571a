# A recursive build that holds still until the test has looked at its
# socket from the host: it writes /build/ready and waits for /build/go.
{ tag ? "reach" }:
let inherit (import ../lib/sh-drv.nix) recursive waitGo; in
recursive "reach-${tag}" (''
  touch /build/ready
'' + waitGo + ''
  # The socket still serves its own build.
  nix store ping --extra-experimental-features nix-command || exit 2
  echo reached >$out
'') {}
