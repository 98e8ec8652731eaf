#!/usr/bin/env python3
"""sentry-validate.py -- sprof's own check that a file would be ingested by
Sentry.  Written from Sentry's ingestion rules (Relay's relay-profiling crate:
the sample v1 profile, the v2 profile chunk, the transaction metadata and
native debug images; Relay's envelope item headers; Sentry's developer docs
on profiles and envelopes), so the tree's tests need nothing outside it.

Usage: sentry-validate.py [--format FMT] FILE...      (FILE '-' is stdin)
FMT is one of sentry, sentry-chunk, envelope, envelope-chunk (what
`sprof convert -f` writes) or auto (default: guessed from the content).
One line per problem, "FILE: REJECT: problem", or "FILE: accepted"; exit 0
when every file would be accepted, 1 when one would be rejected, 2 for bad
usage or an unreadable file.

What Relay does, and so what this checks, per format:
  v1 profile   JSON object; version "1"; event_id (alias profile_id) a UUID;
               platform a string ("cocoa" needs device fields sprof never
               writes, so it is refused); timestamp RFC 3339; device.architecture,
               os.name, os.version strings; optional runtime {name, version},
               release/environment/dist strings.  A transaction (`transaction`,
               or the first of `transactions`) with non-nil UUIDs id and
               trace_id, a non-empty name, relative_start_ns < relative_end_ns.
               profile.samples {stack_id, thread_id, elapsed_since_start_ns}
               (u64 numbers or decimal strings), stacks (arrays of frame
               indices), frames, thread_metadata.  Relay then drops samples
               outside the transaction, idle (empty-stack) samples at each
               thread's edges and threads with one sample; rejects when none
               are left, on a bad stack or frame index, or when the last
               sample is past 30 s.
  v2 chunk     version "2"; chunk_id and profiler_id UUIDs; platform and
               release strings; samples {timestamp (float Unix seconds),
               stack_id, thread_id (a string)}; at least one sample, valid
               indices.  Chunks span at most 66 s (SDKs cut them every 60 s).
  envelope     a header line (optional event_id UUID, sent_at RFC 3339, dsn),
               then items: a header line with a "type" string and an optional
               "length" (the payload's byte count, then a newline), and the
               payload.  A `transaction` item must be a transaction event
               naming the profile (contexts.profile.profile_id) whose
               transactions[0].id is the event's event_id.  A `profile_chunk`
               item header's platform, when given, must be of the chunk's
               profile type (UI: cocoa, android, javascript; else backend).  sprof writes one
               envelope per profile; a file of several is checked envelope by
               envelope.
"""
import datetime
import json
import math
import re
import sys

UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
DEBUG_ID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                      r"[0-9a-fA-F]{12}([-.]?[0-9a-fA-F]{1,8})?$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
ADDR = re.compile(r"^0[xX][0-9a-fA-F]{1,16}$")
U64 = 2**64 - 1
U32 = 2**32 - 1
V1_MAX_NS = 30 * 10**9
CHUNK_MAX_S = 66.0
FORMATS = ("sentry", "sentry-chunk", "envelope", "envelope-chunk")


class Problems(Exception):
    """Raised to stop checking one document (Relay stops at its first error)."""


class Check:
    """The problems found in one file; `where` prefixes each."""

    def __init__(self, name):
        self.name = name
        self.problems = []

    def bad(self, where, what):
        self.problems.append(f"{self.name}: REJECT: {where}{': ' if where else ''}{what}")


# ---- value shapes (serde's view of the JSON) ----------------------------

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def u64(v, allow_str=True):
    """Relay's deserialize_number_from_string: a u64 or its decimal string."""
    if is_int(v) and 0 <= v <= U64:
        return v
    if allow_str and isinstance(v, str) and re.fullmatch(r"[0-9]+", v) and int(v) <= U64:
        return int(v)
    return None


def uuid_ok(v, nil_ok=True):
    if not isinstance(v, str) or not UUID.match(v):
        return False
    return nil_ok or set(v.replace("-", "")) != {"0"}


def rfc3339_ok(v):
    m = isinstance(v, str) and RFC3339.match(v)
    if not m:
        return False
    try:
        datetime.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        return False
    return True


def need(c, obj, key, where, test, what):
    if key not in obj:
        c.bad(where, f"missing {key}")
        return False
    if not test(obj[key]):
        c.bad(where, f"{key} {short(obj[key])} is not {what}")
        return False
    return True


