# Busybox builders for concurrency.sh; salt makes fresh derivations.
{ salt ? "", n ? 30 }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt; };
  # Start and end, in seconds since boot (the host's clock: /proc/uptime
  # is not namespaced), and the build user seen as uid 1000 inside.
  timed = i: sh "timed-${toString i}" ''
    read s x < /proc/uptime
    sleep 0.3
    read e x < /proc/uptime
    echo "$s $e" > $out
  '';
in {
  many = builtins.genList timed n;
  # Says it started, then takes a while: shared by two clients, or
  # abandoned by its only one.
  slow = sh "slow" "echo started-slow; sleep 3; echo slow-done; echo done > $out";
}
