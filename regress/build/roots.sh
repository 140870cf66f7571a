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

# A build's outputs are temporary roots of the sessions that asked for
# it, as with nix-daemon: alive while such a client is connected, free
# for the collector once it is gone and nothing else roots them.  (They
# used to stay rooted by the build itself until the daemon restarted.)
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
command -v python3 >/dev/null || skip "needs python3"
build_start

out=$(nix-build --no-out-link basic.nix -A a 2>"$TROOT/a.log") ||
    fail "nix-build a: $(cat "$TROOT/a.log")"
nix-store --delete "$out" >"$TROOT/del.log" 2>&1 ||
    fail "a built output no client roots stayed alive: $(cat "$TROOT/del.log")"
[ -e "$out" ] && fail "$out still there after --delete"
echo "output of a finished client: collectable: ok"

# A client that keeps its connection keeps its build's outputs alive.
drv=$(nix-instantiate basic.nix -A b 2>/dev/null) || fail "instantiate b"
bout=$(nix-store -q --outputs "$drv")
python3 - "$SOCKET" "$drv" "$TROOT/held" <<'PY' &
import socket, struct, sys, os, time
def u64(n): return struct.pack("<Q", n)
def s(b): return u64(len(b)) + b + b"\0" * (-len(b) % 8)
def r64(c):
    d = b""
    while len(d) < 8:
        x = c.recv(8 - len(d))
        if not x: raise EOFError
        d += x
    return struct.unpack("<Q", d)[0]
def rstr(c):
    n = r64(c); d = b""
    want = n + (-n % 8)
    while len(d) < want: d += c.recv(want - len(d))
    return d[:n]
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
c.sendall(u64(0x6e697863)); r64(c); r64(c)
c.sendall(u64(0x122) + u64(0) + u64(0)); rstr(c); assert r64(c) == 0x616c7473
c.sendall(u64(19) + u64(0) * 12 + u64(0)); assert r64(c) == 0x616c7473
# BuildPaths([drv!out], normal); skip log messages until LAST.
c.sendall(u64(9) + u64(1) + s((sys.argv[2] + "!out").encode()) + u64(0))
while True:
    code = r64(c)
    if code == 0x616c7473: break
    if code == 0x63787470: sys.exit("build failed")
    if code == 0x53545254:
        r64(c); r64(c); r64(c); rstr(c)
        for _ in range(r64(c)):
            (r64(c) if r64(c) == 0 else rstr(c))
        r64(c)
    elif code == 0x53544f50: r64(c)
    elif code == 0x52534c54:
        r64(c); r64(c)
        for _ in range(r64(c)):
            (r64(c) if r64(c) == 0 else rstr(c))
    elif code == 0x6f6c6d67: rstr(c)
assert r64(c) == 1
open(sys.argv[3], "w").write("built\n")
time.sleep(30)
PY
holder=$!
n=0
while [ ! -s "$TROOT/held" ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { kill $holder; fail "held build did not finish"; }
	sleep 0.1
done
nix-store --delete "$bout" >"$TROOT/del2.log" 2>&1 &&
    { kill $holder; fail "deleted an output its client still holds"; }
grep -q "since it is still alive" "$TROOT/del2.log" ||
    { kill $holder; fail "refusal: $(cat "$TROOT/del2.log")"; }
kill $holder
wait $holder 2>/dev/null
sleep 0.5
nix-store --delete "$bout" >"$TROOT/del3.log" 2>&1 ||
    fail "still alive after its client left: $(cat "$TROOT/del3.log")"
echo "output held by a connected client, freed when it leaves: ok"
