# Builders that record when they ran (seconds since boot: /proc/uptime
# is the host's clock) for fair.sh; salt makes fresh derivations.
{ salt ? "" }:
let
  timed = name: secs: (import ../lib/sh-drv.nix).sh name ''
    read s x </proc/uptime
    echo started-${name}
    sleep ${toString secs}
    read e x </proc/uptime
    echo "${name} $s $e" >$out
  '' { inherit salt; };
in {
  # One user's queue of slow builds.
  slow = builtins.genList (i: timed "fair-slow-${toString i}" 2) 3;
  # Another user's trivial build.
  quick = timed "fair-quick" 0;
}
