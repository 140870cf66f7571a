# Builders for copyrace.sh (/bin/sh is busybox-static).  race leaves a
# file it made unreadable to storeproc (0773) next to a symlink to a
# victim, in a world-writable $out, and waits for /build/go: the test
# swaps the two while storeproc copies.  locked leaves a file and a
# directory mode 000 (copied all the same).
{ salt ? "", victim ? "/nonexistent" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt victim; };
in {
  victim = sh "victim" "echo precious > $out";
  race = sh "race-${salt}" ''
    busybox mkdir $out; busybox chmod 0777 $out
    echo secret > $out/f; busybox chmod 0773 $out/f
    busybox ln -s $victim $out/L
    while [ ! -e /build/go ]; do busybox sleep 0.05; done
  '';
  locked = sh "locked" ''
    busybox mkdir -p $out/d
    echo hidden > $out/f; echo deep > $out/d/g
    busybox chmod 000 $out/f $out/d
  '';
}
