#!/bin/sh
# Copyright (c) 2026 The rnixd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# Hostile builders through the daemon (not the sandbox harness): mount,
# unshare, setuid and setgid modes, xattrs, the network and a host
# abstract socket from a derivation that is not fixed-output, writes
# outside $out and /build, symlinks into the host at names next to $out
# and as $out, processes left running.  Each is contained: nothing of
# the host changes, no setuid bit or stray name is registered, no
# process or build dir is left.  A fixed-output derivation passing an
# fd of its output to a host listener (CVE-2024-27297): its connection
# to the host's abstract socket is refused (Landlock scope).
# ptrace: its own children are traced, as in real Nix 2.8's sandbox
# (the report must be the same line by line), a host process named by
# its host pid is not found, and a tracer cannot make a chmod setuid.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build nixbld
command -v python3 >/dev/null || skip "needs python3"
HH="$RNIXD_OBJ/regress/sandbox-build/h_hostile"
FP="$RNIXD_OBJ/regress/build/h_fdpass"
HP="$RNIXD_OBJ/regress/build/h_ptrace"
[ -x "$HH" ] && [ -x "$FP" ] && [ -x "$HP" ] ||
    fail "helpers not built (make regress)"
store_init
SBPATHS="/bin/sh=$BB /hostile=$HH /fdpass=$FP /ptrace=$HP /lib /lib64? /usr"
echo "sandbox-paths = $SBPATHS" >>"$CONF"
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
SALT=$$
SENT="$TROOT/sentinel"
mkdir "$SENT" && echo precious >"$SENT/file" && chmod -R a+rX "$SENT"
ABS="rnixd-build-hostile-$$"
LPID=""
HPID=""
trap 'rc=$?; [ -n "$LPID" ] && kill $LPID; [ -n "$HPID" ] && kill $HPID;
    (exit $rc); test_cleanup' EXIT

