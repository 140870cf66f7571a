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

"""Start an upload and stop half-way, to be killed there.

Usage: h_cut.py SOCKET STOREDIR OP SIZE
OP is AddToStore, AddToStoreNar or AddMultipleToStore; the NAR holds one
file of SIZE bytes.  Sends the request and half the NAR, prints "sent",
then waits for its death with the connection open.
"""
import hashlib
import sys
import time

import wp
from wp import u64, string, strings

sock, store, op, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
head = (wp.string("nix-archive-1") + wp.string("(") + wp.string("type") +
        wp.string("regular") + wp.string("contents") + u64(size))
tail = b"\0" * (-size % 8) + wp.string(")")
# The hash claimed is that of an all-zero file of that size.
h = hashlib.sha256(head)
zero = b"\0" * (1 << 20)
left = size
while left:
    n = min(left, len(zero))
    h.update(zero[:n])
    left -= n
h.update(tail)
path = "%s/%s-cut" % (store, "1" * 32)
info = dict(path=path, narHash=h.hexdigest(), narSize=len(head) + size +
            len(tail))
c = wp.Client(sock)
if op == "AddToStore":
    c.send(u64(7) + string("cut") + string("fixed:r:sha256") + strings([]) +
           u64(0))
elif op == "AddToStoreNar":
    c.send(u64(39) + wp.info_bytes(info) + u64(0) + u64(1))
else:
    c.send(u64(44) + u64(0) + u64(1))
    first = u64(1) + wp.info_bytes(info)
    c.send(u64(len(first)) + first)
c.send(u64(len(head)) + head)
sent = 0
while sent < size // 2:
    n = min(size // 2 - sent, len(zero))
    c.send(u64(n) + zero[:n])
    sent += n
print("sent", flush=True)
time.sleep(3600)
