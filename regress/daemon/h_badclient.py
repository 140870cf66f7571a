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

"""Hostile and broken worker-protocol clients for rnixd's daemon socket.

Usage: h_badclient.py SOCKET CASE [COUNT]
Each case connects, misbehaves, and checks what the daemon does; exit 0
if the daemon behaved (closed the connection, or answered an error),
1 otherwise.
"""
import os
import socket
import sys

from wp import MAGIC1, STDERR_ERROR, STDERR_LAST, VERSION, handshake, \
    read_string, read_u64, string, u64


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)             # blocking: waits while the backlog is full
    s.settimeout(10)
    return s


def expect_eof(s):
    """The daemon must close without sending anything more."""
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        return
    if data:
        raise AssertionError("expected the daemon to close, got %r" % data[:64])


def read_error(s):
    code = read_u64(s)
    if code != STDERR_ERROR:
        raise AssertionError("expected STDERR_ERROR, got %#x" % code)
    if read_string(s) != b"Error":
        raise AssertionError("error type is not 'Error'")
    read_u64(s)                 # level
    read_string(s)              # name
    msg = read_string(s).decode()
    if read_u64(s) != 0:        # havePos
        raise AssertionError("havePos set")
    for _ in range(read_u64(s)):
        read_u64(s)
        read_string(s)
    return msg


def case_garbage(path):
    s = connect(path)
    s.sendall(os.urandom(4096))
    expect_eof(s)


def case_wrong_magic(path):
    s = connect(path)
    s.sendall(u64(0x12345678))
    expect_eof(s)


def case_truncated(path):
    s = connect(path)
    s.sendall(u64(MAGIC1)[:5])
    s.close()
    s = connect(path)
    s.sendall(u64(MAGIC1))
    read_u64(s)
    read_u64(s)
    s.sendall(u64(VERSION)[:3])
    s.close()


def case_old_client(path):
    s = connect(path)
    s.sendall(u64(MAGIC1))
    read_u64(s)
    read_u64(s)
    s.sendall(u64(0x109) + u64(0) + u64(0))
    expect_eof(s)


def case_bad_op(path):
    s = connect(path)
    handshake(s)
    s.sendall(u64(99))
    msg = read_error(s)
    if "99" not in msg:
        raise AssertionError("error for op 99 does not name it: %r" % msg)
    expect_eof(s)


def case_huge_setoptions(path):
    s = connect(path)
    handshake(s)
    # SetOptions with twelve fields, then an override count of 2^40.
    s.sendall(u64(19) + u64(0) * 12 + u64(1 << 40))
    msg = read_error(s)
    if not msg:
        raise AssertionError("empty error message")
    expect_eof(s)


def case_setoptions_ok(path):
    s = connect(path)
    handshake(s)
    body = u64(19) + u64(0) * 12 + u64(1) + string(b"cores") + string(b"3")
    # Byte by byte: the daemon must reassemble the request.
    for i in range(len(body)):
        s.sendall(body[i:i + 1])
    if read_u64(s) != STDERR_LAST:
        raise AssertionError("SetOptions not acknowledged")


def case_connect_close(path, count):
    for _ in range(count):
        s = connect(path)
        s.close()


def main():
    path, case = sys.argv[1], sys.argv[2]
    if case == "connect-close":
        case_connect_close(path, int(sys.argv[3]))
    else:
        globals()["case_" + case.replace("-", "_")](path)
    print("%s: ok" % case)


if __name__ == "__main__":
    main()
