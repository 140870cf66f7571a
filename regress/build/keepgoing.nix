# Builders for keepgoing.sh (/bin/sh is busybox-static through
# sandbox-paths).  With 2 job slots, slow and bad start together; bad
# fails at once; good1 and good2 wait for slow, after for bad.
{ salt ? "" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: extra: lib.sh name script ({ inherit salt; } // extra);
in rec {
  slow = sh "slow" "busybox sleep 2; echo slow > $out" {};
  bad = sh "bad" "echo bad-log; exit 3" {};
  good1 = sh "good1" "read x < ${slow}; echo $x-1 > $out" {};
  good2 = sh "good2" "read x < ${slow}; echo $x-2 > $out" {};
  after = sh "after" "read x < ${bad}; echo $x > $out" {};
}
