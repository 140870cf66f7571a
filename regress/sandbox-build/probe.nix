# What a builder sees, printed into $out (regress/sandbox-build).
# "det" prints only what must be byte-identical between real Nix 2.8
# and rnixd; "probe" prints more, compared after masking times.
let
  drv = name: script: (import ../lib/sh-drv.nix).sh name
    "[ -t 1 ] && isatty=yes; (${script}) > $out 2>&1; echo built" {};
  lsn = d: "busybox ls -lan ${d} | busybox awk '{ print $1, $3, $4, $NF }'";
in {
  det = drv "det" ''
    busybox env | busybox sort; export -p; busybox id; busybox hostname
    busybox cat /proc/sys/kernel/domainname; umask; busybox pwd
    busybox cat /etc/passwd /etc/group /etc/hosts
    ${lsn "/"} | busybox grep -v ' proc$'; ${lsn "/etc"}; ${lsn "/build"}
    ${lsn "/dev"}; ${lsn "/dev/pts"}; ${lsn "/nix"}; ${lsn "/nix/store"}
    busybox grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp):' /proc/self/status
    busybox ls /proc/self/fd; busybox readlink /proc/self/fd/0
    echo stdout tty: $isatty; ulimit -c; busybox ip -o link
  '';
  probe = drv "probe" ''
    for d in / /etc /build /dev /dev/pts /dev/shm /tmp /nix /nix/store /bin; do
      echo "== ls $d"; busybox ls -la $d
    done
    echo "== ps"; busybox ps -o pid,ppid,user,args
    echo "== ulimit"; ulimit -a
    echo "== ip"; busybox ip addr; busybox cat /proc/net/dev
  '';
}
