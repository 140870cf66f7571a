# Hostile builders for hostile.sh, run by rnixd (and ptrace by real Nix
# too): /hostile is regress/sandbox-build/h_hostile, /fdpass h_fdpass
# and /ptrace h_ptrace, bound in with sandbox-paths.  sentinel is a host
# path the builders aim at, hostpid a host process's pid.
{ salt ? "", sentinel ? "/nonexistent", abstract ? "none", fodHash ? "",
  hostpid ? "0" }:
let
  lib = import ../lib/sh-drv.nix;
  drv = name: script: extra: lib.sh name script ({
    inherit salt sentinel abstract;
    input = builtins.toFile "input" "input\n";
  } // extra);
  sh = name: script: drv name script {};
in {
  # Privileges: each attempt's result in $out/report; a setuid and a
  # setgid file and dir left in $out, which must not stay so.
  privs = sh "privs" ''
    mkdir $out
    busybox touch $out/f; busybox mkdir $out/d
    busybox mkdir $out/setid
    (/hostile mount unshare-mnt chmod:$out/f:4755 chmod:$out/d:2755 \
        setxattr:$out/f listxattr:$out/f setid:$out/setid uring \
        openat2) > $out/report 2>&1
    busybox chmod u+s $out/f 2>/dev/null
    busybox chmod g+s $out/d 2>/dev/null; true
  '';
  # The network and a host abstract socket, from a derivation that is
  # not fixed-output.
  net = sh "net" ''
    (/hostile inet:1.1.1.1:80 abstract:$abstract
     echo links $(busybox ip -o link | busybox wc -l)) > $out 2>&1
  '';
  # Writes outside $out and /build: each refused, or kept in the
  # sandbox (its own /tmp and store dir).
  write = sh "write" ''
    for f in /etc/passwd /x /bin/sh /dev/x /proc/x $input $input-new \
        $sentinel/file $sentinel/new $NIX_STORE/evil-$salt /tmp/ok /build/ok; do
      if echo x > $f; then echo "$f written"; else echo "$f refused"; fi
    done > $out 2>/dev/null
  '';
  # Symlinks at names next to $out and at the output itself, into
  # the host; processes left running; an unreadable dir in /build.
  plant = sh "plant" ''
    busybox ln -s $sentinel/file /build/victim
    busybox mkdir -p /build/deep/er; busybox ln -s $sentinel /build/deep/er/x
    busybox chmod 000 /build/deep
    for n in $out.tmp $out.lock $out.chroot $out.check $NIX_STORE/.rnixd-x; do
      busybox ln -s $sentinel $n
    done
    busybox setsid busybox sleep 1000 &
    (busybox sleep 1000 &)
    busybox ln -s $sentinel/file $out
    echo planted
  '';
  # ptrace: its own children, PTRACE_TRACEME and exec, pid 1 (the
  # shell, its parent), a host process by its host pid, and a traced
  # child's chmod made setuid by its tracer at syscall entry.
  ptrace = drv "ptrace" ''
    busybox touch /build/f
    /ptrace $hostpid /build/f > $out 2>&1
  '' { inherit hostpid; };
  # A fixed-output derivation passing an fd of its output to the host.
  fdpass = drv "fdpass" ''
    echo fod-content > $out
    /fdpass $abstract $out
  '' {
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = fodHash;
  };
}
