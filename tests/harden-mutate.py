#!/usr/bin/env python3
"""harden-mutate.py -- damages real raw files in a table of ways and checks
that `sprof info` and `sprof convert` treat every result as input, never as
a reason to crash, hang or eat memory.  Driven by tests/harden-mutate.sh,
which makes the real files.

Usage: harden-mutate.py GOOD.raw CUT.raw OTHER.raw WORKDIR

GOOD is a whole multi-threaded run, CUT a run killed with SIGKILL (no end
record), OTHER a second whole run (another pid).  Environment: SPROF,
SENTRY_VALIDATE, PYTHON3 as in make check; HARDEN_ONLY=REGEX runs only the
matching cases; HARDEN_VERBOSE=1 prints every case.

Each case is a file.  `sprof info` runs on all of them; `sprof convert
--force` (-f sentry and -f collapsed) on those marked so (converting costs
~0.1 s, so the many truncation offsets are info only).  Every run gets a
time limit and an address-space limit, and must end in one of:
  exit 0   -- a result (convert: valid JSON / folded lines, and a Sentry
              profile with >= 2 samples must pass tests/sentry-validate.py), with
              at most one `sprof: ` warning line on stderr;
  exit 1/2 -- nothing on stdout, exactly one `sprof: ` line naming the file.
A signal, a timeout, a sanitizer report or any other status is a failure.

The file format (src/raw/format.h) is decoded into records here, so that a
mutation can change one field and re-encode, re-deflate and re-checksum the
block: that is what gets garbage past the CRCs to the inflater and to the
record parsers."""
import concurrent.futures as cf
import copy
import json
import os
import re
import resource
import stat
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib

BLOCK_MAGIC = 0x4B4C4253
TIMEOUT = 10
MEM_LIMIT = 1 << 30

REC_PROCESS, REC_IMAGE, REC_IMAGE_GONE, REC_THREAD, REC_STACK, REC_SAMPLES, \
    REC_STATS, REC_END, REC_RATE, REC_UNPROFILED, REC_NOTE, REC_WRITE_ERROR = range(1, 13)
# field kinds per record type: u varint, s str, argv (varint n + n str),
# stack (id, depth, pcs as varint + svarint deltas), samples (count + 4-tuples)
SCHEMA = {
    REC_PROCESS: ["u"] * 7 + ["s"] * 5 + ["argv", "s", "s"],   # the last two since format 1.1
    REC_IMAGE: ["u", "u", "u", "u", "s", "s"],
    REC_IMAGE_GONE: ["u", "u"],
    REC_THREAD: ["u", "u", "s"],
    REC_STACK: ["stack"],
    REC_SAMPLES: ["samples"],
    REC_STATS: ["u"] * 5,
    REC_END: ["u", "u", "u"],
    REC_RATE: ["u", "u"],
    REC_UNPROFILED: ["u", "s", "s"],
    REC_NOTE: ["u", "s"],
    REC_WRITE_ERROR: ["u", "u", "u", "s"],                      # since format 1.2
}
M64 = (1 << 64) - 1


# ---- encoding ----------------------------------------------------------------

def varint(v):
    out = bytearray()
    v &= M64
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def zz(v):
    return ((v << 1) ^ (v >> 63)) & M64


def unzz(v):
    return (v >> 1) ^ -(v & 1)


def get_varint(b, p):
    v = shift = 0
    while True:
        x = b[p]
        p += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return v, p


def encode_fields(kinds, vals):
    out = bytearray()
    for k, v in zip(kinds, vals):
        if k == "u":
            out += varint(v)
        elif k == "s":
            out += varint(len(v)) + v
        elif k == "argv":
            out += varint(len(v))
            for a in v:
                out += varint(len(a)) + a
        elif k == "stack":
            sid, pcs = v
            out += varint(sid) + varint(len(pcs))
            for i, pc in enumerate(pcs):
                out += varint(pc) if i == 0 else varint(zz(((pc - pcs[i - 1] + (1 << 63)) & M64) - (1 << 63)))
        elif k == "samples":
            out += varint(len(v))
            for s in v:
                out += b"".join(varint(x) for x in s)
    return bytes(out)


def decode_fields(kinds, b):
    p, vals = 0, []
    for k in kinds:
        if k == "u":
            v, p = get_varint(b, p)
        elif k == "s":
            n, p = get_varint(b, p)
            v, p = b[p:p + n], p + n
        elif k == "argv":
            n, p = get_varint(b, p)
            v = []
            for _ in range(n):
                m, p = get_varint(b, p)
                v.append(b[p:p + m])
                p += m
        elif k == "stack":
            sid, p = get_varint(b, p)
            depth, p = get_varint(b, p)
            pcs = []
            for i in range(depth):
                x, p = get_varint(b, p)
                pcs.append(x if i == 0 else (pcs[-1] + unzz(x)) & M64)
            v = (sid, pcs)
        elif k == "samples":
            n, p = get_varint(b, p)
            v = []
            for _ in range(n):
                s = []
                for _ in range(4):
                    x, p = get_varint(b, p)
                    s.append(x)
                v.append(tuple(s))
        vals.append(v)
    return vals, b[p:]


class Rec:
    """One record: decoded fields (vals) when the type is known, the body
    bytes otherwise; body overrides vals when set (for garbage)."""

    def __init__(self, typ, vals=None, body=None, tail=b""):
        self.typ, self.vals, self.body, self.tail = typ, vals, body, tail

    def encode(self):
        body = self.body if self.body is not None else \
            encode_fields(SCHEMA[self.typ], self.vals) + self.tail
        return bytes([self.typ]) + varint(len(body)) + body


def parse_records(raw):
    recs, p = [], 0
    while p < len(raw):
        typ = raw[p]
        n, p = get_varint(raw, p + 1)
        body = raw[p:p + n]
        p += n
        if typ in SCHEMA:
            vals, tail = decode_fields(SCHEMA[typ], body)
            recs.append(Rec(typ, vals, tail=tail))
        else:
            recs.append(Rec(typ, body=body))
    return recs


