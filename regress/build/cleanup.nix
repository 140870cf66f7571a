# Builders for cleanup.sh (/bin/sh is busybox-static): build trees made
# hard to remove.  messy leaves mode 000 directories (nested, and with
# files), a deep tree, symlinks out of the sandbox and a fifo, in /build
# and in $out; holder leaves a world-writable $out and waits for
# /build/go while a host process fills it.
{ salt ? "", sentinel ? "/nonexistent", fail ? "" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt sentinel fail; };
in {
  messy = sh "messy" ''
    for d in /build $out; do
      busybox mkdir -p $d/a/b/c $d/z
      echo x > $d/a/b/c/f; echo y > $d/a/b/g
      busybox ln -s $sentinel $d/a/b/out; busybox ln -s / $d/a/root
      busybox ln -s $sentinel/file $d/z/file
      busybox mkfifo $d/fifo 2>/dev/null
      p=$d/deep; i=0
      while [ $i -lt 150 ]; do p=$p/d; i=$((i + 1)); done
      busybox mkdir -p $p; echo bottom > $p/f
      busybox chmod 000 $d/a/b/c $d/a/b $d/a $d/deep/d/d
      busybox chmod 0 $d/z/file 2>/dev/null
      busybox chmod 000 $d/z
    done
    [ -z "$fail" ] || exit 1
    busybox rm -f $out/fifo
  '';
  holder = sh "holder-${salt}" ''
    busybox mkdir -p $out/sub; busybox chmod 0777 $out $out/sub
    while [ ! -e /build/go ]; do busybox sleep 0.05; done
  '';
}
