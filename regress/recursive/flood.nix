# A recursive build that waits while the test floods its socket, then
# adds a path through the socket: the daemon serves it again.
let inherit (import ../lib/sh-drv.nix) recursive; in
recursive "flood" ''
  mkdir $out
  touch /build/ready
  n=0
  while [ ! -e /build/go ]; do
    n=$((n + 1))
    [ $n -gt 1200 ] && { echo "no /build/go"; exit 9; }
    sleep 0.1
  done
  echo "added after the flood" >file.txt
  nix-store --add file.txt >$out/added || exit 5
  echo "add: ok" >>$out/log
'' {}
