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

# Fixed-output builds keep the host's network but not its abstract Unix
# sockets (the channel of CVE-2024-27297 and CVE-2025-46416): a builder
# connecting or sending to a host listener's abstract stream and
# datagram sockets is refused with EPERM and the listener gets nothing,
# while 127.0.0.1 over TCP and an abstract socket of the build's own
# still work.  Fixed-output and recursive-nix together: refused before
# anything runs.  On a kernel without Landlock (simulated by a seccomp
# filter on the whole daemon) fixed-output builds are refused, others
# still build.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build "$BUILD_GROUP"
command -v python3 >/dev/null || skip "needs python3"
HA="$RNIXD_OBJ/regress/build/h_abstract"
NL="$RNIXD_OBJ/regress/build/h_nolandlock"
[ -x "$HA" ] && [ -x "$NL" ] || fail "helpers not built (make regress)"
store_init
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB /abstract=$HA /lib /lib64? /usr
experimental-features = recursive-nix
EOT
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
NAME="rnixd-fodnet-$$"
LPID=""
trap 'rc=$?; [ -n "$LPID" ] && kill $LPID; (exit $rc); test_cleanup' EXIT

# The host's listeners: abstract stream and datagram, TCP on loopback;
# every connection and every byte is logged.
python3 -c '
import select, socket, sys
st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
st.bind("\0" + sys.argv[1]); st.listen(5)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg.bind("\0" + sys.argv[1] + "-dgram")
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0)); tcp.listen(5)
print("port", tcp.getsockname()[1], flush=True)
names = {st: "stream", tcp: "tcp"}
conns = {}
while True:
    r, _, _ = select.select([st, dg, tcp] + list(conns), [], [])
    for s in r:
        if s is dg:
            print("dgram-data", dg.recv(256), flush=True)
        elif s in names:
            c, _ = s.accept()
            conns[c] = names[s]
            print(names[s] + "-accept", flush=True)
        else:
            d = s.recv(256)
            print(conns[s] + "-data", d, flush=True)
            if not d:
                del conns[s]; s.close()' "$NAME" >"$TROOT/listener" &
LPID=$!
n=0
while ! grep -q '^port ' "$TROOT/listener"; do
	n=$((n + 1)); [ $n -lt 50 ] || fail "no listener"; sleep 0.1
done
PORT=$(awk '/^port / { print $2 }' "$TROOT/listener")

build() {	# attr salt report [nix-build options]
	attr=$1 salt=$2 report=$3
	shift 3
	printf '%s' "$report" >"$TROOT/$attr.want"
	h=$(nix-hash --type sha256 --flat --base32 "$TROOT/$attr.want")
	nix-build --no-out-link fodnet.nix -A "$attr" --argstr salt "$salt" \
	    --argstr name "$NAME" --argstr port "$PORT" --argstr hash "$h" \
	    --argstr report "$report" "$@" >"$TROOT/$attr.out" \
	    2>"$TROOT/$attr.log"
}
# The last build of attr was refused with error-text: nothing of it
# is registered, running or left behind.
refused() {	# attr salt error-text
	grep -qF "$3" "$TROOT/$1.log" ||
	    fail "$1: not refused with '$3': $(cat "$TROOT/$1.log")"
	drv=$(nix-instantiate fodnet.nix -A "$1" --argstr salt "$2" \
	    --argstr name "$NAME" --argstr port "$PORT" \
	    --argstr hash "$h" --argstr report "$report" 2>/dev/null) ||
	    fail "$1: instantiate"
	not_registered "$1" "$drv"
	no_build_procs "$1"
	no_build_dirs "$1"
}

echo "a fixed-output build and the host's abstract sockets"
want="stream -1 Operation not permitted
dgram -1 Operation not permitted
self 0 -
inet 0 -
"
build probe 1 "$want" ||
    fail "probe: $(cat "$TROOT/probe.log")"
OUT=$(cat "$TROOT/probe.out")
[ "$(cat "$OUT")" = "$(printf '%s' "$want")" ] ||
    fail "probe: report $(cat "$OUT")"
# The TCP bytes arrive before the builder exits; give the log a moment.
n=0
while ! grep -q "^tcp-data b'hello from the builder'" "$TROOT/listener"; do
	n=$((n + 1)); [ $n -lt 50 ] ||
	    fail "probe: nothing over TCP: $(cat "$TROOT/listener")"
	sleep 0.1
done
grep -q '^stream-\|^dgram-' "$TROOT/listener" &&
    fail "probe: the abstract listener heard: $(cat "$TROOT/listener")"
no_build_procs probe
no_build_dirs probe

echo "fixed-output and recursive-nix: refused"
build recursive 2 "recursive" &&
    fail "recursive: built: $(cat "$TROOT/recursive.out")"
refused recursive 2 "the fixed-output derivation"
refused recursive 2 "may not use recursive Nix"

echo "not fixed-output: an abstract socket of its own"
build plain 3 "" || fail "plain: $(cat "$TROOT/plain.log")"
[ "$(cat "$(cat "$TROOT/plain.out")")" = "self 0 -" ] ||
    fail "plain: report $(cat "$(cat "$TROOT/plain.out")")"

echo "a kernel without Landlock: fixed-output builds refused"
rnixd_stop
RNIXD_WRAP=$NL rnixd_start
build simple 4 "no landlock" && fail "no landlock: built: $(cat "$TROOT/simple.out")"
refused simple 4 "fixed-output builds need Landlock scopes"
build plain 5 "" || fail "no landlock, plain: $(cat "$TROOT/plain.log")"
[ "$(cat "$(cat "$TROOT/plain.out")")" = "self 0 -" ] ||
    fail "no landlock, plain: report $(cat "$(cat "$TROOT/plain.out")")"
kill $LPID
LPID=""
echo ok
