# A build that leaves processes behind and runs until killed, for
# spawnerkill.sh: one in the background, one in its own session.
{ salt ? "" }:
derivation {
  name = "forever";
  inherit salt;
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" ''
    busybox sleep 1000 &
    busybox setsid busybox sleep 1000 &
    echo started
    busybox sleep 1000
  '' ];
}
