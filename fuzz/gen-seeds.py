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

"""Generate the seed corpora of the fuzz targets, fuzz/corpus/<target>/,
from real Nix 2.8 artefacts: NARs by nix-store --dump, .drv files and
path infos by nix-instantiate into a private store, worker-protocol
client streams from the recorded sessions in ../shared/ref/captures (cut
into ops by ../shared/tools/decode.py), and the message encodings of
common/msg_*.c built around the store paths found there.  Files are
named by the sha1 of their contents, so running it again adds nothing
twice.

Usage: fuzz/gen-seeds.py [captures-dir [decode.py]]"""
import glob, hashlib, json, os, re, shutil, struct, subprocess, sys
import tempfile, importlib.util

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, 'fuzz', 'corpus')
SHARED = os.path.join(os.path.dirname(TOP), 'shared')
CAPTURES = sys.argv[1] if len(sys.argv) > 1 else \
    os.path.join(SHARED, 'ref', 'captures')
DECODER = sys.argv[2] if len(sys.argv) > 2 else \
    os.path.join(SHARED, 'tools', 'decode.py')
SD = '/nix/store'
PER_KIND = 40           # seeds per decoder or message type, at most

def put(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

def u64(n): return struct.pack('<Q', n)

def wstr(b):
    if isinstance(b, str): b = b.encode()
    return u64(len(b)) + b + b'\0' * ((8 - len(b) % 8) % 8)

def wstrs(l): return u64(len(l)) + b''.join(wstr(x) for x in l)

def run(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                          **kw).stdout

# NARs of small trees with every kind of node, and of regress/nar.
def gen_nar(tmp):
    t = os.path.join(tmp, 'tree')
    os.makedirs(os.path.join(t, 'sub', 'empty'))
    open(os.path.join(t, 'file'), 'w').write('hello\n')
    open(os.path.join(t, 'empty'), 'w').close()
    open(os.path.join(t, 'sub', 'x'), 'w').write('#!/bin/sh\necho x\n')
    os.chmod(os.path.join(t, 'sub', 'x'), 0o755)
    os.symlink('file', os.path.join(t, 'link'))
    os.symlink('/nonexistent/../etc', os.path.join(t, 'sub', 'abs'))
    for p in [t, t + '/file', t + '/empty', t + '/sub', t + '/link',
              t + '/sub/x', os.path.join(TOP, 'regress', 'nar')]:
        put('nar', run('nix-store', '--dump', p))

# .drv files and path infos of nix-instantiate into a private store.
def gen_drv(tmp):
    store = os.path.join(tmp, 'store')
    env = dict(os.environ, NIX_CONF_DIR=tmp, XDG_CACHE_HOME=tmp,
               NIX_CONFIG='experimental-features = nix-command')
    open(os.path.join(tmp, 'nix.conf'), 'w').write('substituters =\n')
    for f in sorted(glob.glob(os.path.join(TOP, 'regress', '*', '*.nix'))):
        subprocess.run(['nix-instantiate', '--store', store, f],
                       env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    drvs = sorted(glob.glob(os.path.join(store, 'nix', 'store', '*.drv')))
    for d in drvs[:200]:
        put('drv', open(d, 'rb').read())
    infos = []
    if drvs:
        out = subprocess.run(['nix', 'path-info', '--json', '--store',
                              store, '--all'], env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout
        infos = json.loads(out or b'[]')
    return infos

# Output checks: the __json of regress/build/outchecks.nix's structured
# derivations as nix-instantiate writes them (byte 0: 0), their legacy
# attributes as NUL-separated values (byte 0: 1), and BUILD_OUTPUTS
# messages carrying checks.
def gen_outcheck(tmp):
    store = os.path.join(tmp, 'ocstore')
    env = dict(os.environ, NIX_CONF_DIR=tmp, XDG_CACHE_HOME=tmp,
               NIX_CONFIG='experimental-features = nix-command')
    open(os.path.join(tmp, 'nix.conf'), 'w').write('substituters =\n')
    nixf = os.path.join(TOP, 'regress', 'build', 'outchecks.nix')
    drvs = run('nix-instantiate', '--store', store, nixf, env=env,
               stderr=subprocess.DEVNULL).decode().split()
    shown = json.loads(run('nix', 'show-derivation', '--store', store,
                           *[d.split('!')[0] for d in drvs], env=env))
    names = ['allowedReferences', 'allowedRequisites',
             'disallowedReferences', 'disallowedRequisites']
    for d in shown.values():
        e = d['env']
        if '__json' in e:
            put('outcheck', b'\0' + e['__json'].encode())
        elif any(n in e for n in names):
            put('outcheck', b'\1' + b'\0'.join(
                e.get(n, '').encode() for n in names))
    for j in [b'{"outputChecks":{"out":{"maxSize":1.5e3,'
              b'"maxClosureSize":true,"allowedReferences":{"b":"x",'
              b'"a":"y"},"disallowedRequisites":null}}}',
              b'{"outputChecks":{"dev":{"maxSize":"big"},"bin":[1]}}',
              b'{"outputChecks":{"out":{"allowedRequisites":"out",'
              b'"disallowedReferences":["a\\u0000b"]}}}',
              b'[' * 3000 + b']' * 3000, b'5']:
        put('outcheck', b'\0' + j)
    put('outcheck', b'\1out dev\t\n/nix/store/x\0\0  \0')
    T = imsg_types()
    drv = SD + '/' + 'a' * 32 + '-x.drv'
    out = SD + '/' + 'b' * 32 + '-x'
    dev = SD + '/' + 'c' * 32 + '-x-dev'
    head = (wstr(drv) + u64(1) + u64(30001) + u64(2) + wstr('dev') +
            wstr(dev) + wstr('') + wstr('') + wstr('out') + wstr(out) +
            wstr('') + wstr('') + wstrs([dev, out]))
    check = (wstr('out') + u64(0x7f) + u64(1000) + u64(2000) +
             wstrs(['dev', dev]) + wstrs([out]) + wstrs([]) +
             wstrs(['nosuch']) + wstr(''))
    for checks in [u64(0), u64(1) + check,
                   u64(1) + check[:-8] + wstr('an error')]:
        put('msg_store', struct.pack('<IB', T['IMSG_STORE_BUILD_OUTPUTS'],
                                     1) + head + checks)

def gen_hash(infos, paths):
    for i in infos:
        nh = i.get('narHash', '')
        if nh.startswith('sha256:'):
            h = nh[7:]
            put('hash', b'\0' + nh.encode())
            put('hash', b'\x21' + h.encode())          # bare, sha256
            put('hash', b'\x22' + h.encode())          # digest
            put('hash', b'\x04' + h.encode())          # base32
        if i.get('ca'):
            put('hash', b'\6' + i['ca'].encode())
    for p in paths[:PER_KIND]:
        put('hash', b'\7' + p.encode())
        put('hash', b'\7' + p[len(SD) + 34:].encode())  # the name
    for algo, n in [('md5', 0), ('sha1', 1), ('sha256', 2), ('sha512', 3)]:
        h = hashlib.new(algo, b'rnixd').hexdigest()
        put('hash', b'\0' + ('%s:%s' % (algo, h)).encode())
        put('hash', bytes([3]) + h.encode())
        put('hash', bytes([1 | n << 4]) + h.encode())
    put('hash', b'\5' + b'ungLTDqmkJzUKvwQVyBjDwjuLGm2xOFdWBlYnpyg1Uw=')
    put('hash', b'\0sha256-ungLTDqmkJzUKvwQVyBjDwjuLGm2xOFdWBlYnpyg1Uw=')

def gen_config():
    for f in sorted(glob.glob(os.path.join(TOP, 'regress', 'config', '*',
                                           '*.conf')) +
                    [os.path.join(TOP, 'etc', 'rnixd.conf')]):
        put('config', open(f, 'rb').read())

# The recorded sessions: whole client streams, and each op's arguments
# given to the decoders of wire.c that read them.
OP_DECODERS = {
    1: [4], 4: [4], 5: [4], 6: [4], 7: [2, 12], 8: [2], 9: [3],
    10: [4], 11: [4], 16: [4], 18: [4], 19: [10], 22: [4], 26: [4],
    28: [4], 29: [2], 31: [6], 33: [4], 36: [4, 7], 37: [4, 3],
    38: [4], 39: [9, 12], 40: [3], 41: [4], 44: [12], 45: [3, 12],
    46: [3], 14: [0], 20: [0, 6], 23: [0], 35: [1],
}

def load_decoder():
    spec = importlib.util.spec_from_file_location('decode', DECODER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def split_ops(mod, fn):
    """[(op, args bytes)] of one capture, cut where decode.py reads ops."""
    seen = {}
    base = mod.R
    class Tracking(base):
        def __init__(s, b, name):
            base.__init__(s, b, name)
            if name == 'client':
                seen['c'] = s
    starts = []
    class Ops(dict):
        def get(s, k, d=None):
            starts.append((k, seen['c'].p))
            return dict.get(s, k, d)
    mod.R, ops = Tracking, mod.OPS
    mod.OPS = Ops(ops)
    try:
        mod.decode(fn, out=lambda s: None)
    except Exception:
        pass
    finally:
        mod.R, mod.OPS = base, ops
    if 'c' not in seen:
        return b'', []
    c = seen['c'].b
    res = []
    for i, (op, p) in enumerate(starts):
        end = starts[i + 1][1] - 8 if i + 1 < len(starts) else len(c)
        res.append((op, c[p:end]))
    return c, res

def gen_wire(paths):
    if not os.path.isdir(CAPTURES) or not os.path.exists(DECODER):
        print('gen-seeds: no captures, wire seeds skipped', file=sys.stderr)
        return
    mod = load_decoder()
    count = {}
    for fn in sorted(glob.glob(os.path.join(CAPTURES, '*', 'conn-*.bin'))):
        c, ops = split_ops(mod, fn)
        # builderproc whole: the client's side of the session, trusted
        # with nothing valid, and untrusted with every path valid.
        if c:
            put('builderproc', b'\x01' + c)
            put('builderproc', b'\xfe' + c)
        if c and count.get(11, 0) < PER_KIND:
            put('wire', bytes([11, 7]) + c[:4096])
            count[11] = count.get(11, 0) + 1
        for op, args in ops:
            for dec in OP_DECODERS.get(op, []):
                if count.get(dec, 0) >= PER_KIND or len(args) > 65536:
                    continue
                count[dec] = count.get(dec, 0) + 1
                put('wire', bytes([dec, len(args) // 2 % 256]) + args)
            for p in re.findall(rb'/nix/store/[0-9a-z]{32}-[^\0]+', args):
                paths.add(p.decode('ascii', 'replace'))

# Messages between the processes, encoded as common/msg_*.c does.
def imsg_types():
    src = open(os.path.join(TOP, 'common', 'proc.h')).read()
    body = src[src.index('enum imsg_type {'):]
    body = body[:body.index('};')]
    names = re.findall(r'^\s*(IMSG_[A-Z0-9_]+)\s*,', body, re.M)
    return {n: i for i, n in enumerate(names)}

def gen_msg(paths, infos):
    T = imsg_types()
    def store(t, payload, fd=0):
        put('msg_store', struct.pack('<IB', T[t], fd) + payload)
    ps = sorted(paths)[:8] or [SD + '/' + 'a' * 32 + '-x']
    for t in ['QUERY_INFO', 'QUERY_REFERRERS', 'QUERY_DERIVERS',
              'QUERY_OUTPUTS', 'TEMP_ROOT', 'ENSURE', 'QUERY_DRV']:
        store('IMSG_STORE_' + t, wstr(ps[0]))
    for t in ['NAR_FROM_PATH', 'BUILD_LOG']:
        store('IMSG_STORE_' + t, wstr(ps[0]), 1)
    for t in ['QUERY_VALID', 'PATHS', 'QUERY_CLOSURE', 'QUERY_INTACT']:
        store('IMSG_STORE_' + t, wstrs(ps))
    drvs = [p for p in ps if p.endswith('.drv')]
    store('IMSG_STORE_QUERY_MISSING',
          wstrs([d + '!out' for d in drvs] + [d + '!*' for d in drvs]))
    for t in ['QUERY_ALL', 'FIND_ROOTS', 'SESSION_END', 'OK']:
        store('IMSG_STORE_' + t, b'')
    store('IMSG_STORE_ERROR', wstr('error: path is not valid'))
    store('IMSG_STORE_QUERY_HASHPART', wstr(ps[0][len(SD) + 1:][:32]))
    store('IMSG_STORE_INDIRECT_ROOT', wstr('/home/u/result'))
    store('IMSG_STORE_ADD', wstr('hello.txt') + wstr('fixed:r:sha256') +
          wstrs(ps[:2]) + u64(0), 1)
    store('IMSG_STORE_ADD_SIGS', wstr(ps[0]) +
          wstrs(['cache.example.org-1:' + 'A' * 88]))
    store('IMSG_STORE_VERIFY', u64(1) + u64(0))
    store('IMSG_STORE_VERIFY_RESULT', u64(0) + wstrs([]))
    store('IMSG_STORE_VERIFY_RESULT', u64(1) + wstrs([ps[0] + '.drv']))
    store('IMSG_CTL_READLINKS', wstrs(['/home/u/result', '/tmp/r']))
    store('IMSG_STORE_GC', u64(2) + wstrs(ps[:2]) + u64(0) + u64(1 << 20))
    for i in infos[:PER_KIND]:
        pi = (wstr(i.get('deriver', '')) + wstr(i['narHash']) +
              wstrs(sorted(i.get('references', []))) +
              u64(0) + u64(i['narSize']) +
              u64(0) + wstrs(i.get('signatures', [])) +
              wstr(i.get('ca', '')))
        store('IMSG_STORE_INFO', u64(1) + wstr(i['path']) + pi)
        store('IMSG_STORE_ADD_NAR', wstr(i['path']) + pi +
              u64(0) + u64(0) + u64(0), 1)
    store('IMSG_STORE_INFO', u64(0))
    gen_mount(ps, T)

def gen_mount(ps, T):
    # msg.h's encoding: every field a u64, strings as the worker protocol.
    def rec(sel, flags, p): return struct.pack('<BBH', sel, flags, len(p)) + p
    def item(kind, *s, opt=0):
        return u64(9) + u64(kind) + u64(opt) + b''.join(wstr(x) for x in s)
    start = b''.join(u64(x) for x in [9, 30001, 30000, 0, 2, 2, len(ps), 1,
                                       0])
    seq = (rec(0, 0, start) + rec(1, 0, item(1, '/bin/sh')) +
           rec(1, 0, item(2, '-c')) + rec(1, 0, item(2, 'echo')) +
           rec(1, 0, item(3, 'out=/nix/store/x')) +
           rec(1, 0, item(3, 'NIX_BUILD_CORES=1')) +
           b''.join(rec(1, 0, item(4, p)) for p in ps) +
           rec(1, 0, item(5, '/bin/sh', '/bin/busybox', opt=1)) +
           rec(2, 0, u64(9)))
    put('msg_mount', seq)
    # Build-dir files: one in two parts, one kept the spawner's.
    fstart = b''.join(u64(x) for x in [9, 30001, 30000, 0, 0, 0, 0, 0, 3])
    put('msg_mount', rec(0, 0, fstart) + rec(1, 0, item(1, '/bin/sh')) +
        rec(1, 0, item(6, '.attrs.json', '{"a":')) +
        rec(1, 0, item(6, '.attrs.json', '1}')) +
        rec(1, 0, item(6, 'closure', '/nix/store/x\n\n0\n', opt=1)) +
        rec(2, 0, u64(9)))
    put('msg_mount', rec(3, 1, u64(9) + u64(42)))
    put('msg_mount', rec(4, 1, u64(9) + u64(0)))
    put('msg_mount', rec(5, 0, u64(9)) + rec(6, 0, u64(9)))
    put('msg_mount', rec(7, 0, u64(9) + wstr(ps[0])))
    put('msg_mount', rec(8, 0, u64(9) + u64(T['IMSG_MOUNT_BIND_PATH'])))
    put('msg_mount', rec(9, 0, u64(9) + u64(T['IMSG_MOUNT_BUILD_GO']) +
                         wstr('refused')))
    put('msg_mount', rec(10, 1, u64(9)))

# imsg framing: whole messages, split ones, descriptors on the way.
def gen_imsg():
    def hdr(t, n, fd=0): return struct.pack('<IIIII', t, 20 + n, 7, 1, fd)
    def rec(c, b): return struct.pack('<BH', c, len(b)) + b
    m = hdr(30, 8) + b'abcdefgh'
    put('imsg', b'\x80' + rec(4, m) + rec(1 | 4, hdr(31, 0, 1)) +
        rec(0, m[:5]) + rec(4 | 8, m[5:]))
    put('imsg', b'\x01' + rec(2 | 4, hdr(31, 4, 1) + b'xxxx') +
        rec(4, hdr(1, 0) * 3))
    put('imsg', b'\x00' + rec(4, hdr(1, 100000)))

# Client sessions that reproduce builderproc crashes of issue 11, kept
# in fuzz/repro/builderproc/ under fixed names.
def gen_repros():
    hello = u64(0x6e697863) + u64(0x122) + u64(0) + u64(0)
    setopt = u64(19) + b''.join(u64(x) for x in
                                [0, 0, 0, 3, 1, 0, 1, 0, 0, 0, 2, 1]) + u64(0)
    a = SD + '/i91hr1ls03vg81a09v8d8h3s6k696mia-top'
    b = SD + '/kly4wx9sj2lvkh1kxgjdns7bi2s44nhf-dep'
    d = os.path.join(TOP, 'fuzz', 'repro', 'builderproc')
    os.makedirs(d, exist_ok=True)
    # BuildPaths of two opaque paths, the first invalid (flags: trusted,
    # storeproc says the second path alone is valid): req_opaque_reply
    # goes on with a request that the first failure freed.
    open(os.path.join(d, 'uaf-req-opaque-reply'), 'wb').write(
        bytes([1 | 2 << 1]) + hello + setopt + u64(9) + wstrs([a, b]) +
        u64(0))
    # An untrusted BuildDerivation of a fixed-output derivation whose
    # drvPath does not end in .drv: its goal fails inside ops_start and
    # the request is parsed again, without end.
    h = hashlib.sha256(b'x').hexdigest()
    open(os.path.join(d, 'recursion-build-derivation'), 'wb').write(
        bytes([0]) + hello + setopt + u64(36) + wstr(a + '-fod') +
        u64(1) + wstr('out') + wstr(b) + wstr('sha256') + wstr(h) +
        wstrs([]) + wstr('x86_64-linux') + wstr('/bin/sh') +
        wstrs(['-c', 'true']) + u64(1) + wstr('out') + wstr(b) + u64(0))

# builderproc building: the target serves two .drv files of its own
# making (FUZZ_PRINT_DRVS=1 prints their paths); a client builds each,
# and the recorded sessions speak on the recursive one's socket.
REC_MARKER = b'\0rnixd-recursive'

def gen_builds():
    binary = os.path.join(TOP, 'obj', 'fuzz', 'bin', 'f_builderproc')
    if not os.access(binary, os.X_OK) or not os.path.isdir(CAPTURES):
        print('gen-seeds: no f_builderproc, build seeds skipped',
              file=sys.stderr)
        return
    env = dict(os.environ, FUZZ_PRINT_DRVS='1')
    plain, rec = subprocess.run([binary], env=env, check=True,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL).stdout.split()
    hello = u64(0x6e697863) + u64(0x122) + u64(0) + u64(0)
    setopt = u64(19) + b''.join(u64(x) for x in
                                [0, 0, 0, 3, 1, 0, 1, 0, 0, 0, 2, 1]) + u64(0)
    def build(drv): return hello + setopt + u64(9) + wstrs([drv + b'!out']) + u64(0)
    put('builderproc', b'\x01' + build(plain))
    put('builderproc', b'\x00' + build(plain))
    mod = load_decoder()
    fns = sorted(glob.glob(os.path.join(CAPTURES, 'rec_*', 'conn-*.bin')))
    fns += sorted(glob.glob(os.path.join(CAPTURES, '*', 'conn-*.bin')))[:12]
    for fn in fns:
        inner = mod.load(fn)[0]
        if inner:
            put('builderproc', b'\x01' + build(rec) + REC_MARKER + inner)

def main():
    paths = set()
    with tempfile.TemporaryDirectory(prefix='rnixd-seeds.') as tmp:
        gen_nar(tmp)
        infos = gen_drv(tmp)
        gen_outcheck(tmp)
    for i in infos:
        paths.add(i['path'])
    gen_config()
    gen_wire(paths)
    gen_hash(infos, sorted(paths))
    gen_msg(paths, infos)
    gen_imsg()
    gen_repros()
    gen_builds()
    for t in sorted(os.listdir(CORPUS)):
        print('%-10s %4d seeds' % (t, len(os.listdir(os.path.join(CORPUS, t)))))

main()