class Block:
    def __init__(self, pid, seq, flags, recs):
        self.pid, self.seq, self.flags, self.recs = pid, seq, flags, recs

    def payload(self):
        return b"".join(r.encode() for r in self.recs)


def block_bytes(pid, seq, raw, flags=1, raw_len=None, stored=None, stored_len=None,
                payload_crc=None, reserved=0, header_crc=None, magic=BLOCK_MAGIC):
    """A block around inflated payload raw; every header field can be
    overridden, and the crcs are computed over whatever ends up there."""
    if stored is None:
        stored = zlib.compress(raw, 6) if flags & 1 else raw
    h = struct.pack("<8I", magic, pid, seq, flags,
                    len(raw) if raw_len is None else raw_len,
                    len(stored) if stored_len is None else stored_len,
                    zlib.crc32(stored) if payload_crc is None else payload_crc, reserved)
    return h + struct.pack("<I", zlib.crc32(h) if header_crc is None else header_crc) + stored


def file_header(major=1, minor=0, size=16):
    return b"SPROFRAW" + struct.pack("<HHI", major, minor, size)


def encode_model(blocks, header=None):
    return (header or file_header()) + b"".join(
        block_bytes(b.pid, b.seq, b.payload(), b.flags) for b in blocks)


def split_blocks(d):
    """[(offset, header tuple, stored payload)] of the whole blocks of d."""
    out, p = [], struct.unpack_from("<I", d, 12)[0]
    while p + 36 <= len(d):
        h = struct.unpack_from("<9I", d, p)
        if h[0] != BLOCK_MAGIC or p + 36 + h[5] > len(d):
            break
        out.append((p, h, d[p + 36:p + 36 + h[5]]))
        p += 36 + h[5]
    return out


def decode_file(d):
    blocks = []
    for _, h, stored in split_blocks(d):
        raw = zlib.decompress(stored) if h[3] & 1 else stored
        blocks.append(Block(h[1], h[2], h[3], parse_records(raw)))
    return blocks


def fix_crcs(d, off):
    """Recomputes both crcs of the block at off after a change in it."""
    d = bytearray(d)
    n = struct.unpack_from("<I", d, off + 20)[0]
    struct.pack_into("<I", d, off + 24, zlib.crc32(bytes(d[off + 36:off + 36 + n])))
    struct.pack_into("<I", d, off + 32, zlib.crc32(bytes(d[off:off + 32])))
    return bytes(d)


# ---- the table ---------------------------------------------------------------

