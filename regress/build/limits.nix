# Busybox builders for limits.sh; salt makes fresh derivations.
{ salt ? "" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt; };
in {
  # Silent after one line, for ever: timeout and max-silent-time.
  sleeper = sh "sleeper" "echo sleeping; sleep 1000 & sleep 1000; echo never > $out";
  # Talks every half second for 6 s: never silent for a second.
  talker = sh "talker" ''
    i=0
    while [ $i -lt 12 ]; do echo tick-$i; sleep 0.5; i=$((i + 1)); done
    echo done > $out
  '';
  # 50 MiB of log: 1 MiB lines of 64-byte records, then a marker.
  chatty = sh "chatty" ''
    yes 0123456789abcdef0123456789abcdef0123456789abcdef012345678901234 |
        head -c 52428800
    echo end-of-chatter
    echo ok > $out
  '';
}
