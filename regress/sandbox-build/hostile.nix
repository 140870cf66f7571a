# Hostile builders for hostile.sh; /hostile is h_hostile, bound in.
# $SENTINEL and $INPUT come from the harness's environment.
let
  drv = name: script:
    (import ../lib/sh-drv.nix).sh name "(${script}) > $out 2>&1" {};
in {
  privs = drv "privs" ''
    /hostile mount unshare-mnt
    busybox touch f; busybox mkdir d
    /hostile chmod:f:4755 chmod:d:2755 setxattr:f listxattr:f
    busybox ls /proc | busybox grep -c '^[0-9]'
  '';
  net = drv "net" ''
    /hostile inet:1.1.1.1:80 abstract:rnixd-sandbox-test
    echo links $(busybox ip -o link | busybox wc -l)
  '';
  write = drv "write" ''
    for f in /etc/passwd /x /bin/sh /dev/x /proc/x $INPUT/f $INPUT/new \
        /tmp/ok /build/ok; do
      if echo x > $f; then echo "$f written"; else echo "$f refused"; fi
    done 2>/dev/null
    busybox chmod 777 /build && echo chmod-build ok
    busybox chmod 777 / || echo chmod-root refused
  '';
  plant = drv "plant" ''
    busybox ln -s $SENTINEL/file /build/victim
    busybox ln -s $SENTINEL /build/dirlink
    busybox mkdir -p /build/deep/er; busybox ln -s $SENTINEL /build/deep/er/x
    busybox ln -s $SENTINEL/file $out.tmp
    busybox ln -s $SENTINEL /tmp/link
    busybox chmod 000 /build/deep
    busybox setsid busybox sleep 1000 &
    (busybox sleep 1000 &) ; echo planted
  '';
}