def build_cases(good, cut, other, work):
    """Returns [(name, file bytes or an existing path, convert?)]."""
    cases = []

    def add(name, data, conv=True):
        # conv: True converts to one format (alternating between sentry and
        # collapsed, for time), "both" to both, False not at all
        cases.append((name, data, conv))

    gb, cb, ob = split_blocks(good), split_blocks(cut), split_blocks(other)
    model = decode_file(good)
    assert len(gb) >= 2 and len(cb) >= 2 and len(ob) >= 2, "need two blocks per file"
    samples_blk = next(i for i, b in enumerate(model) if any(r.typ == REC_SAMPLES for r in b.recs))
    exe_path = next(r.vals[5] for r in model[0].recs if r.typ == REC_IMAGE)

    def variant(fn):
        m = copy.deepcopy(model)
        fn(m)
        return encode_model(m)

    def recs_of(m, typ):
        return [r for b in m for r in b.recs if r.typ == typ]

    # -- whole-file shapes
    add("header-only", good[:16])
    add("header-newer-major", file_header(2) + good[16:])
    add("header-major-0", file_header(0) + good[16:])
    add("header-minor-99", file_header(1, 99) + good[16:])
    add("header-size-15", file_header(1, 0, 15) + good[16:])
    add("header-size-17", file_header(1, 0, 17) + good[16:])
    add("header-size-huge", file_header(1, 0, 0xFFFFFFFF) + good[16:])
    add("header-size-past-block0", file_header(1, 0, 16 + 36 + len(gb[0][2])) + good[16:])
    add("header-size-20-padded", file_header(1, 0, 20) + b"\0\0\0\0" + good[16:])
    add("cut-kill9", cut, conv="all")
    add("two-processes", good + other[16:], conv="all")
    inter = [good[:16]]
    for i in range(max(len(gb), len(ob))):
        for bl in (gb, ob):
            if i < len(bl):
                o, h, s = bl[i]
                inter.append(good[o:o + 36 + h[5]] if bl is gb else other[o:o + 36 + h[5]])
    interleaved = b"".join(inter)
    add("interleaved-two-pids", interleaved, conv="both")
    for o, h, _ in split_blocks(interleaved)[1:]:
        add(f"interleaved-trunc-{o}", interleaved[:o])
        add(f"interleaved-trunc-{o}+50", interleaved[:o + 50], conv=False)
    add("interleaved-cut-and-good", good[:16] + b"".join(
        (cut if k else good)[o:o + 36 + h[5]] for i in range(max(len(gb), len(cb)))
        for k, bl in enumerate((gb, cb)) if i < len(bl) for o, h, _ in [bl[i]]))
    body = good[16:]
    add("duplicated-body", good + body)                       # same pid, seq 0 again
    o, h, _ = gb[0]
    add("duplicated-block0", good[:o + 36 + h[5]] + good[o:o + 36 + h[5]] + good[o + 36 + h[5]:])
    o, h, _ = gb[samples_blk]
    blk = good[o:o + 36 + h[5]]
    add("duplicated-samples-block", good + blk)
    add("samples-block-10x", good + blk * 10)
    add("no-block0", good[:16] + good[gb[1][0]:])              # samples without a process record
    add("blocks-reversed", good[:16] + b"".join(good[o:o + 36 + h[5]] for o, h, _ in reversed(gb)))
    add("cut-blocks-under-good-pid", good + b"".join(
        block_bytes(gb[0][1][1], 50 + i, zlib.decompress(s)) for i, (_, h, s) in enumerate(cb[1:])))

    # -- byte flips without fixing crcs
    for pos in range(0, 16, 3):
        d = bytearray(good); d[pos] ^= 0xFF; add(f"flip-fhdr-{pos}", bytes(d), conv=pos in (0, 8, 12))
    for bi, (o, h, s) in enumerate(gb):
        for f in range(9):
            d = bytearray(good); d[o + 4 * f + 1] ^= 0x40
            add(f"flip-blk{bi}-field{f}", bytes(d), conv=False)
        for where in (0, 1, 2, len(s) // 2, len(s) - 5, len(s) - 1):
            d = bytearray(good); d[o + 36 + where] ^= 0x10
            add(f"flip-blk{bi}-payload{where}", bytes(d), conv=where in (2, len(s) // 2))

    # -- byte flips behind valid crcs: to the inflater
    for bi, (o, h, s) in enumerate(gb):
        for where in (0, 1, 2, 3, len(s) // 3, len(s) // 2, len(s) - 4, len(s) - 1):
            d = bytearray(good); d[o + 36 + where] ^= 0x21
            add(f"inflate-flip-blk{bi}-{where}", fix_crcs(d, o), conv=where in (2, len(s) // 2))

    # -- header fields with valid crcs
    o, h, s = gb[samples_blk]
    raw = zlib.decompress(s)
    pid, seq = h[1], h[2]
    pre, post = good[:o], good[o + 36 + h[5]:]

    def blk_case(name, conv=True, bpid=pid, bseq=seq, **kw):
        add(name, pre + block_bytes(bpid, bseq, raw, **kw) + post, conv)

    blk_case("rawlen-plus-1", raw_len=len(raw) + 1)
    blk_case("rawlen-minus-1", raw_len=len(raw) - 1)
    blk_case("rawlen-0", raw_len=0)
    blk_case("rawlen-64MiB", raw_len=64 << 20)
    blk_case("rawlen-64MiB-plus-1", raw_len=(64 << 20) + 1)
    blk_case("rawlen-huge", raw_len=0xFFFFFFFF)
    blk_case("storedlen-plus-1", stored_len=len(s) + 1)
    blk_case("storedlen-minus-1", stored_len=len(s) - 1)
    blk_case("storedlen-huge", stored_len=0xFFFFFFF0)
    blk_case("storedlen-0", stored_len=0)
    blk_case("stored-truncated-stream", stored=s[:len(s) // 2], raw_len=len(raw))
    blk_case("stored-trailing-garbage", stored=s + b"garbage!", raw_len=len(raw))
    def deflate(wbits):
        z = zlib.compressobj(6, zlib.DEFLATED, wbits)
        return z.compress(raw) + z.flush()
    blk_case("stored-raw-deflate", stored=deflate(-15))
    blk_case("stored-gzip", stored=deflate(31))
    blk_case("stored-two-streams", stored=s + s, raw_len=len(raw))
    blk_case("uncompressed-block", flags=0)
    blk_case("uncompressed-lengths-differ", flags=0, raw_len=len(raw) - 3)
    blk_case("flags-unknown", flags=3)
    blk_case("reserved-nonzero", reserved=0xDEADBEEF)
    blk_case("pid-0", bpid=0)
    add("pid-0-all", encode_model([Block(0, b.seq, b.flags, b.recs) for b in model]))
    add("pid-max-all", variant(lambda m: [setattr(b, "pid", 0xFFFFFFFF) or
                                           [r.vals.__setitem__(0, 0xFFFFFFFF) for r in b.recs
                                            if r.typ == REC_PROCESS] for b in m]))
    blk_case("seq-0-again", bseq=0)
    blk_case("seq-huge", bseq=0xFFFFFFFF)
    # a 64 MiB payload of unknown zero records: the biggest legal block
    add("bomb-64MiB-zero-records", good + block_bytes(pid, 90, bytes(64 << 20)), conv=False)
    # 1 Mi samples of one stack in one block (4 MiB inflated, ~4 KiB stored)
    add("one-million-samples", good + block_bytes(
        pid, 91, Rec(REC_SAMPLES, [[(next(iter(recs_of(model, REC_THREAD))).vals[0], 1, 0, 0)] *
                                   (1 << 20)]).encode()))

    # -- truncation and zeroed ranges
    bounds = sorted({o for o, _, _ in gb} | {len(good)})
    for k, b in enumerate(bounds):
        add(f"trunc-boundary-{b}", good[:b])
        for inside in (1, 8, 35, 36, 37, 60):
            if b + inside < len(good):
                add(f"trunc-{b}+{inside}", good[:b + inside], conv=inside in (36, 60))
    for n in range(16, len(good), 47):
        add(f"trunc-at-{n}", good[:n], conv=False)
    for o, h, s in cb:
        add(f"cut-trunc-{o}+40", cut[:o + 40], conv=False)
    for bi, (o, h, s) in enumerate(gb):
        z = bytearray(good); z[o:o + 36] = bytes(36); add(f"zero-blk{bi}-header", bytes(z))
        z = bytearray(good); z[o + 36 + 4:o + 36 + 40] = bytes(36); add(f"zero-blk{bi}-payload", bytes(z), conv=False)
    add("zero-tail-64KiB", good + bytes(65536))
    add("zero-all-but-header", good[:16] + bytes(len(good) - 16), conv=False)
    add("ff-tail", good + b"\xff" * 1000, conv=False)
    add("random-tail", good + bytes((i * 131 + 7) & 0xFF for i in range(3000)), conv=False)

    # -- record-level garbage behind valid crcs and a valid deflate stream
    for typ in range(1, 13):
        def garbage(m, typ=typ):
            blk = m[0] if typ in (REC_PROCESS, REC_IMAGE) else m[samples_blk]
            idx = next((i for i, r in enumerate(blk.recs) if r.typ == typ), len(blk.recs))
            blk.recs.insert(idx, Rec(typ, body=b"\xff" * 12))
        add(f"rec{typ}-unterminated-varints", variant(garbage), conv=typ in (1, 5, 6))
        add(f"rec{typ}-empty-body", variant(lambda m, typ=typ: m[samples_blk].recs.insert(0, Rec(typ, body=b""))),
            conv=typ in (4, 5, 6))
    pl = model[samples_blk].payload()
    add("rec-len-2^63", pre + block_bytes(pid, seq, pl + bytes([REC_STATS]) + varint(1 << 63)) + post)
    add("rec-len-11-byte-varint", pre + block_bytes(pid, seq, pl + bytes([REC_STATS]) + b"\x80" * 10 + b"\x01") + post)
    add("rec-type-0-and-255", pre + block_bytes(pid, seq, b"\x00\x00\xff\x03abc" + pl) + post)
    add("payload-ends-in-type-byte", pre + block_bytes(pid, seq, pl + bytes([REC_SAMPLES])) + post)

    def first(m, typ):
        return recs_of(m, typ)[0]

    def setf(typ, i, v):
        return lambda m: first(m, typ).vals.__setitem__(i, v)

    # process record
    for i, name in enumerate(["pid", "ppid", "wall_ns", "mono_ns", "hz", "mode", "max_depth"]):
        for v in ([0, M64] if i != 0 else [M64, 1 << 32]):
            # a wall clock that was never real: no Sentry format may wrap
            # it into timestamps of 1970 (the chunks go to the checker)
            add(f"process-{name}-{v:x}", variant(setf(REC_PROCESS, i, v)),
                conv="all" if name == "wall_ns" else i not in (0, 1))
    add("process-hz-1", variant(setf(REC_PROCESS, 4, 1)))
    add("process-wall-year-9999+", variant(setf(REC_PROCESS, 2, 253402300800 * 10**9)), conv="all")
    add("process-wall-2^64-1s", variant(setf(REC_PROCESS, 2, M64 - 10**9)), conv="all")
    for i, name in zip([7, 8, 9, 10, 11, 13, 14],
                       ["mechanism", "exe", "arch", "os_name", "os_release", "runtime_name", "runtime_version"]):
        add(f"process-{name}-hostile", variant(setf(REC_PROCESS, i, b'"\\\n\t\x01\xff\xc3;<>&' * 3)),
            conv="all" if name == "exe" else True)
        add(f"process-{name}-empty", variant(setf(REC_PROCESS, i, b"")), conv=i in (8, 10, 13))
    add("process-exe-64KiB", variant(setf(REC_PROCESS, 8, b"/x" * 32768)))
    add("process-argv-hostile", variant(setf(REC_PROCESS, 12, [b'"', b"\\", b"\xff\xfe", b"a\nb;c", b""])), conv="all")
    add("process-argv-10000", variant(setf(REC_PROCESS, 12, [b"a"] * 10000)))
    add("process-argc-past-end", variant(lambda m: setattr(first(m, REC_PROCESS), "tail", b"") or
                                         first(m, REC_PROCESS).vals.__setitem__(12, []) or
                                         setattr(first(m, REC_PROCESS), "body",
                                                 encode_fields(SCHEMA[REC_PROCESS][:12], first(m, REC_PROCESS).vals[:12]) + varint(1 << 40))))
    # a 1.0 record (no runtime) still reads; half a runtime does not
    add("process-format-1.0", variant(lambda m: setattr(first(m, REC_PROCESS), "body",
                                                    encode_fields(SCHEMA[REC_PROCESS][:13], first(m, REC_PROCESS).vals[:13]))),
        conv="all")
    add("process-runtime-half", variant(lambda m: setattr(first(m, REC_PROCESS), "body",
                                                      encode_fields(SCHEMA[REC_PROCESS][:14], first(m, REC_PROCESS).vals[:14]))))
    add("process-second-record", variant(lambda m: m[samples_blk].recs.insert(0, copy.deepcopy(first(m, REC_PROCESS)))))
    add("process-other-pid", variant(setf(REC_PROCESS, 0, 4242)))
    add("process-record-missing", variant(lambda m: m[0].recs.remove(first(m, REC_PROCESS))))
    add("process-extra-fields", variant(lambda m: setattr(first(m, REC_PROCESS), "tail", b"\x05\x07newer")))

    # images: hostile paths the symbolizer will try to open
    fifo = os.path.join(work, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    textfile = os.path.join(work, "text")
    with open(textfile, "w") as f:
        f.write("not an ELF file\n" * 100)
    shortelf = os.path.join(work, "short.elf")
    with open(exe_path, "rb") as f, open(shortelf, "wb") as g:
        g.write(f.read(200))
    for tag, path in [("fifo", fifo), ("dev-zero", "/dev/zero"), ("dev-urandom", "/dev/urandom"),
                      ("dir", work), ("text", textfile), ("short-elf", shortelf),
                      ("proc-self-mem", "/proc/self/mem"), ("missing", "/nonexistent/x.so"),
                      ("empty", ""), ("hostile", '"\\\n\xff;'), ("relative", "relative/lib.so")]:
        def img(m, path=path):
            for r in recs_of(m, REC_IMAGE):
                r.vals[5] = os.fsencode(path)
        add(f"image-path-{tag}", variant(img), conv="all" if tag == "hostile" else True)
    add("image-build-id-64", variant(lambda m: first(m, REC_IMAGE).vals.__setitem__(4, b"\xab" * 64)))
    add("image-build-id-65", variant(lambda m: first(m, REC_IMAGE).vals.__setitem__(4, b"\xab" * 65)))
    add("image-build-id-wrong", variant(lambda m: [r.vals.__setitem__(4, b"\x12" * 20) for r in recs_of(m, REC_IMAGE)]))
    add("image-size-0", variant(lambda m: [r.vals.__setitem__(1, 0) for r in recs_of(m, REC_IMAGE)]))
    add("image-wraps-address-space", variant(lambda m: [r.vals.__setitem__(1, M64) for r in recs_of(m, REC_IMAGE)]))
    add("image-bias-huge", variant(lambda m: [r.vals.__setitem__(2, M64 - 5) for r in recs_of(m, REC_IMAGE)]))
    add("image-all-at-0", variant(lambda m: [r.vals.__setitem__(0, 0) for r in recs_of(m, REC_IMAGE)]))
    add("image-overlapping-exe-everywhere", variant(lambda m: [r.vals.__setitem__(5, exe_path) for r in recs_of(m, REC_IMAGE)]))
    add("image-gone-before-samples", variant(lambda m: [m[samples_blk].recs.insert(0, Rec(REC_IMAGE_GONE, [r.vals[0], 0]))
                                                         for r in recs_of(m, REC_IMAGE)]))
    add("image-gone-unknown", variant(lambda m: m[samples_blk].recs.insert(0, Rec(REC_IMAGE_GONE, [12345, M64]))))
    add("images-5000", variant(lambda m: m[0].recs.extend(
        Rec(REC_IMAGE, [0x100000 * i, 0x1000, 0, 0, b"", b"/nonexistent/%d.so" % i]) for i in range(5000))))

    # threads
    tid0 = first(model, REC_THREAD).vals[0]
    add("thread-name-hostile", variant(lambda m: [r.vals.__setitem__(2, b'"\\\n\r\x00\x01\xff\xc3(;<>') for r in recs_of(m, REC_THREAD)]), conv="all")
    add("thread-name-64KiB", variant(setf(REC_THREAD, 2, b"n" * 65536)), conv="both")
    add("thread-renamed-1000x", variant(lambda m: m[samples_blk].recs.__setitem__(
        slice(0, 0), [Rec(REC_THREAD, [tid0, t, b"r%d" % t]) for t in range(1000)])))
    add("thread-tid-0-and-max", variant(lambda m: [r.vals.__setitem__(0, (0, 0xFFFFFFFF)[k & 1]) for k, r in enumerate(recs_of(m, REC_THREAD))]))
    add("thread-tid-2^32", variant(setf(REC_THREAD, 0, 1 << 32)))
    add("threads-none", variant(lambda m: [b.recs.remove(r) for b in m for r in list(b.recs) if r.typ == REC_THREAD]))

    # stacks
    def stacks_case(fn):
        def g(m):
            st = recs_of(m, REC_STACK)
            fn(m, st)
        return variant(g)
    add("stack-depth-1024", stacks_case(lambda m, st: st[0].vals.__setitem__(0, (0, (st[0].vals[0][1] * 1024)[:1024]))), conv="both")
    add("stack-depth-1025", stacks_case(lambda m, st: st[0].vals.__setitem__(0, (0, (st[0].vals[0][1] * 1025)[:1025]))))
    add("stack-depth-claims-2^40", stacks_case(lambda m, st: setattr(st[0], "body", varint(0) + varint(1 << 40) + b"\x01" * 20)))
    add("stack-depth-0", stacks_case(lambda m, st: [s.vals.__setitem__(0, (s.vals[0][0], [])) for s in st]), conv="all")
    add("stack-ids-swapped", stacks_case(lambda m, st: len(st) > 1 and (
        st[0].vals.__setitem__(0, (1, st[0].vals[0][1])), st[1].vals.__setitem__(0, (0, st[1].vals[0][1])))))
    add("stack-id-gap", stacks_case(lambda m, st: st[-1].vals.__setitem__(0, (len(st) + 5, st[-1].vals[0][1]))))
    add("stack-id-duplicate", stacks_case(lambda m, st: st[0].tail == b"" and
                                          next(b for b in m if st[0] in b.recs).recs.append(copy.deepcopy(st[0]))))
    add("stack-id-2^64-1", stacks_case(lambda m, st: st[0].vals.__setitem__(0, (M64, st[0].vals[0][1]))))
    add("stack-pcs-0-and-max", stacks_case(lambda m, st: [s.vals.__setitem__(0, (s.vals[0][0], [0, M64, 1, M64 - 1] + s.vals[0][1])) for s in st]), conv="all")
    add("stack-pcs-unmapped", stacks_case(lambda m, st: [s.vals.__setitem__(0, (s.vals[0][0], [0x10 + k for k in range(len(s.vals[0][1]))])) for s in st]))
    add("stack-self-loop-pcs", stacks_case(lambda m, st: [s.vals.__setitem__(0, (s.vals[0][0], [s.vals[0][1][0]] * 1000)) for s in st]))
    add("stacks-after-samples", variant(lambda m: m[samples_blk].recs.sort(key=lambda r: r.typ != REC_SAMPLES)))

    # samples
    def samples_case(fn):
        def g(m):
            # the cases index samples 0-2 and -1; a short record (the last
            # flush of a thread) is left as it is
            for r in recs_of(m, REC_SAMPLES):
                if len(r.vals[0]) < 3:
                    continue
                r.vals[0] = [list(s) for s in r.vals[0]]
                fn(r.vals[0])
                r.vals[0] = [tuple(s) for s in r.vals[0]]
        return variant(g)
    add("sample-undefined-stack", samples_case(lambda ss: ss[len(ss) // 2].__setitem__(2, 9999)))
    add("sample-stack-2^32", samples_case(lambda ss: ss[0].__setitem__(2, (1 << 32))))
    add("sample-tid-2^32", samples_case(lambda ss: ss[0].__setitem__(0, 1 << 32)))
    add("sample-tid-unnamed", samples_case(lambda ss: [s.__setitem__(0, 77777 + (k & 1)) for k, s in enumerate(ss)]), conv="both")
    add("sample-state-255", samples_case(lambda ss: [s.__setitem__(3, 255) for s in ss]))
    add("sample-state-256", samples_case(lambda ss: ss[0].__setitem__(3, 256)))
    add("sample-dt-huge", samples_case(lambda ss: ss[1].__setitem__(1, 1 << 62)), conv="all")
    add("sample-dt-overflow", samples_case(lambda ss: (ss[1].__setitem__(1, M64), ss[2].__setitem__(1, M64))))
    add("sample-dt-all-0", samples_case(lambda ss: [s.__setitem__(1, 0) for s in ss]))
    add("sample-dt-just-over-30s", samples_case(lambda ss: ss[-1].__setitem__(1, 31_000_000)))
    add("sample-dt-1h-gaps", samples_case(lambda ss: [s.__setitem__(1, 3_600_000_000) for s in ss[::50]]))
    add("samples-count-2^60", variant(lambda m: setattr(first(m, REC_SAMPLES), "body", varint(1 << 60) + b"\x01" * 64)))
    add("samples-count-plus-1", variant(lambda m: setattr(first(m, REC_SAMPLES), "body",
                                                         varint(len(first(m, REC_SAMPLES).vals[0]) + 1) +
                                                         encode_fields(["samples"], first(m, REC_SAMPLES).vals)[
                                                             len(varint(len(first(m, REC_SAMPLES).vals[0]))):])))
    add("samples-count-0", variant(lambda m: first(m, REC_SAMPLES).vals.__setitem__(0, [])))
    add("samples-only-one", variant(lambda m: first(m, REC_SAMPLES).vals.__setitem__(0, first(m, REC_SAMPLES).vals[0][:1])), conv="both")
    add("samples-none-at-all", variant(lambda m: [b.recs.remove(r) for b in m for r in list(b.recs) if r.typ == REC_SAMPLES]), conv="all")

    # stats / end / rate
    add("stats-all-max", variant(lambda m: [r.vals.__setitem__(i, M64) for r in recs_of(m, REC_STATS) for i in range(5)]))
    add("stats-cpu-0", variant(lambda m: [r.vals.__setitem__(3, 0) for r in recs_of(m, REC_STATS)]))
    add("end-how-99-status-max", variant(lambda m: [r.vals.__setitem__(slice(1, 3), [99, 0xFFFFFFFF]) for r in recs_of(m, REC_END)]))
    add("end-t-max", variant(lambda m: [r.vals.__setitem__(0, M64) for r in recs_of(m, REC_END)]))
    add("end-before-samples", variant(lambda m: m[samples_blk].recs.sort(key=lambda r: r.typ != REC_END)))
    add("end-twice", variant(lambda m: [b.recs.extend(copy.deepcopy([r for r in b.recs if r.typ == REC_END])) for b in m]))
    add("rate-max-and-0", variant(lambda m: [r.vals.__setitem__(0, (M64, 0)[k & 1]) for k, r in enumerate(recs_of(m, REC_RATE))]))
    add("rate-0", variant(lambda m: [r.vals.__setitem__(0, 0) for r in recs_of(m, REC_RATE)]))

    # not regular files: endless devices must be rejected from their first
    # bytes, not read into memory until the address-space limit
    add("special-dev-zero", "/dev/zero")
    add("special-dev-urandom", "/dev/urandom")
    add("special-directory", work, conv=False)
    here = os.path.dirname(os.path.abspath(__file__))
    add("repro-empty-stack", os.path.join(here, "harden-repro-empty-stack.raw"), conv="both")
    add("repro-no-samples", os.path.join(here, "harden-repro-no-samples.raw"), conv="all")

    # notes and unprofiled programs: text from the file that sprof shows
    hostile = b'"\\\n\r\x1b[31m\x00\x01\xff\xc3(;<>&'
    add("note-hostile", variant(lambda m: m[samples_blk].recs.append(Rec(REC_NOTE, [0, hostile]))), conv="all")
    add("note-64KiB", variant(lambda m: m[samples_blk].recs.append(Rec(REC_NOTE, [M64, b"n" * 65536]))))
    add("notes-10000", variant(lambda m: m[samples_blk].recs.extend(Rec(REC_NOTE, [t, b"note %d" % t])
                                                                      for t in range(10000))))
    add("unprofiled-hostile", variant(lambda m: m[samples_blk].recs.append(
        Rec(REC_UNPROFILED, [0, hostile, hostile]))), conv="all")
    add("unprofiled-1000", variant(lambda m: m[samples_blk].recs.extend(
        Rec(REC_UNPROFILED, [t, b"/bin/x%d" % t, b"static"]) for t in range(1000))))

    # a file that grows while it is read: handled by Runner.growing()
    return cases


# Bytes that must not reach a terminal from a file's strings (escape
# sequences, carriage returns, a newline inside a value cannot be told from
# here, but tabs and the rest of C0 can).
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def _text(out):
    out.decode("utf-8")
    m = CONTROL.search(out)
    if m:
        raise ValueError(f"control byte {m.group()!r} at {m.start()}")


def _envelope(out):
    for line in out.split(b"\n"):
        if line.strip():
            json.loads(line)


# The formats besides sentry and collapsed, run on the cases marked "all"
# (hostile strings and addresses), each with a parse of its output.
OTHER_FORMATS = {
    "sentry-chunk": json.loads,
    "envelope": _envelope,
    "envelope-chunk": _envelope,
    "speedscope": json.loads,
    "pprof": lambda out: zlib.decompress(out, 31),
    "flamegraph": lambda out: ET.fromstring(out),
    "report": _text,
}


# Output-format bugs found by this test and reported to their owner; they
# are printed on every run but do not fail it (see the report of the
# "Hardening" issue).  The cases stay in the table and turn into failures
# once removed from here.
KNOWN = {}


# Cases with several processes: also converted with --all.
MULTI_PROCESS = {"two-processes", "interleaved-two-pids", "interleaved-cut-and-good", "duplicated-body",
                 "seq-0-again", "cut-blocks-under-good-pid"}


# What `sprof info` must say about some cases (its "end:" line, or the error
# line): proof that each mutation reached the layer it was aimed at, so that
# a change of format cannot quietly turn these cases into no-ops.
EXPECT = [
    (r"^inflate-flip-", r"bad compressed data"),
    (r"^(rec1-unterminated|process-runtime-half)", r"bad process record"),
    (r"^rec[2-9]-(unterminated|empty)", r"bad [a-z-]+ record"),
    (r"^rec-len-", r"record runs past the end"),
    (r"^stack-depth-(1025|claims)", r"bad stack depth"),
    (r"^(sample-undefined-stack|sample-stack-2\^32|stacks-after-samples)$", r"undefined stack"),
    (r"^stack-id", r"defined out of order"),
    (r"^samples-count-2\^60$", r"bad sample count"),
    (r"^sample-dt-(overflow|huge)$", r"sample time past"),
    (r"^end-t-max$", r"end time past"),
    (r"^(rawlen-64MiB-plus-1|rawlen-huge)$", r"too large"),
    (r"^stored-(trailing-garbage|two-streams|truncated-stream|gzip)$", r"bad compressed data"),
    (r"^trunc-\d+\+", r"^cut .*truncated"),
    (r"^(header-newer-major|flip-fhdr-9)$", r"newer than this sprof"),
    (r"^special-dev-", r"not a sprof raw file"),
    (r"^(two-processes|interleaved-two-pids|header-only|stack-depth-1024|thread-name-hostile|"
     r"uncompressed-block|one-million-samples|bomb-64MiB-zero-records|rec-type-0-and-255)$", r"^clean$"),
]


# ---- running -----------------------------------------------------------------

def uses_asan(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


class Runner:
    def __init__(self, sprof, work):
        self.sprof, self.work = sprof, work
        self.limit_mem = not uses_asan(sprof)   # ASan reserves terabytes of address space
        self.failures, self.to_check, self.lock = [], [], threading.Lock()
        self.known = set()
        self.stats = {}

    def _limits(self):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.limit_mem:
            resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))

    def fail(self, case, what, msg, out=b"", err=b""):
        text = f"{case}: {what}: {msg}\n    stderr: {err[:400]!r}\n    stdout: {out[:200]!r}"
        with self.lock:
            if (case, what) in KNOWN:
                self.known.add((case, what))
            else:
                self.failures.append(text)

    def run(self, case, path, what, args):
        t0 = time.monotonic()
        try:
            p = subprocess.run([self.sprof] + args + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, timeout=TIMEOUT, preexec_fn=self._limits)
        except subprocess.TimeoutExpired as e:
            self.fail(case, what, f"timed out after {TIMEOUT} s", e.stdout or b"", e.stderr or b"")
            return None
        dt = time.monotonic() - t0
        out, err, st = p.stdout, p.stderr, p.returncode
        verdict = err.decode(errors="replace").strip().split("\n")[0]
        if what == "info" and st == 0:
            verdict = re.search(rb"^end: (.*)$", out, re.M)
            verdict = verdict.group(1).decode(errors="replace") if verdict else "(no end line)"
        with self.lock:
            self.stats[(case, what)] = (st, dt, verdict)
        lines = [l for l in err.decode(errors="replace").split("\n") if l]
        if st < 0 or st >= 128:
            self.fail(case, what, f"killed by a signal / exit {st}", out, err)
        elif re.search(rb"Sanitizer|runtime error:|valgrind", err):
            self.fail(case, what, "sanitizer report", out, err)
        elif st == 0 and what == "info" and CONTROL.search(out):
            self.fail(case, what, "control bytes from the file reach the terminal", out, err)
        elif st == 0:
            # one warning about the file (cut, bad block); the symbolizer
            # may add one per image it cannot use, which is not about the
            # raw file
            about_file = [l for l in lines if not l.endswith("its frames are left unsymbolized")]
            # ... once per path, however many images share it
            unusable = [l for l in lines if l not in about_file]
            paths = [re.sub(r": (cannot open|not a usable|build-id differs).*", "", l) for l in unusable]
            if len(set(paths)) != len(paths):
                self.fail(case, what, "the symbolizer warns twice about one path", out, err)
            if len(about_file) > 1 or any(not l.startswith("sprof: ") for l in lines):
                self.fail(case, what, "exit 0 with more than one warning line", out, err)
            return out
        elif st in (1, 2):
            name = os.path.basename(path)
            if len(lines) != 1 or not lines[0].startswith("sprof: ") or name not in lines[0]:
                self.fail(case, what, f"exit {st} without exactly one 'sprof: {name}...' line", out, err)
            elif out:
                self.fail(case, what, f"exit {st} with output on stdout", out, err)
        else:
            self.fail(case, what, f"unexpected exit status {st}", out, err)
        return None

    def check_case(self, case, data, conv):
        path = data if isinstance(data, str) else os.path.join(self.work, case + ".raw")
        if isinstance(data, bytes):
            with open(path, "wb") as f:
                f.write(data)
        self.run(case, path, "info", ["info"])
        if not conv:
            return
        if case in MULTI_PROCESS:
            out = self.run(case, path, "sentry --all", ["convert", "--force", "--all", "-f", "sentry"])
            if out is not None:
                try:
                    json.loads(out)
                except ValueError as e:
                    self.fail(case, "sentry --all", f"output is not JSON: {e}", out)
        if conv == "all":
            for fmt, check in OTHER_FORMATS.items():
                out = self.run(case, path, fmt, ["convert", "--force", "-f", fmt])
                if out is not None and out:
                    try:
                        check(out)
                    except Exception as e:  # any parse error is the finding
                        self.fail(case, fmt, f"output does not parse: {e!r}", out)
                    else:
                        if fmt.startswith("envelope"):
                            jp = os.path.join(self.work, f"{case}.{fmt}")
                            with open(jp, "wb") as f:
                                f.write(out)
                            with self.lock:
                                self.to_check.append((case, jp))
        fmts = ("sentry", "collapsed") if conv in ("both", "all") else \
            (("sentry", "collapsed")[zlib.crc32(case.encode()) & 1],)
        out = self.run(case, path, "sentry", ["convert", "--force", "-f", "sentry"]) \
            if "sentry" in fmts else None
        if out is not None:
            try:
                doc = json.loads(out)
            except ValueError as e:
                self.fail(case, "sentry", f"output is not JSON: {e}", out)
            else:
                if len(doc.get("profile", {}).get("samples", [])) >= 2:
                    jp = os.path.join(self.work, case + ".json")
                    with open(jp, "wb") as f:
                        f.write(out)
                    with self.lock:
                        self.to_check.append((case, jp))
        out = self.run(case, path, "collapsed", ["convert", "--force", "-f", "collapsed"]) \
            if "collapsed" in fmts else None
        if out is not None:
            for line in out.split(b"\n")[:-1]:
                if not re.fullmatch(rb"[^\n]+ [0-9]+", line):
                    self.fail(case, "collapsed", f"bad folded line {line[:120]!r}", out)
                    break
            if out and not out.endswith(b"\n"):
                self.fail(case, "collapsed", "output does not end in a newline", out)

    def growing(self, good, other):
        """A writer appends blocks (some torn in two writes) while sprof
        reads the file again and again."""
        path = os.path.join(self.work, "growing.raw")
        with open(path, "wb") as f:
            f.write(good)
        blocks = [other[o:o + 36 + h[5]] for o, h, _ in split_blocks(other)]
        stop = threading.Event()

        def writer():
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            k = 0
            while not stop.is_set() and k < 4000:
                # each round's seq 0 block starts a new process of the pid
                b = blocks[k % len(blocks)]
                if k % 3 == 0:
                    os.write(fd, b[:20])
                    time.sleep(0.001)
                    os.write(fd, b[20:])
                else:
                    os.write(fd, b)
                k += 1
                time.sleep(0.002)
            os.close(fd)

        t = threading.Thread(target=writer)
        t.start()
        try:
            for i in range(15):
                self.run("growing", path, "info", ["info"])
                if i % 5 == 0:
                    self.run("growing", path, "sentry", ["convert", "--force", "--all", "-f", "sentry"])
        finally:
            stop.set()
            t.join()


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 99
    good, cut, other = (open(p, "rb").read() for p in sys.argv[1:4])
    work = sys.argv[4]
    sprof, checker, python = os.environ["SPROF"], os.environ["SENTRY_VALIDATE"], os.environ.get("PYTHON3", sys.executable)
    only = re.compile(os.environ.get("HARDEN_ONLY", ""))
    t0 = time.monotonic()
    cases = [c for c in build_cases(good, cut, other, work) if only.search(c[0])]
    names = [c[0] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        print(f"harden-mutate: duplicate case names {sorted(dup)}", file=sys.stderr)
        return 99
    r = Runner(sprof, work)
    with cf.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        for fut in [ex.submit(r.check_case, *c) for c in cases]:
            fut.result()
    if only.search("growing"):
        r.growing(good, other)
    if r.to_check:
        p = subprocess.run([python, checker] + [jp for _, jp in r.to_check],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        # --force may write a profile with too few samples: only that
        # rejection is expected
        rejected = {l.split(":")[0] for l in p.stdout.decode().split("\n")
                    if "REJECT" in l and "not_enough_samples" not in l}
        if p.returncode not in (0, 1):
            r.failures.append(f"the Sentry checker failed (exit {p.returncode}): {p.stdout[-500:]!r}")
        if rejected:
            bad = [l for l in p.stdout.decode().split("\n")
                   if "REJECT" in l and l.split(":")[0] in rejected]
            r.failures.append("the Sentry checker rejects converted files:\n    " + "\n    ".join(bad[:30]))
    for case, _, _ in cases:
        for cre, vre in EXPECT:
            got = r.stats.get((case, "info"))
            if re.search(cre, case) and got and not re.search(vre, got[2]):
                r.failures.append(f"{case}: info: expected /{vre}/, got {got[2]!r}")
    nconv = sum(1 for c in cases if c[2])
    nboth = sum(1 for c in cases if c[2] in ("both", "all"))
    if os.environ.get("HARDEN_VERBOSE"):
        for (case, what), (st, dt, line) in sorted(r.stats.items()):
            print(f"{case:40s} {what:9s} exit {st:3d} {dt:5.2f}s {line[:110]}")
    slow = max(r.stats.items(), key=lambda kv: kv[1][1])
    print(f"harden-mutate: {len(cases)} cases ({nconv} converted, {nboth} to several formats), {len(r.stats)} runs, "
          f"{len(r.to_check)} profiles checked, {time.monotonic() - t0:.1f} s; "
          f"slowest {slow[0][0]} {slow[0][1]} {slow[1][1]:.2f} s")
    unseen = 0
    for key in sorted(KNOWN):
        if key in r.known:
            print(f"KNOWN BUG {key[0]} -f {key[1]}: {KNOWN[key]}")
        elif key in r.stats:
            unseen += 1
    if unseen:
        print(f"{unseen} known bugs not seen (fixed, or visible only in sanitizer builds)")
    for f in r.failures:
        print("FAIL " + f, file=sys.stderr)
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
