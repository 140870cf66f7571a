# Builders for bigout.sh (/bin/sh is busybox-static): a sparse output
# (a 64 MiB file with data at three places, and a file of bigGiB GiB
# with one block of data in it), and a 64 MiB file with 40 hard links.
{ salt ? "", bigGiB ? "8" }:
let
  lib = import ../lib/sh-drv.nix;
  sh = name: script: lib.sh name script { inherit salt bigGiB; };
in {
  sparse = sh "sparse-${salt}" ''
    busybox mkdir $out
    echo head > $out/small
    busybox truncate -s 67108864 $out/small
    echo mid | busybox dd of=$out/small bs=1 seek=33554432 conv=notrunc
    echo tail | busybox dd of=$out/small bs=1 seek=67108000 conv=notrunc
    busybox truncate -s $((bigGiB * 1073741824)) $out/big
    echo needle | busybox dd of=$out/big bs=1 seek=1073741824 conv=notrunc
  '';
  links = sh "links-${salt}" ''
    busybox mkdir -p $out/d
    busybox dd if=/dev/urandom of=$out/f bs=1048576 count=64
    i=1
    while [ $i -lt 40 ]; do busybox ln $out/f $out/d/l$i; i=$((i + 1)); done
  '';
}
