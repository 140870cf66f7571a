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

"""What an untrusted client may not do (run it as an untrusted user):
skip signature checks, claim "ultimate", repair, add signatures, see
other users' roots.  Prints one line per attempt: the outcome, with
store-independent details, so two daemons' transcripts can be compared.

Usage: h_trust.py SOCKET STOREDIR TAG
TAG makes the paths added here unique to this run.
"""
import sys

import wp
from wp import u64, string, strings

sock, store, tag = sys.argv[1], sys.argv[2], sys.argv[3]


def attempt(what, fn):
    c = wp.Client(sock)
    try:
        r = fn(c)
        print("%s: ok %r" % (what, r))
    except wp.DaemonError as e:
        msg = e.args[0].replace("\x1b[35;1m", "").replace("\x1b[0m", "")
        print("%s: error %s" % (what, msg.split(":")[0][:60]))
    c.close()


nar = wp.nar_file(b"trust %s\n" % tag.encode())
ca_path = wp.source_path(store, nar, "trust-" + tag)
ca_info = wp.nar_info(ca_path, nar, ca=wp.source_ca(nar), ultimate=1)
ia_nar = wp.nar_file(b"ia %s\n" % tag.encode())
ia_path = "%s/%s-trust-ia-%s" % (store, "4" * 32, tag)
attempt("AddToStoreNar unsigned, dontCheckSigs",
        lambda c: c.add_to_store_nar(wp.nar_info(ia_path, ia_nar), ia_nar))
attempt("AddMultipleToStore unsigned, dontCheckSigs",
        lambda c: c.add_multiple([(wp.nar_info(ia_path, ia_nar), ia_nar)]))
attempt("IA path valid afterwards", lambda c: c.is_valid(ia_path))
attempt("AddToStoreNar CA, claiming ultimate",
        lambda c: c.add_to_store_nar(ca_info, nar))
attempt("ultimate after the add",
        lambda c: c.path_info(ca_path)["ultimate"])
attempt("AddToStoreNar with repair",
        lambda c: c.add_to_store_nar(ca_info, nar, repair=True))
attempt("AddSignatures",
        lambda c: (c.call(37, string(ca_path) +
                          strings(["k:" + "A" * 86 + "=="])), c.u64())[1])
attempt("sigs afterwards", lambda c: c.path_info(ca_path)["sigs"])
attempt("VerifyStore with repair",
        lambda c: (c.call(35, u64(0) + u64(1)), c.u64())[1])


def roots(c):
    """The links, "{censored}" or LINK for one shown, and the targets'
    names."""
    c.call(14)
    out = []
    for _ in range(c.u64()):
        link, target = c.string().decode(), c.string().decode()
        out.append(("{censored}" if link == "{censored}" else "LINK",
                    target.rsplit("/", 1)[1].split("-", 1)[1]))
    return sorted(out)


attempt("FindRoots", roots)
