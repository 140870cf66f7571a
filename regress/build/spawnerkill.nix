# A build that leaves processes behind and runs until killed, for
# spawnerkill.sh: one in the background, one in its own session.
{ salt ? "" }:
(import ../lib/sh-drv.nix).sh "forever" ''
  busybox sleep 1000 &
  busybox setsid busybox sleep 1000 &
  echo started
  busybox sleep 1000
'' { inherit salt; }
