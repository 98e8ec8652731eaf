#!/usr/bin/env python3
"""sym-agree.py -- compares sprof's symbolization of every sampled address
with llvm-symbolizer --inlining and binutils' addr2line -i, and prints the
disagreement rate.  Not eu-addr2line: elfutils 0.188 (Debian 12) picks the
wrong unit of LTO programs (python3.11) and loses their inline chains, the
very mistake this checks sprof for.

    sym-agree.py PROFILE.json [--image SUBSTR] [--min-agree PCT] [--show N]

PROFILE.json is `sprof convert -f sentry` output.  Each distinct (address,
leaf-or-return) of the images whose path contains SUBSTR is one location;
sprof's inline chain for it is the run of frames sharing that
instruction_addr in a stack.  A location agrees when the chain has the same
length and, level by level, the same function (the references' names
brought to sprof's short style: no return type, parameters or clone
suffix), source file base name and line.  Exit status 1
when the agreement is below --min-agree, 77 when there is nothing to compare
or llvm-symbolizer is missing."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys


QUALIFIERS = re.compile(r'( const| volatile| noexcept| ?&&| ?&)+$')


def strip_params(name):
    """'ns::f<int>(int) const' -> 'ns::f<int>': drops a trailing balanced
    parameter list and the qualifiers after it; a name not ending so (a
    short one: 'ns::X::operator()<int>') stays."""
    if not name:
        return name
    name = name.split(' [clone ')[0]
    body = QUALIFIERS.sub('', name)
    if not body.endswith(')'):
        return name
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        c = body[i]
        if c in ')>]}':
            depth += 1
        elif c in '(<[{':
            depth -= 1
            if depth == 0 and c == '(':
                return body[:i] if i > 0 else name
            if depth < 0:
                return name
    return name


def strip_return_type(name):
    depth, cut = 0, 0
    for i, c in enumerate(name):
        if c in '(<[{':
            depth += 1
        elif c in ')>]}' and depth > 0:
            depth -= 1
        elif depth == 0 and name.startswith('operator', i) and (i == 0 or name[i - 1] in ': '):
            break
        elif depth == 0 and c == ' ':
            cut = i + 1
    return name[cut:]


def demangle(name):
    if not name.startswith('_Z') or not shutil.which('c++filt'):
        return name
    return subprocess.run(['c++filt', name], capture_output=True, text=True).stdout.strip() or name


def short(name):
    """A reference's name in sprof's short style: no return type, no
    parameters, no clone suffix (' (.isra.0)', ' [clone .cold]',
    '.constprop.0').  llvm-symbolizer 14 leaves some names mangled."""
    if not name:
        return name
    name = demangle(name)
    name = re.sub(r' (\[clone [^]]*\]|\(\.[^)]*\))', '', name)
    if not re.search(r'[(<: ]', name):
        return name.split('.')[0] if not name.startswith('.') else name
    return strip_return_type(strip_params(name))


def symbol_values(path, build_id):
    """{symbol name: value} from the image's .dynsym and .symtab and from
    its separate debug file under /usr/lib/debug, for telling aliases."""
    files = [path]
    if build_id and len(build_id) > 2:
        files.append('/usr/lib/debug/.build-id/%s/%s.debug' % (build_id[:2], build_id[2:]))
    vals = {}
    for f in files:
        for args in (['nm', '-D', '--defined-only'], ['nm', '--defined-only']):
            if not os.path.exists(f):
                continue
            out = subprocess.run(args + [f], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3:
                    vals.setdefault(parts[2].split('@')[0], int(parts[0], 16))
    return vals


def same_function(mine, ref, syms):
    """sprof qualifies names DWARF gives bare (an inlined lambda's
    'operator()' is 'main::{lambda(int)#1}::operator()'): a reference name
    that is the last part of sprof's counts as the same.  So does another
    symbol at the same address (glibc: __getrandom, __GI___getrandom and
    getrandom are one function, each tool picks another alias)."""
    if mine == ref:
        return True
    m, r = short(mine), short(ref)
    if m == r or (m and r and m.endswith('::' + r)):
        return True
    return mine in syms and ref in syms and syms[mine] == syms[ref]


build_ids = {}


def locations(prof, sub):
    """{(image path, bias, addr, is_return): [(function, file, line), ...]}"""
    images = []
    for im in prof.get('debug_meta', {}).get('images', []):
        start = int(im['image_addr'], 16)
        vm = int(im.get('image_vmaddr', '0x0'), 16)
        images.append((im['code_file'], start, start + im['image_size'], start - vm))
        build_ids[im['code_file']] = im.get('code_id')
    frames = prof['profile']['frames']
    locs = {}
    for st in prof['profile']['stacks']:
        k = 0
        while k < len(st):
            addr = frames[st[k]]['instruction_addr']
            run = []
            while k < len(st) and frames[st[k]]['instruction_addr'] == addr:
                run.append(frames[st[k]])
                k += 1
            a = int(addr, 16)
            img = next((i for i in images if i[1] <= a < i[2]), None)
            if not img or sub not in img[0] or not img[0].startswith('/'):
                continue
            is_ret = k - len(run) > 0
            locs[(img[0], img[3], a, is_ret)] = [
                (f.get('function'), f.get('filename'), f.get('lineno', 0)) for f in run]
    return locs


def reference(path, addrs):
    """llvm-symbolizer's chains for file addresses, innermost first."""
    inp = ''.join('0x%x\n' % a for a in addrs)
    out = subprocess.run(['llvm-symbolizer', '--inlining', '--demangle', '--output-style=JSON',
                          '--obj=' + path], input=inp, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        d = json.loads(line)
        a = int(d['Address'], 16)
        chain = []
        for s in d.get('Symbol', []):
            fn = s.get('FunctionName') or None
            if fn == '??':
                fn = None
            fname = os.path.basename(s['FileName']) if s.get('FileName') else None
            chain.append((fn, fname, s.get('Line', 0)))
        res[a] = chain
    return res


def reference_eu(path, addrs):
    """binutils addr2line -i's chains, same shape as reference()."""
    out = subprocess.run(['addr2line', '-a', '-i', '-f', '-C', '-p', '-e', path]
                         + ['0x%x' % a for a in addrs], capture_output=True, text=True).stdout
    res, cur = {}, None
    for line in out.splitlines():
        m = re.match(r'(?:0x([0-9a-f]+): | \(inlined by\) )(.*)$', line)
        if not m:
            continue
        if m.group(1):
            cur = res.setdefault(int(m.group(1), 16), [])
        rest = m.group(2)
        fn, _, where = rest.rpartition(' at ')
        if not _:
            fn, where = rest.split(' ')[0], ''
        file, line_no = None, 0
        w = re.match(r'(.*?):(\d+)(?::\d+)?$', where)
        if w and w.group(1) != '??':
            file, line_no = os.path.basename(w.group(1)), int(w.group(2))
        cur.append((None if fn == '??' else fn, file, line_no))
    return res


def plt_stubs(path):
    """{stub address: 'sym@plt'} as objdump labels the PLT (the references
    name a stub after the symbol before it, _init, or not at all)."""
    out = subprocess.run(['objdump', '-d', '-j', '.plt', '-j', '.plt.sec', path],
                         capture_output=True, text=True).stdout
    stubs = {}
    for m in re.finditer(r'^([0-9a-f]+) <([^>]+@plt)>:', out, re.M):
        stubs[int(m.group(1), 16)] = m.group(2)
    return stubs


def same(sp, ref, syms, ret_ref=None):
    """sp: sprof's frames at one address, ref: the reference's chain there.
    A recursive call puts several chains at one address: its callers'
    return address (ret_ref, the chain at address - 1), possibly after the
    leaf's own chain when the leaf sits right there."""
    if ref and len(sp) > len(ref):
        rest = sp
        if ret_ref is not None and same(sp[:len(ref)], ref, syms):
            rest, ref = sp[len(ref):], ret_ref
        if ref and len(rest) % len(ref) == 0:
            return all(same(rest[i:i + len(ref)], ref, syms)
                       for i in range(0, len(rest), len(ref)))
        return False
    if len(sp) != len(ref):
        return False
    for (f1, s1, l1), (f2, s2, l2) in zip(sp, ref):
        if not same_function(f1, f2, syms):
            return False
        if (s1 or None) != (s2 or None) or (l1 or 0) != (l2 or 0):
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('profile')
    ap.add_argument('--image', default='')
    ap.add_argument('--min-agree', type=float, default=0)
    ap.add_argument('--show', type=int, default=5)
    a = ap.parse_args()
    for tool in ('llvm-symbolizer', 'addr2line', 'objdump', 'nm'):
        if not shutil.which(tool):
            print('sym-agree: no %s' % tool)
            return 77
    locs = locations(json.load(open(a.profile)), a.image)
    if not locs:
        print('sym-agree: no sampled address in an image matching %r' % a.image)
        return 77
    byimg = {}
    for (path, bias, addr, is_ret) in locs:
        byimg.setdefault(path, set()).update({addr - bias - 1, addr - bias - (1 if is_ret else 0)})
    llvm = {p: reference(p, sorted(v)) for p, v in byimg.items()}
    eu = {p: reference_eu(p, sorted(v)) for p, v in byimg.items()}
    syms = {p: symbol_values(p, build_ids.get(p)) for p in byimg}
    plts = {p: plt_stubs(p) for p in byimg}
    bad, n_llvm, n_eu, n_refs = [], 0, 0, 0
    for (path, bias, addr, is_ret), chain in sorted(locs.items()):
        fa = addr - bias - (1 if is_ret else 0)
        r1, r2 = llvm[path].get(fa, []), eu[path].get(fa, [])
        q1, q2 = (None, None) if is_ret else (llvm[path].get(fa - 1, []), eu[path].get(fa - 1, []))
        stub = next((n for a0, n in plts[path].items() if a0 <= fa < a0 + 16), None)
        if stub:
            r1 = r2 = [(stub, None, 0)]
        # The references differ where llvm-symbolizer names the outer C
        # function by its symbol (__libc_start_main) and addr2line by its
        # DWARF name (__libc_start_main_impl): agreeing with either counts.
        a1, a2 = same(chain, r1, syms[path], q1), same(chain, r2, syms[path], q2)
        n_llvm += a1
        n_eu += a2
        n_refs += same(r1, r2, syms[path])
        if not (a1 or a2):
            bad.append((path, fa, chain, r1, r2))
    n = len(locs)
    agree = 100.0 * (n - len(bad)) / n
    print('sym-agree: %d of %d locations disagree with both llvm-symbolizer and addr2line '
          '(%.1f%% agree; %d agree with llvm-symbolizer, %d with addr2line, which agree with '
          'each other on %d) in %s'
          % (len(bad), n, agree, n_llvm, n_eu, n_refs,
             ', '.join(sorted(os.path.basename(p) for p in byimg))))
    for path, fa, chain, r1, r2 in bad[:a.show]:
        print('  %s+0x%x\n    sprof: %s\n    llvm:  %s\n    a2l:   %s'
              % (os.path.basename(path), fa, chain, r1, r2))
    return 1 if agree < a.min_agree else 0


if __name__ == '__main__':
    sys.exit(main())
