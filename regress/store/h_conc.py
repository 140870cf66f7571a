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

"""Many clients at once, adding and querying.

Usage: h_conc.py SOCKET STOREDIR N
N threads, each on its own connection, start together and each: adds
its own file and a file every client adds (AddToStore, fixed:r:sha256),
a text file referring to both (text:sha256), the same input-addressed
path as every other client (AddToStoreNar), and one of its own
(AddMultipleToStore); then queries all of them.  Every path must be the
one computed here, with the right info.  Prints the paths, one a line.
"""
import hashlib
import sys
import threading

import wp

sock, store, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
SHARED = wp.nar_file(b"every client adds this\n")
SHARED_P = wp.source_path(store, SHARED, "shared")
IA_NAR = wp.nar_file(b"input-addressed, shared\n")
IA_P = "%s/%s-ia-shared" % (store, "2" * 32)
barrier = threading.Barrier(N)
errors, paths = [], set()
lock = threading.Lock()


def check(info, path, nar, ca, refs=()):
    if info is None:
        raise AssertionError("%s not valid" % path)
    want = hashlib.sha256(nar).hexdigest()
    if info["narHash"] != want or info["narSize"] != len(nar):
        raise AssertionError("%s: narHash/narSize %s/%d, want %s/%d" % (
            path, info["narHash"], info["narSize"], want, len(nar)))
    if info["ca"] != ca or sorted(info["references"]) != sorted(refs):
        raise AssertionError("%s: ca %r refs %r" % (
            path, info["ca"], info["references"]))


def client(i):
    try:
        try:
            c = wp.Client(sock, timeout=120)
        except Exception:
            barrier.abort()     # the others must not wait for us
            raise
        own = wp.nar_file(b"client %d\n" % i, executable=i % 2 == 1)
        own_p = wp.source_path(store, own, "own-%d" % i)
        text = b"client %d uses %s and %s\n" % (i, own_p.encode(),
                                                 SHARED_P.encode())
        text_p = wp.text_path(store, text, "text-%d" % i, [own_p, SHARED_P])
        mine_nar = wp.nar_file(b"imported by %d\n" % i)
        mine_p = "%s/%s-mine-%d" % (store, "3" * 32, i)
        barrier.wait(timeout=120)
        got = {}
        got[own_p] = c.add_to_store("own-%d" % i, "fixed:r:sha256", own)
        got[SHARED_P] = c.add_to_store("shared", "fixed:r:sha256", SHARED)
        got[text_p] = c.add_to_store("text-%d" % i, "text:sha256", text,
                                     [own_p, SHARED_P])
        for p, info in got.items():
            if info["path"] != p:
                raise AssertionError("added %s, got %s" % (p, info["path"]))
        c.add_to_store_nar(wp.nar_info(IA_P, IA_NAR), IA_NAR)
        c.add_multiple([(wp.nar_info(mine_p, mine_nar,
                                     references=[IA_P]), mine_nar)])
        check(c.path_info(own_p), own_p, own, wp.source_ca(own))
        check(c.path_info(SHARED_P), SHARED_P, SHARED, wp.source_ca(SHARED))
        check(c.path_info(text_p), text_p, wp.nar_file(text),
              "text:sha256:" + wp.b32(hashlib.sha256(text).digest()),
              [own_p, SHARED_P])
        check(c.path_info(IA_P), IA_P, IA_NAR, "")
        check(c.path_info(mine_p), mine_p, mine_nar, "", [IA_P])
        want = sorted([own_p, SHARED_P, text_p, IA_P, mine_p])
        if c.valid_paths(want) != want:
            raise AssertionError("QueryValidPaths %r" % c.valid_paths(want))
        if text_p not in c.referrers(own_p):
            raise AssertionError("referrers of %s lack %s" % (own_p, text_p))
        c.close()
        with lock:
            paths.update(want)
    except Exception as e:
        with lock:
            errors.append("client %d: %r" % (i, e))


threads = [threading.Thread(target=client, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print("\n".join(sorted(paths)))