def opt(c, obj, key, where, test, what):
    if key in obj and obj[key] is not None and not test(obj[key]):
        c.bad(where, f"{key} {short(obj[key])} is not {what}")
        return False
    return True


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 60 else s[:57] + "..."


def is_str(v):
    return isinstance(v, str)


# ---- parts shared by v1 and v2 ------------------------------------------

FRAME_FIELDS = {
    "abs_path": (is_str, "a string"), "filename": (is_str, "a string"),
    "function": (is_str, "a string"), "module": (is_str, "a string"),
    "platform": (is_str, "a string"), "in_app": (lambda v: isinstance(v, bool), "a boolean"),
    "instruction_addr": (lambda v: isinstance(v, str) and ADDR.match(v), "a 0x hex address"),
    "lineno": (lambda v: is_int(v) and 0 <= v <= U32, "an unsigned 32-bit integer"),
    "colno": (lambda v: is_int(v) and 0 <= v <= U32, "an unsigned 32-bit integer"),
}
FRAME_ALIASES = {"file": "filename", "name": "function", "line": "lineno", "column": "colno"}


def check_frames(c, frames):
    if not isinstance(frames, list):
        c.bad("profile.frames", "not an array")
        return
    for i, f in enumerate(frames):
        where = f"profile.frames[{i}]"
        if not isinstance(f, dict):
            c.bad(where, "not an object")
            continue
        for key, val in f.items():
            field = FRAME_ALIASES.get(key, key)
            if field in FRAME_FIELDS and val is not None:
                test, what = FRAME_FIELDS[field]
                if not test(val):
                    c.bad(where, f"{key} {short(val)} is not {what}")
        # not a Relay rule, but a frame with none of these shows as nothing
        if not any(f.get(k) is not None for k in ("function", "name", "instruction_addr",
                                                    "filename", "file", "abs_path")):
            c.bad(where, "has no function, file name or instruction_addr")


def check_stacks(c, stacks, nframes):
    if not isinstance(stacks, list):
        c.bad("profile.stacks", "not an array")
        return
    for i, s in enumerate(stacks):
        if not isinstance(s, list) or not all(u64(x, False) is not None for x in s):
            c.bad(f"profile.stacks[{i}]", "not an array of frame indices")
        elif any(x >= nframes for x in s):
            c.bad(f"profile.stacks[{i}]", f"names a frame past the {nframes} frames (malformed_stacks)")


def check_thread_metadata(c, tm):
    if tm is None:
        return
    if not isinstance(tm, dict):
        c.bad("profile.thread_metadata", "not an object")
        return
    for tid, meta in tm.items():
        where = f"profile.thread_metadata[{tid!r}]"
        if not isinstance(meta, dict):
            c.bad(where, "not an object")
            continue
        opt(c, meta, "name", where, is_str, "a string")
        opt(c, meta, "priority", where, lambda v: is_int(v) and 0 <= v <= U32,
            "an unsigned 32-bit integer")


def check_debug_meta(c, dm):
    if dm is None:
        return
    if not isinstance(dm, dict) or not isinstance(dm.get("images", []), list):
        c.bad("debug_meta", "not an object with an images array")
        return
    for i, im in enumerate(dm.get("images", [])):
        where = f"debug_meta.images[{i}]"
        if not isinstance(im, dict):
            c.bad(where, "not an object")
            continue
        # Relay's profile images are "symbolic" (any native image), "macho"
        # or "sourcemap"; an "elf" image fails the whole profile's parse
        need(c, im, "type", where, lambda v: v in ("symbolic", "macho", "sourcemap"),
             "symbolic, macho or sourcemap")
        if im.get("type") == "sourcemap":
            continue
        need(c, im, "code_file", where, is_str, "a string")
        need(c, im, "debug_id", where, lambda v: isinstance(v, str) and DEBUG_ID.match(v),
             "a debug id")
        need(c, im, "image_addr", where, lambda v: isinstance(v, str) and ADDR.match(v),
             "a 0x hex address")
        opt(c, im, "image_vmaddr", where, lambda v: isinstance(v, str) and ADDR.match(v),
            "a 0x hex address")
        need(c, im, "image_size", where, lambda v: u64(v) is not None, "a u64")


