#!/usr/bin/env python3
"""convert-expect.py -- assertions on what `sprof convert` wrote, for the
tests/convert-*.sh tests.

Usage: convert-expect.py OUTPUT SOURCE CHECK [CHECK...]
OUTPUT is a v1 profile, a JSON array of v1 profiles or v2 chunks, or an
envelope; the checks apply to the first profile in it.  SOURCE is the test
program's source file, where "CALL:x" markers give expected line numbers.
Checks (arguments separated by '|', as C++ names hold colons):
  func|NAME|FILE          a frame of function NAME in source file FILE
  call|NAME|MARKER        a frame of NAME at the line of CALL:MARKER
  inline|IN|M1|OUT|M2     an inlined frame IN at CALL:M1 directly followed
                          (same instruction_addr) by OUT at CALL:M2
  in_app|NAME|true/false  every frame of function NAME has this in_app
  module_in_app|MOD|true/false   every frame of module MOD has this in_app
  thread|NAME             thread_metadata has a thread named NAME
  threads|N               N threads have samples
  debug_id|PATH           debug_meta has PATH with the debug id Sentry
                          derives from its build-id, and code_id = build-id
  no_func|NAME            no frame has function NAME
  unsymbolized|MODULE     frames of MODULE exist and none has a function
Exit 0 when all hold, 1 with one line per failed check otherwise.
"""
import json, re, struct, sys


def load(path):
    data = open(path, "rb").read()
    try:
        d = json.loads(data)
    except ValueError:
        d = None
        rest = data.split(b"\n", 1)[1]
        while rest.strip():
            hl, _, rest = rest.partition(b"\n")
            ih = json.loads(hl)
            payload, rest = rest[:ih["length"]], rest[ih["length"] + 1:]
            if ih["type"] in ("profile", "profile_chunk"):
                d = json.loads(payload)
                break
    if isinstance(d, list):
        d = d[0]
    return d


def build_id(path):
    """The GNU build-id of an ELF file, read from its note sections."""
    f = open(path, "rb").read()
    assert f[:4] == b"\x7fELF" and f[4] == 2, "64-bit ELF expected"
    shoff, = struct.unpack_from("<Q", f, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", f, 0x3a)
    for i in range(shnum):
        sh = shoff + i * shentsize
        stype, = struct.unpack_from("<I", f, sh + 4)
        off, size = struct.unpack_from("<QQ", f, sh + 0x18)
        if stype != 7:              # SHT_NOTE
            continue
        p = off
        while p + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", f, p)
            name = f[p + 12:p + 12 + namesz]
            desc_off = p + 12 + ((namesz + 3) & ~3)
            if ntype == 3 and name.rstrip(b"\0") == b"GNU":
                return f[desc_off:desc_off + descsz]
            p = desc_off + ((descsz + 3) & ~3)
    return None


def sentry_debug_id(bid):
    b = (bid + bytes(16))[:16]
    g = b[3::-1] + b[5:3:-1] + b[7:5:-1] + b[8:]
    h = g.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def main(argv):
    out, source, checks = argv[1], argv[2], argv[3:]
    d = load(out)
    src = open(source).read().splitlines() if source != "-" else []

    def line_of(marker):
        for i, l in enumerate(src, 1):
            if re.search(r"CALL:%s\b" % re.escape(marker), l):
                return i
        raise SystemExit(f"marker CALL:{marker} not in {source}")

    p = d["profile"]
    frames, stacks = p["frames"], p["stacks"]
    used = set()
    for s in p["samples"]:
        used.add(s["stack_id"])
    bad = []
    for c in checks:
        a = c.split("|")
        kind = a[0]
        fn = lambda name: [f for f in frames if f.get("function") == name]
        if kind == "func":
            if not any(f.get("filename") == a[2] for f in fn(a[1])):
                bad.append(f"{c}: no frame of {a[1]} in {a[2]}")
        elif kind == "call":
            want = line_of(a[2])
            got = sorted({f.get("lineno") for f in fn(a[1])}, key=str)
            if want not in got:
                bad.append(f"{c}: {a[1]} frames have lines {got}, expected {want}")
        elif kind == "inline":
            l1, l2 = line_of(a[2]), line_of(a[4])
            ok = False
            for st in stacks:
                for i in range(len(st) - 1):
                    f, g = frames[st[i]], frames[st[i + 1]]
                    if (f.get("function") == a[1] and f.get("lineno") == l1 and g.get("function") == a[3]
                            and g.get("lineno") == l2 and f["instruction_addr"] == g["instruction_addr"]):
                        ok = True
            if not ok:
                bad.append(f"{c}: no stack with {a[1]}:{l1} inlined into {a[3]}:{l2} at one address")
        elif kind == "in_app":
            want = a[2] == "true"
            fs = fn(a[1])
            if not fs or any(f.get("in_app") != want for f in fs):
                bad.append(f"{c}: in_app of {a[1]} frames: {[f.get('in_app') for f in fs]}")
        elif kind == "module_in_app":
            want = a[2] == "true"
            fs = [f for f in frames if f.get("module") == a[1]]
            if not fs or any(f.get("in_app") != want for f in fs):
                bad.append(f"{c}: in_app of module {a[1]} frames: {sorted({f.get('in_app') for f in fs}, key=str)} ({len(fs)} frames)")
        elif kind == "thread":
            names = [t.get("name") for t in p["thread_metadata"].values()]
            if a[1] not in names:
                bad.append(f"{c}: thread names are {names}")
        elif kind == "threads":
            tids = {s["thread_id"] for s in p["samples"]}
            if len(tids) != int(a[1]):
                bad.append(f"{c}: {len(tids)} threads have samples")
        elif kind == "debug_id":
            path = a[1]
            bid = build_id(path)
            ims = [im for im in d.get("debug_meta", {}).get("images", []) if im.get("code_file") == path]
            if not bid:
                bad.append(f"{c}: {path} has no build-id")
            elif not ims:
                bad.append(f"{c}: {path} not in debug_meta")
            elif ims[0].get("debug_id") != sentry_debug_id(bid) or ims[0].get("code_id") != bid.hex():
                bad.append(f"{c}: debug_id {ims[0].get('debug_id')} code_id {ims[0].get('code_id')}, expected {sentry_debug_id(bid)} {bid.hex()}")
            elif ims[0].get("type") != "symbolic":
                bad.append(f"{c}: image type {ims[0].get('type')}")
        elif kind == "no_func":
            if fn(a[1]):
                bad.append(f"{c}: {a[1]} is named")
        elif kind == "unsymbolized":
            fs = [f for f in frames if f.get("module") == a[1]]
            if not fs or any("function" in f for f in fs):
                bad.append(f"{c}: {len(fs)} frames of {a[1]}, named: {[f.get('function') for f in fs if 'function' in f][:5]}")
        else:
            raise SystemExit(f"unknown check {c}")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
