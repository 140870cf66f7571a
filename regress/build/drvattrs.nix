# Hostile derivations for drvattrs.sh: builders that swap the daemon's
# build-dir files for symlinks to a host file, __json values too deep
# or too large, failing builds that leave a writable output behind.
{ salt, victim, round ? "0" }:
let
  # Its test copies this file away from regress/lib: found by RNIXD_TOP.
  lib = import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix");
  sh = name: script: extra:
    lib.sh name script ({ inherit salt round; } // extra);
  # Every name the daemon writes, made a symlink to the host file, over
  # and over by a process that outlives the builder.
  racer = ''
    ( n=0; while [ $n -lt 200 ]; do
        for f in /build/.attr-* /build/.attrs.json /build/.attrs.sh \
            /build/closure; do
          busybox rm -f $f; busybox ln -s ${victim} $f
        done
        n=$((n + 1)); busybox usleep 10000
      done ) </dev/null >/dev/null 2>&1 &
    busybox usleep 300000
    busybox cat /build/.attr-* /build/.attrs.json /build/closure 2>&1 |
      busybox grep -c precious >> $o || true
  '';
  dep = sh "dep" "echo dep > $out" { round = "0"; };
  many = n: s: builtins.concatStringsSep "" (builtins.genList (_: s) n);
  kb = many 1024 "a";
in {
  racepass = sh "racepass" (''
    o=$out
    [ "$(busybox cat $textPath)" = "the text" ] && echo first: ok > $o
    '' + racer) { passAsFile = [ "text" ]; text = "the text"; };
  racejson = sh "racejson" (''
    o=${builtins.placeholder "out"}
    busybox grep -q '"text":"the text"' .attrs.json &&
      busybox grep -q "^declare text='the text'$" .attrs.sh &&
      echo first: ok > $o
    '' + racer) { __structuredAttrs = true; text = "the text"; };
  racegraph = sh "racegraph" (''
    o=$out
    busybox grep -q "^${dep}$" closure && echo first: ok > $o
    '' + racer) { exportReferencesGraph = [ "closure" dep ]; };
  # __json as a plain attribute: the daemon takes it as structured.
  deep = sh "deep" "echo > $out"
    { __json = many 100000 "[" + many 100000 "]"; };
  huge = sh "huge" "echo > $out"
    { __json = "{\"a\":\"" + many 102400 kb + "\"}"; };
  fine = sh "fine" "echo fine > $out" {};
  graphdrv = sh "graphdrv" "busybox cat d > $out"
    { exportReferencesGraph = [ "d" dep.drvPath ]; };
  scratch = sh "scratch" ''
    busybox mkdir -p $out/sub; busybox chmod 777 $out $out/sub
    echo x > $out/f; busybox chmod 666 $out/f; exit 1'' {};
  scratchfod = sh "scratchfod" "echo x > $out; busybox chmod 666 $out" {
    outputHashMode = "flat"; outputHashAlgo = "sha256";
    outputHash = "0000000000000000000000000000000000000000000000000000";
  };
}
