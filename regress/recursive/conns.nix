# 1000 connections opened and closed on one build's socket, and 50 held
# at once, in steps the test outside paces through files in /build.
let
  dep = derivation {
    name = "conns-dep";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo dep >$out" ];
  };
in derivation {
  name = "conns";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  IN = dep;
  client = ./h_recclient.py;
  wp = ../lib/wp.py;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    mkdir /build/lib && cp $wp /build/lib/wp.py || exit 1
    export PYTHONPATH=/build/lib
    rc() { python3 $client /build/.nix-socket $NIX_STORE "$@"; }
    wait_for() {
      n=0
      while [ ! -e /build/$1 ]; do
        n=$((n + 1))
        [ $n -gt 600 ] && { echo "no /build/$1"; exit 9; }
        sleep 0.1
      done
    }
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
  '' ];
}