def sample_indices(c, samples, nstacks, where_fmt):
    for i, s in enumerate(samples):
        sid = s.get("stack_id")
        if sid is not None and sid >= nstacks:
            c.bad(where_fmt.format(i), f"stack_id {sid} past the {nstacks} stacks (malformed_samples)")
            raise Problems()


# ---- v1 -------------------------------------------------------------------

def check_transaction(c, p):
    t = p.get("transaction")
    if t is None:
        ts = p.get("transactions")
        if ts is not None and not isinstance(ts, list):
            c.bad("transactions", "not an array")
            raise Problems()
        t = ts[0] if ts else None
    if t is None:
        c.bad("", "no transaction (no_transaction_associated)")
        raise Problems()
    w = "transaction"
    if not isinstance(t, dict):
        c.bad(w, "not an object")
        raise Problems()
    ok = need(c, t, "id", w, lambda v: uuid_ok(v, False), "a non-nil UUID")
    ok &= need(c, t, "trace_id", w, lambda v: uuid_ok(v, False), "a non-nil UUID")
    ok &= need(c, t, "name", w, lambda v: isinstance(v, str) and v != "", "a non-empty string")
    ok &= need(c, t, "relative_start_ns", w, lambda v: u64(v) is not None, "a u64")
    ok &= need(c, t, "relative_end_ns", w, lambda v: u64(v) is not None, "a u64")
    for k in ("active_thread_id", "thread_id", "relative_cpu_start_ms", "relative_cpu_end_ms"):
        ok &= opt(c, t, k, w, lambda v: u64(v) is not None, "a u64")
    if not ok:
        raise Problems()
    start, end = u64(t["relative_start_ns"]), u64(t["relative_end_ns"])
    if start >= end:
        c.bad(w, f"relative_start_ns {start} is not below relative_end_ns {end}")
        raise Problems()
    cs, ce = u64(t.get("relative_cpu_start_ms", 0)), u64(t.get("relative_cpu_end_ms", 0))
    if cs > ce:
        c.bad(w, "relative_cpu_start_ms is above relative_cpu_end_ms")
        raise Problems()
    return t, start, end


def v1_metadata(c, p):
    ok = need(c, p, "version", "", lambda v: v == "1", '"1"')
    key = "event_id" if "event_id" in p else "profile_id"
    ok &= need(c, p, key, "", uuid_ok, "a UUID")
    ok &= need(c, p, "platform", "", is_str, "a string")
    if p.get("platform") == "cocoa":
        c.bad("platform", '"cocoa" needs device.model, locale, ... that a native profile has not')
        ok = False
    ok &= need(c, p, "timestamp", "", rfc3339_ok, "an RFC 3339 time")
    for obj, keys in (("device", ("architecture",)), ("os", ("name", "version"))):
        if not isinstance(p.get(obj), dict):
            c.bad("", f"missing {obj} object")
            ok = False
            continue
        for k in keys:
            ok &= need(c, p[obj], k, obj, is_str, "a string")
    if p.get("runtime") is not None:
        rt = p["runtime"]
        if not isinstance(rt, dict):
            c.bad("runtime", "not an object")
            ok = False
        else:
            ok &= need(c, rt, "name", "runtime", is_str, "a string")
            ok &= need(c, rt, "version", "runtime", is_str, "a string")
    for k in ("release", "environment", "dist"):
        ok &= opt(c, p, k, "", is_str, "a string")
    check_debug_meta(c, p.get("debug_meta"))
    if not ok:
        raise Problems()


def v1_samples(c, prof):
    samples = prof.get("samples")
    if not isinstance(samples, list):
        c.bad("profile.samples", "not an array")
        raise Problems()
    out = []
    for i, s in enumerate(samples):
        w = f"profile.samples[{i}]"
        if not isinstance(s, dict):
            c.bad(w, "not an object")
            raise Problems()
        ok = need(c, s, "stack_id", w, lambda v: u64(v, False) is not None, "an index")
        ok &= need(c, s, "thread_id", w, lambda v: u64(v) is not None, "a u64 (or its decimal string)")
        ok &= need(c, s, "elapsed_since_start_ns", w, lambda v: u64(v) is not None,
                   "a u64 (or its decimal string)")
        if not ok:
            raise Problems()
        out.append({"stack_id": s["stack_id"], "thread_id": u64(s["thread_id"]),
                    "t": u64(s["elapsed_since_start_ns"])})
    return out


