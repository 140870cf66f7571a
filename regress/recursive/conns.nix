# 1000 connections opened and closed on one build's socket, and 50 held
# at once, in steps the test outside paces through files in /build.
let
  inherit (import ../lib/sh-drv.nix) sh withClient waitFor;
  dep = sh "conns-dep" "echo dep >$out" {};
in withClient ./h_recclient.py "conns" (''
  rc() { python3 $client /build/.nix-socket $NIX_STORE "$@"; }
'' + waitFor + ''
  mkdir $out
  echo "added before the connections" >file.txt
  nix-store --add file.txt >/build/added || exit 5
  rc conns 1 >>$out/log 2>&1 || { cat $out/log; exit 1; }
  touch /build/ready
  wait_for go1
  rc conns 1000 >>$out/log || exit 2
  rc hold 50 /build/go2 >>$out/log || exit 3
  touch /build/closed
  wait_for go3
  rc conns 1 >>$out/log || exit 4
  cat $out/log
'') { IN = dep; }
