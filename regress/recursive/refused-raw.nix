# A recursive build that waits for the test to say go (/build/go,
# made from the host) and then uses its socket: it must have survived
# whatever the test sent on it meanwhile.
{ tag ? "a" }:
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "refused-raw-${tag}" ''
  n=0
  while [ ! -e /build/go ]; do
    n=$((n + 1)); [ $n -gt 600 ] && exit 1; sleep 0.1
  done
  echo hello >f
  p=$(nix-store --add f) || exit 2
  echo $p >$out
'' {}