def relay_v1_keep(samples, stacks, start, end):
    """The samples Relay keeps, in its order of steps."""
    if end > 0:
        samples = [s for s in samples if start <= s["t"] <= end]
    # idle samples (empty or unknown stack) before a thread's first and after
    # its last sample with frames
    first, last = {}, {}
    for i, s in enumerate(samples):
        sid = s["stack_id"]
        if sid < len(stacks) and isinstance(stacks[sid], list) and stacks[sid]:
            first.setdefault(s["thread_id"], i)
            last[s["thread_id"]] = i
    samples = [s for i, s in enumerate(samples)
               if s["thread_id"] in first and first[s["thread_id"]] <= i <= last[s["thread_id"]]]
    count = {}
    for s in samples:
        count[s["thread_id"]] = count.get(s["thread_id"], 0) + 1
    return [s for s in samples if count[s["thread_id"]] > 1]


def check_v1(c, p):
    if not isinstance(p, dict):
        c.bad("", "not a JSON object")
        return None
    try:
        v1_metadata(c, p)
        t, start, end = check_transaction(c, p)
        prof = p.get("profile")
        if not isinstance(prof, dict):
            c.bad("", "missing profile object")
            raise Problems()
        samples = v1_samples(c, prof)
        stacks, frames = prof.get("stacks"), prof.get("frames")
        check_frames(c, frames)
        check_stacks(c, stacks, len(frames) if isinstance(frames, list) else 0)
        check_thread_metadata(c, prof.get("thread_metadata"))
        if not isinstance(stacks, list):
            raise Problems()
        kept = relay_v1_keep(samples, stacks, start, end)
        if not kept:
            c.bad("profile.samples", "none left after Relay's filters: a thread needs two samples "
                  "with frames inside the transaction (not_enough_samples)")
            raise Problems()
        sample_indices(c, kept, len(stacks), "profile.samples (kept #{})")
        if kept[-1]["t"] > V1_MAX_NS:
            c.bad("profile.samples", f"last sample at {kept[-1]['t']} ns is past 30 s (duration_is_too_long)")
        ts = [s["t"] for s in samples]
        if ts != sorted(ts):
            c.bad("profile.samples", "not in time order")
        return t
    except Problems:
        return None


# ---- v2 -------------------------------------------------------------------

def check_chunk(c, p, where=""):
    if not isinstance(p, dict):
        c.bad(where, "not a JSON object")
        return
    pre = where + "." if where else ""
    try:
        ok = need(c, p, "version", where, lambda v: v == "2", '"2"')
        ok &= need(c, p, "chunk_id", where, uuid_ok, "a UUID")
        ok &= need(c, p, "profiler_id", where, uuid_ok, "a UUID")
        ok &= need(c, p, "platform", where, is_str, "a string")
        ok &= need(c, p, "release", where, is_str, "a string")
        ok &= opt(c, p, "environment", where, is_str, "a string")
        check_debug_meta(c, p.get("debug_meta"))
        prof = p.get("profile")
        if not ok or not isinstance(prof, dict):
            if ok:
                c.bad(where, "missing profile object")
            raise Problems()
        samples = prof.get("samples")
        if not isinstance(samples, list) or not samples:
            c.bad(pre + "profile.samples", "not a non-empty array (not_enough_samples)")
            raise Problems()
        for i, s in enumerate(samples):
            w = f"{pre}profile.samples[{i}]"
            if not isinstance(s, dict):
                c.bad(w, "not an object")
                raise Problems()
            ok = need(c, s, "stack_id", w, lambda v: u64(v, False) is not None, "an index")
            ok &= need(c, s, "thread_id", w, is_str, "a string")
            ok &= need(c, s, "timestamp", w,
                       lambda v: (is_int(v) or isinstance(v, float)) and math.isfinite(v) and v >= 1e9,
                       "a Unix time in seconds")
            if not ok:
                raise Problems()
        stacks, frames = prof.get("stacks"), prof.get("frames")
        check_frames(c, frames)
        check_stacks(c, stacks, len(frames) if isinstance(frames, list) else 0)
        check_thread_metadata(c, prof.get("thread_metadata"))
        if not isinstance(stacks, list):
            raise Problems()
        sample_indices(c, samples, len(stacks), pre + "profile.samples[{}]")
        ts = [s["timestamp"] for s in samples]
        if max(ts) - min(ts) > CHUNK_MAX_S:
            c.bad(pre + "profile.samples", f"span {max(ts) - min(ts):.1f} s, more than a chunk's {CHUNK_MAX_S:.0f} s")
    except Problems:
        pass