build() {	# attr [nix-build options]
	attr=$1
	shift
	OUT=$(nix-build --no-out-link hostile.nix -A "$attr" \
	    --argstr salt "$SALT" --argstr sentinel "$SENT" \
	    --argstr abstract "$ABS" "$@" 2>"$TROOT/$attr.log") ||
	    fail "$attr: $(cat "$TROOT/$attr.log")"
	no_build_procs "$attr"
	no_build_dirs "$attr"
	[ "$(cat "$SENT/file")" = precious ] || fail "$attr: sentinel changed"
	[ "$(ls "$SENT")" = file ] || fail "$attr: sentinel dir written"
}
expect() {	# file line...
	f=$1
	shift
	for l in "$@"; do
		grep -qxF -- "$l" "$f" || fail "missing '$l' in $f: $(cat "$f")"
	done
}
# Nothing in the store but what the builds registered.
only_registered() {	# what
	for p in "$STORE"/*; do
		case $p in *.drv|*.lock) continue ;; esac
		nix-store --check-validity "$p" 2>/dev/null ||
		    fail "$1: $p in the store, not valid"
	done
}

echo "mount, unshare, setuid and setgid modes, xattrs"
build privs
expect "$OUT/report" "mount -1 Operation not permitted" \
    "bind -1 Operation not permitted" \
    "unshare-mnt -1 Operation not permitted" \
    "chmod -1 Operation not permitted" \
    "fchmod -1 Operation not permitted" \
    "setxattr -1 Operation not supported" \
    "lsetxattr -1 Operation not supported"
# Every other call that sets a mode (issue 10 item 9); io_uring and
# openat2, whose arguments seccomp cannot check, are missing.
expect "$OUT/report" "fchmodat2-4755 -1 Operation not permitted" \
    "fchmodat2-2755 -1 Operation not permitted" \
    "open-creat-4755 -1 Operation not permitted" \
    "openat-creat-2755 -1 Operation not permitted" \
    "creat-4755 -1 Operation not permitted" \
    "open-tmpfile-4755 -1 Operation not permitted" \
    "mknod-4755 -1 Operation not permitted" \
    "mknodat-2755 -1 Operation not permitted" \
    "mkdir-6755 0 -" "mkdir mode 755" \
    "io_uring_setup -1 Function not implemented" \
    "openat2 -1 Function not implemented"
[ -z "$(find "$OUT" -perm /7000)" ] ||
    fail "privs: special modes registered: $(find "$OUT" -perm /7000)"
[ -z "$(getfattr -R -d -m - "$OUT" 2>/dev/null)" ] ||
    fail "privs: xattrs registered"
nix-store --verify-path "$OUT" || fail "privs: does not verify"

echo "network and a host abstract socket, not fixed-output"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1]); s.listen(5)
print("up", flush=True)
while True:
    c, _ = s.accept()
    print("connected", flush=True)' "$ABS" >"$TROOT/listener" &
LPID=$!
n=0
while ! grep -q up "$TROOT/listener"; do
	n=$((n + 1)); [ $n -lt 50 ] || fail "no listener"; sleep 0.1
done
build net
expect "$OUT" "links 1" "abstract -1 Connection refused"
grep -q '^inet 0' "$OUT" && fail "net: reached the network"
grep -q connected "$TROOT/listener" && fail "net: reached the listener"
kill $LPID
LPID=""

echo "writes outside \$out and /build"
cp /etc/passwd "$TROOT/passwd.before"
build write
in=$(nix-instantiate --eval -E "builtins.toFile \"input\" \"input\n\"" |
    tr -d '"')
expect "$OUT" "/etc/passwd refused" "/x refused" "/bin/sh refused" \
    "/dev/x refused" "/proc/x refused" "$in refused" \
    "$SENT/file refused" "$SENT/new refused" "/tmp/ok written" \
    "/build/ok written"
cmp -s /etc/passwd "$TROOT/passwd.before" || fail "/etc/passwd changed"
[ "$(cat "$in")" = input ] || fail "input changed"
# New names in the store dir are the sandbox's own (as in Nix, where
# it is writable by the build group): the host's store has none.
[ ! -e "$in-new" ] && [ ! -e "$STORE/evil-$SALT" ] ||
    fail "write: a name made in the host store"
only_registered write

echo "symlinks into the host, processes left running"
build plant
[ -L "$OUT" ] && [ "$(readlink "$OUT")" = "$SENT/file" ] ||
    fail "plant: output is not the symlink it made"
for n in tmp lock chroot check; do
	[ -e "$OUT.$n" ] || [ -L "$OUT.$n" ] && fail "plant: $OUT.$n in the store"
done
[ -e "$STORE/.rnixd-x" ] || [ -L "$STORE/.rnixd-x" ] &&
    fail "plant: .rnixd-x in the store"
only_registered plant

echo "ptrace: own children, pid 1, a host process by pid, a rewrite"
sleep 1000 &
HPID=$!
build ptrace --argstr hostpid "$HPID"
# The same builder in real Nix 2.8's sandbox, on its own store.
NIX_REMOTE="$REFSTORE" nix-build --no-out-link hostile.nix -A ptrace \
    --argstr salt "$SALT" --argstr sentinel "$SENT" \
    --argstr abstract "$ABS" --argstr hostpid "$HPID" \
    --option sandbox true --option build-users-group nixbld \
    --option sandbox-paths "$SBPATHS" >"$TROOT/ptrace.ref" 2>&1 ||
    fail "ptrace with real Nix: $(cat "$TROOT/ptrace.ref")"
[ "$(tail -n 1 "$TROOT/ptrace.ref")" = "$OUT" ] ||
    fail "ptrace: real Nix built $(tail -n 1 "$TROOT/ptrace.ref")"
same_files "ptrace: the report differs from real Nix's" "$OUT" \
    "$(ref_real "$OUT")"
expect "$OUT" "seize-child 0 -" "seize-child stopped" "seize-child-peek same" \
    "attach-child 0 -" "attach-child-peek same" \
    "traceme-exec stop SIGTRAP" "traceme-exec exit 5" \
    "seize-host -1 No such process" "attach-host -1 No such process" \
    "kill-host -1 No such process" "vmread-host -1 No such process" \
    "pidfd-host -1 No such process" \
    "procmem-host -1 No such file or directory" \
    "rewrite-set yes" "rewrite -1 Operation not permitted" \
    "rewrite-mode 644"
kill -0 "$HPID" || fail "ptrace: the host process is gone"
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$HPID/status" &&
    grep -q '^State:[[:space:]]*S' "/proc/$HPID/status" ||
    fail "ptrace: host process touched: $(cat "/proc/$HPID/status")"
kill $HPID
HPID=""
only_registered ptrace

echo "a fixed-output derivation passes an fd of its output out"
printf 'fod-content\n' >"$TROOT/fod"
h=$(nix-hash --type sha256 --flat --base32 "$TROOT/fod")
# Its own file: the net case's listener wrote "up" to the other one,
# and the wait below must not take that for this listener's.
python3 -c '
import array, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1]); s.listen(1)
print("up", flush=True)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
for lvl, typ, data in anc:
    if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[:fds.itemsize])
print("got", len(fds), flush=True)
c.send(b"k")
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
os.pwrite(fds[0], b"EVIL-CONTENT\n", 0)
print("written", flush=True)' "$ABS" "$TROOT/go" >"$TROOT/fdlistener" &
LPID=$!
n=0
while ! grep -q up "$TROOT/fdlistener"; do
	n=$((n + 1)); [ $n -lt 50 ] || fail "no listener"; sleep 0.1
done
nix-build --no-out-link hostile.nix -A fdpass --argstr salt "$SALT" \
    --argstr sentinel "$SENT" --argstr abstract "$ABS" \
    --argstr fodHash "$h" >/dev/null 2>"$TROOT/fdpass.log" &&
    fail "fdpass: built"
grep -q "fdpass: connect: Operation not permitted" "$TROOT/fdpass.log" ||
    fail "fdpass: not refused: $(cat "$TROOT/fdpass.log")"
no_build_procs fdpass
no_build_dirs fdpass
grep -q "got" "$TROOT/fdlistener" && fail "fdpass: the listener got an fd"
kill $LPID
wait $LPID
LPID=""
echo ok
