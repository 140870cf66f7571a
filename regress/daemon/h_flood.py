#!/usr/bin/env python3
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

"""Clients that try to make rnixd's builderproc hold too much.

Usage:
  h_flood.py hold SOCKET COUNT OUT [USER]
      Open COUNT connections and send nothing.  Writes "opened N" to OUT,
      then waits until OUT.stop exists and writes "open N" (those the
      daemon has not closed) to OUT.stop.done before closing them all.
  h_flood.py idle SOCKET
      Do the handshake, then send nothing: prints the seconds until the
      daemon closed the connection.
  h_flood.py text SOCKET SIZE
      AddTextToStore of SIZE bytes, whole: prints the path added.
  h_flood.py grow SOCKET STOREDIR OUT
      An AddTextToStore of 100 KiB of text and 12,000 references: sends
      all but the references, writes "holding" to OUT, waits for OUT.go,
      sends the references and writes what the daemon answered (the
      error text, or "ok") to OUT.done.
  h_flood.py buffer SOCKET COUNT OUT [USER]
      COUNT connections each do the handshake and send an AddTextToStore
      whose text is just under 16 MiB, all but its last bytes, as fast
      as the daemon reads.  Writes "sent BYTES" to OUT when nothing moved
      for two seconds, then waits for OUT.stop as hold does.

USER: drop to that user first (after raising the descriptor limit), so
that the daemon sees another uid than the test's.
"""
import os
import pwd
import resource
import select
import socket
import sys
import time

from wp import STDERR_ERROR, STDERR_LAST, handshake, read_string, \
    read_u64, string, u64

TEXT_LEN = 16 * 1024 * 1024 - 4096


def setup(count, user):
    want = count + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        if hard < want:
            sys.exit("RLIMIT_NOFILE hard limit %d is below %d" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if user:
        pw = pwd.getpwnam(user)
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)


def connect(path, timeout=2):
    """A nonblocking AF_UNIX connect fails with EAGAIN while the backlog
    is full: retry until timeout, then raise socket.timeout."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            s.settimeout(timeout)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise socket.timeout("backlog full for %ds" % timeout)
            time.sleep(0.001)


def still_open(conns):
    """Connections the daemon has not closed (no EOF, no reset)."""
    n = 0
    for s in conns:
        try:
            s.setblocking(False)
            if s.recv(1, socket.MSG_PEEK) == b"":
                continue
        except BlockingIOError:
            pass
        except OSError:
            continue
        n += 1
    return n


def wait_stop(out, conns):
    # Bounded, so that a failed test leaves no client behind.
    deadline = time.monotonic() + 120
    while not os.path.exists(out + ".stop") and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(out + ".stop.done.tmp", "w") as f:
        f.write("open %d\n" % still_open(conns))
    os.rename(out + ".stop.done.tmp", out + ".stop.done")
    for s in conns:
        s.close()


def report(out, line):
    with open(out + ".tmp", "w") as f:
        f.write(line + "\n")
    os.rename(out + ".tmp", out)


def main_hold(path, count, out, user):
    setup(count, user)
    conns = []
    stalled = 0
    while len(conns) < count and stalled < 5:
        try:
            conns.append(connect(path))
        except socket.timeout:
            stalled += 1
        except OSError:
            stalled += 1
            time.sleep(0.01)
    report(out, "opened %d" % len(conns))
    wait_stop(out, conns)


def main_idle(path):
    s = connect(path, 60)
    handshake(s)
    t0 = time.monotonic()
    try:
        data = s.recv(1)
    except OSError:
        data = b""
    if data:
        raise AssertionError("daemon sent %r to an idle client" % data)
    print("%.1f" % (time.monotonic() - t0))


def main_text(path, size):
    s = connect(path, 60)
    handshake(s)
    s.sendall(u64(8) + string(b"big") + string(b"y" * size) + u64(0))
    code = read_u64(s)
    if code != STDERR_LAST:
        raise AssertionError("AddTextToStore: got %#x, no STDERR_LAST" % code)
    print(read_string(s).decode())


def main_grow(path, storedir, out):
    s = connect(path, 60)
    handshake(s)
    nrefs = 12000
    s.sendall(u64(8) + string(b"grow") + string(b"z" * 102400) +
              u64(nrefs))
    refs = b"".join(string(("%s/%032d-r%d" % (storedir, 0, i)).encode())
                    for i in range(nrefs))
    report(out, "holding")
    while not os.path.exists(out + ".go"):
        time.sleep(0.05)
    try:
        s.sendall(refs)
    except OSError:
        pass
    code = read_u64(s)
    if code == STDERR_LAST:
        answer = "ok"
    elif code == STDERR_ERROR:
        read_string(s)                 # "Error"
        read_u64(s)                 # level
        read_string(s)                 # name
        answer = read_string(s).decode()
    else:
        answer = "unexpected %#x" % code
    report(out + ".done", answer)


def main_buffer(path, count, out, user):
    setup(count, user)
    conns, left = [], {}
    req = u64(8) + string(b"big") + u64(TEXT_LEN)
    for _ in range(count):
        s = connect(path, 10)
        handshake(s)
        s.setblocking(False)
        conns.append(s)
        left[s] = len(req) + TEXT_LEN - 8
    chunk = b"x" * 65536
    sent, last = 0, time.monotonic()
    first = {s: True for s in conns}
    byfd = {s.fileno(): s for s in conns}
    poller = select.poll()
    for s in conns:
        poller.register(s, select.POLLOUT)
    while time.monotonic() - last < 2:
        if all(left[s] == 0 for s in conns):
            break
        for fd, _ in poller.poll(500):
            s = byfd[fd]
            if left[s] == 0:
                poller.unregister(fd)
                continue
            data = req if first[s] else chunk[:min(65536, left[s])]
            try:
                n = s.send(data)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                left[s] = 0
                continue
            if first[s] and n < len(data):
                s.setblocking(True)
                s.sendall(data[n:])
                s.setblocking(False)
                n = len(data)
            first[s] = False
            left[s] -= n
            sent += n
            last = time.monotonic()
    report(out, "sent %d" % sent)
    wait_stop(out, conns)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "idle":
        main_idle(path)
        return
    if mode == "text":
        main_text(path, int(sys.argv[3]))
        return
    if mode == "grow":
        main_grow(path, sys.argv[3], sys.argv[4])
        return
    count, out = int(sys.argv[3]), sys.argv[4]
    user = sys.argv[5] if len(sys.argv) > 5 else None
    if mode == "hold":
        main_hold(path, count, out, user)
    elif mode == "buffer":
        main_buffer(path, count, out, user)
    else:
        sys.exit("unknown mode %s" % mode)


if __name__ == "__main__":
    main()
