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

"""Extract test vectors for t_wire from the real Nix 2.8 captures.

Run once from regress/wire:  python3 mkvectors.py ../../../shared/ref/captures
Writes *.hex files: '#' comment lines, then the bytes in hex.  Each is
exactly what a real 2.8.0 daemon (err-*, pi-*) or client (pic-*) sent.
"""
import os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
    '../../../shared/tools'))
import decode

STDERR_ERROR = struct.pack('<Q', 0x63787470)

def write(name, src, what, data):
    with open(name, 'w') as f:
        f.write('# %s\n# from %s, %d bytes\n' % (what, src, len(data)))
        for i in range(0, len(data), 32):
            f.write(data[i:i + 32].hex() + '\n')

def error_frames(D):
    """Every STDERR_ERROR message in the daemon stream, parsed fully."""
    p = 0
    while True:
        p = D.find(STDERR_ERROR, p)
        if p < 0 or p % 8:
            if p < 0:
                return
            p += 1
            continue
        r = decode.R(D[p + 8:], 'err')
        try:
            if r.str() != 'Error':
                p += 8
                continue
            r.u64(); r.str(); r.str(); r.u64()
            for _ in range(r.u64()):
                r.u64(); r.str()
        except Exception:
            p += 8
            continue
        yield D[p:p + 8 + r.p]
        p += 8 + r.p

ACT_TYPES = (0,) + tuple(range(100, 112))
CODES = {0x53545254: 'start', 0x53544f50: 'stop', 0x52534c54: 'result'}

def activity_frames(D):
    """(kind, id, type, fields, bytes) of the activity messages in D."""
    for p in range(0, len(D) - 8, 8):
        kind = CODES.get(struct.unpack('<Q', D[p:p + 8])[0])
        if kind is None:
            continue
        r = decode.R(D[p + 8:], 'act')
        try:
            aid = r.u64()
            if aid >> 32 == 0:
                continue
            if kind == 'stop':
                yield kind, aid, None, None, D[p:p + 8 + r.p]
                continue
            if kind == 'start':
                if r.u64() > 7:
                    continue
            typ = r.u64()
            if typ not in ACT_TYPES:
                continue
            if kind == 'start':
                r.str()
            f = decode.fields(r)
            if kind == 'start' and r.u64() >> 32 not in (0, aid >> 32):
                continue
        except Exception:
            continue
        yield kind, aid, typ, f, D[p:p + 8 + r.p]

def activities(top, cap):
    """A Build activity, one of its log lines, a progress result, and
    the Build activity's stop."""
    for fn in sorted(os.listdir(os.path.join(top, cap))):
        _, D = decode.load(os.path.join(top, cap, fn))
        frames = list(activity_frames(D))
        builds = [f for f in frames if f[0] == 'start' and f[2] == 105]
        if not builds:
            continue
        bid = builds[0][1]
        src = cap + '/' + fn
        write('act-start.hex', src, 'START_ACTIVITY Build', builds[0][4])
        for k, aid, typ, f, data in frames:
            if k == 'result' and aid == bid and typ == 101:
                write('act-logline.hex', src, 'RESULT BuildLogLine', data)
                break
        for k, aid, typ, f, data in frames:
            if k == 'result' and typ == 105:
                write('act-progress.hex', src, 'RESULT Progress', data)
                break
        for k, aid, typ, f, data in frames:
            if k == 'stop' and aid == bid:
                write('act-stop.hex', src, 'STOP_ACTIVITY', data)
                break
        return

def pathinfos(fn):
    """(direction, bytes) of every ValidPathInfo the decoder parses."""
    found = []
    orig = decode.pathinfo
    def rec(r, with_path=False):
        start = r.p
        d = orig(r, with_path)
        found.append((r.name, with_path, r.b[start:r.p], d))
        return d
    decode.pathinfo = rec
    try:
        decode.decode(fn, out=lambda s: None)
    finally:
        decode.pathinfo = orig
    return found

def main(top):
    for cap in ('realise_missing', 'keepgoing_bad', 's2_delete_live',
        's2_copy_from'):
        for fn in sorted(os.listdir(os.path.join(top, cap))):
            _, D = decode.load(os.path.join(top, cap, fn))
            for i, e in enumerate(error_frames(D)):
                write('err-%s-%d.hex' % (cap, i), cap + '/' + fn,
                    'STDERR_ERROR sent by the real nix-daemon 2.8.0', e)
    picks = (('hex_qpi', 'daemon', False, 'pi-qpi'),
        ('q_refs', 'daemon', False, 'pi-refs'),
        ('addfixed', 'client', True, 'pic-addfixed'),
        ('s2_import', 'client', True, 'pic-import'))
    for cap, who, wp, out in picks:
        for fn in sorted(os.listdir(os.path.join(top, cap))):
            for name, with_path, data, d in pathinfos(
                os.path.join(top, cap, fn)):
                if name != who or with_path != wp:
                    continue
                if out == 'pi-refs' and not d['references']:
                    continue
                write(out + '.hex', cap + '/' + fn,
                    'ValidPathInfo%s sent by the real %s' %
                    (' with path' if wp else '', who), data)
                break
    activities(top, 'keepgoing_bad')

main(sys.argv[1])