# ---- envelopes ------------------------------------------------------------

def json_line(c, data, pos, what):
    """Parses the JSON object on the line starting at pos; returns it and the
    position after its newline."""
    nl = data.find(b"\n", pos)
    end = len(data) if nl < 0 else nl
    try:
        obj = json.loads(data[pos:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        c.bad(f"byte {pos}", f"{what} is not JSON: {e}")
        raise Problems()
    if not isinstance(obj, dict):
        c.bad(f"byte {pos}", f"{what} is not a JSON object")
        raise Problems()
    return obj, end + 1


def read_item(c, data, pos, n):
    head, pos = json_line(c, data, pos, f"item {n} header")
    where = f"item {n}"
    if not isinstance(head.get("type"), str):
        c.bad(where, 'header has no "type" string')
        raise Problems()
    if "length" in head:
        ln = head["length"]
        if not is_int(ln) or not 0 <= ln <= U32:
            c.bad(where, f"length {short(ln)} is not a byte count")
            raise Problems()
        if pos + ln > len(data):
            c.bad(where, f"length {ln} runs past the end of the file")
            raise Problems()
        payload, pos = data[pos:pos + ln], pos + ln
        if pos < len(data):
            if data[pos:pos + 1] != b"\n":
                c.bad(where, f"payload of length {ln} is not followed by a newline")
                raise Problems()
            pos += 1
    else:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        payload, pos = data[pos:end], end + 1
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        c.bad(where, f"{head['type']} payload is not JSON: {e}")
        raise Problems()
    return head, body, pos


def check_event(c, ev, where):
    if not isinstance(ev, dict):
        c.bad(where, "not a JSON object")
        return
    need(c, ev, "type", where, lambda v: v == "transaction", '"transaction"')
    need(c, ev, "event_id", where, lambda v: uuid_ok(v, False), "a non-nil UUID")
    need(c, ev, "transaction", where, lambda v: isinstance(v, str) and v, "a non-empty string")
    times = []
    for k in ("start_timestamp", "timestamp"):
        v = ev.get(k)
        if rfc3339_ok(v):
            times.append(datetime.datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00")).timestamp())
        elif (is_int(v) or isinstance(v, float)) and math.isfinite(v) and v >= 0:
            times.append(float(v))
        else:
            c.bad(where, f"{k} {short(v)} is not an RFC 3339 time or Unix seconds")
    if len(times) == 2 and times[1] < times[0]:
        c.bad(where, "timestamp is before start_timestamp (Relay drops the transaction)")
    tr = (ev.get("contexts") or {}).get("trace")
    if not isinstance(tr, dict):
        c.bad(where, "no contexts.trace")
    else:
        need(c, tr, "trace_id", where + ".contexts.trace", lambda v: isinstance(v, str) and HEX32.match(v),
             "32 lower-case hex digits")
        need(c, tr, "span_id", where + ".contexts.trace", lambda v: isinstance(v, str) and HEX16.match(v),
             "16 lower-case hex digits")


def profile_type(platform):
    return "ui" if platform in ("cocoa", "android", "javascript") else "backend"


def check_envelope_items(c, items, chunks):
    """items: [(n, header, body)] of one envelope."""
    kinds = [h["type"] for _, h, _ in items]
    if chunks:
        if not items or set(kinds) != {"profile_chunk"}:
            c.bad("envelope", f"items {kinds}, want profile_chunk items only")
        for n, h, body in items:
            if h["type"] != "profile_chunk":
                continue
            check_chunk(c, body, f"item {n}")
            # Relay compares the profile type (UI or backend) the header's
            # platform implies with the chunk's: a mismatch is
            # invalid_profile_type; a header without one is filled in
            if (isinstance(body, dict) and "platform" in h
                    and profile_type(h["platform"]) != profile_type(body.get("platform"))):
                c.bad(f"item {n}", f"header platform {short(h['platform'])} is another profile type than "
                      f"the chunk's {short(body.get('platform'))} (invalid_profile_type)")
        return
    if sorted(kinds) != ["profile", "transaction"]:
        c.bad("envelope", f"items {kinds}, want one transaction and one profile")
        return
    ev = next(b for _, h, b in items if h["type"] == "transaction")
    n, _, prof = next(i for i in items if i[1]["type"] == "profile")
    check_event(c, ev, "transaction item")
    sub = Check(f"{c.name}: item {n}")
    t = check_v1(sub, prof)
    c.problems += sub.problems
    if t is None or not isinstance(ev, dict):
        return
    if str(t.get("id", "")).replace("-", "").lower() != str(ev.get("event_id", "")).replace("-", "").lower():
        c.bad("envelope", "the profile's transaction id is not the transaction's event_id")
    pid = ((ev.get("contexts") or {}).get("profile") or {}).get("profile_id")
    if pid != prof.get("event_id", prof.get("profile_id")):
        c.bad("envelope", "contexts.profile.profile_id is not the profile's event_id")


def envelope_header_at(data, pos):
    """Whether the line at pos looks like an envelope header: no item
    header fields, some envelope header ones."""
    nxt = data.find(b"\n", pos)
    try:
        obj = json.loads(data[pos:len(data) if nxt < 0 else nxt].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return (isinstance(obj, dict) and not {"type", "length"} & set(obj)
            and bool({"event_id", "sent_at", "dsn", "sdk"} & set(obj)))


def check_envelopes(c, data, chunks):
    pos, n, count = 0, 0, 0
    try:
        while pos < len(data):
            head, pos = json_line(c, data, pos, "envelope header")
            count += 1
            w = f"envelope {count} header"
            opt(c, head, "event_id", w, uuid_ok, "a UUID")
            opt(c, head, "sent_at", w, rfc3339_ok, "an RFC 3339 time")
            opt(c, head, "dsn", w, is_str, "a string")
            items = []
            # an envelope's items run until the next envelope header
            while pos < len(data) and not envelope_header_at(data, pos):
                n += 1
                h, body, pos = read_item(c, data, pos, n)
                items.append((n, h, body))
            check_envelope_items(c, items, chunks)
    except Problems:
        pass
    if count == 0:
        c.bad("", "empty file")


# ---- driver ---------------------------------------------------------------

def guess(data):
    head = data.lstrip()[:1]
    if head == b"[":
        return "sentry-chunk"
    first = data.split(b"\n", 1)[0]
    try:
        obj = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "sentry"         # a pretty-printed v1 profile
    if isinstance(obj, dict) and "profile" not in obj and "version" not in obj:
        return "envelope-chunk" if b'"type":"profile_chunk"' in data.replace(b" ", b"") else "envelope"
    return "sentry-chunk" if isinstance(obj, dict) and obj.get("version") == "2" else "sentry"


def check_file(name, data, fmt):
    c = Check(name)
    if fmt == "auto":
        fmt = guess(data)
    if fmt in ("envelope", "envelope-chunk"):
        check_envelopes(c, data, fmt == "envelope-chunk")
        return c.problems
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        c.bad("", f"not JSON: {e}")
        return c.problems
    if fmt == "sentry":
        check_v1(c, doc)
    elif isinstance(doc, list):
        if not doc:
            c.bad("", "no chunks")
        for i, ch in enumerate(doc):
            check_chunk(c, ch, f"[{i}]")
    else:
        check_chunk(c, doc)
    return c.problems


def main(argv):
    fmt, files = "auto", []
    args = iter(argv)
    for a in args:
        if a in ("-h", "--help"):
            print(__doc__.split("\n\n")[1])
            return 0
        if a == "--format" or a.startswith("--format="):
            fmt = a.split("=", 1)[1] if "=" in a else next(args, "")
            if fmt not in FORMATS + ("auto",):
                print(f"sentry-validate.py: bad format {fmt!r} (want {', '.join(FORMATS)} or auto)",
                      file=sys.stderr)
                return 2
        else:
            files.append(a)
    if not files:
        print("usage: sentry-validate.py [--format FMT] FILE...", file=sys.stderr)
        return 2
    bad = False
    for f in files:
        try:
            data = sys.stdin.buffer.read() if f == "-" else open(f, "rb").read()
        except OSError as e:
            print(f"sentry-validate.py: {f}: {e.strerror}", file=sys.stderr)
            return 2
        problems = check_file(f, data, fmt)
        for p in problems:
            print(p)
        if not problems:
            print(f"{f}: accepted")
        bad |= bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
