#!/usr/bin/env python3
"""fmt-check.py -- checks sprof's non-Sentry outputs for the fmt-* tests.

  fmt-check.py collapsed FILE [--samples N]
      every line is "frame;...;frame COUNT"; the counts add up to N.
  fmt-check.py svg FILE [--samples N] [--has NAME]... [--width W] [--title T]
                        [--reverse]
      well-formed XML, an <svg> with the script and the frames; an "all"
      frame of N samples at the bottom (at the top with --reverse); a frame
      named NAME for each --has; the width and title asked for.
  fmt-check.py speedscope FILE SCHEMA [--samples N] [--profiles P]
                                      [--root NAME]
      valid against speedscope's schema (with the jsonschema module when it is
      installed, else a hand-written check of the same required structure),
      indices in range, N samples in all, P profiles, and every sample's first
      (root) frame named NAME.
  fmt-check.py png FILE [--warm FRACTION]
      a PNG that is not one flat colour (a screenshot that shows something)
      and, with --warm, whose pixels are at least FRACTION flame-coloured
      (flamegraph's hot palette: red high, blue low -- the background is not).

Exit status 0 when the file passes, 1 (with a message) when it does not."""

import argparse
import json
import re
import struct
import sys
import xml.dom.minidom
import zlib


def die(msg):
    print("fmt-check: " + msg, file=sys.stderr)
    sys.exit(1)


def check_collapsed(a):
    total = 0
    with open(a.file, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.fullmatch(r"(\S.*) ([0-9]+)\n", line)
            if not m or "" in m.group(1).split(";"):
                die("%s:%d: not a folded stack: %r" % (a.file, n, line))
            total += int(m.group(2))
    if a.samples is not None and total != a.samples:
        die("%s: counts add up to %d, expected %d" % (a.file, total, a.samples))
    print("collapsed: %d samples" % total)


def check_svg(a):
    try:
        doc = xml.dom.minidom.parse(a.file)
    except Exception as e:  # any parse error means broken XML
        die("%s: not well-formed XML: %s" % (a.file, e))
    svg = doc.documentElement
    if svg.tagName != "svg" or svg.getAttribute("xmlns") != "http://www.w3.org/2000/svg":
        die("%s: the root is not an SVG element" % a.file)
    if not doc.getElementsByTagName("script") or not doc.getElementsByTagName("style"):
        die("%s: the script or style is missing" % a.file)
    height = float(svg.getAttribute("height"))
    if a.width is not None and svg.getAttribute("width") != str(a.width):
        die("%s: width %s, expected %d" % (a.file, svg.getAttribute("width"), a.width))
    if a.title is not None:
        titles = [t for t in doc.getElementsByTagName("text") if t.getAttribute("id") == "title"]
        got = titles[0].firstChild.data if titles and titles[0].firstChild else None
        if got != a.title:
            die("%s: title %r, expected %r" % (a.file, got, a.title))
    frames = {}
    root_y = None
    for g in doc.getElementsByTagName("g"):
        if g.getAttribute("class") != "f":
            continue
        title = g.getElementsByTagName("title")[0].firstChild.data
        m = re.fullmatch(r"(.*) \(([0-9]+) samples?, ([0-9.]+)%\)", title, re.S)
        if not m:
            die("%s: bad frame title %r" % (a.file, title))
        name, n = m.group(1), int(m.group(2))
        frames[name] = frames.get(name, 0) + n
        if g.getAttribute("data-d") == "0":
            root_y = float(g.getElementsByTagName("rect")[0].getAttribute("y"))
            if name != "all" or (a.samples is not None and n != a.samples):
                die("%s: root frame %r of %d samples, expected all of %s"
                    % (a.file, name, n, a.samples))
    if root_y is None:
        die("%s: no root frame" % a.file)
    at_top = root_y < height / 2
    if at_top != a.reverse:
        die("%s: the root is at the %s" % (a.file, "top" if at_top else "bottom"))
    for name in a.has or []:
        if name not in frames:
            die("%s: no frame named %r (have %s)" % (a.file, name, sorted(frames)))
    print("svg: %d distinct frame names" % len(frames))


def check_speedscope_structure(d):
    """The schema's required structure, for when jsonschema is missing."""
    def need(cond, what):
        if not cond:
            die("speedscope structure: " + what)
    need(isinstance(d, dict), "not an object")
    need(d.get("$schema") == "https://www.speedscope.app/file-format-schema.json", "$schema")
    need(isinstance(d.get("shared"), dict) and isinstance(d["shared"].get("frames"), list),
         "shared.frames")
    for fr in d["shared"]["frames"]:
        need(isinstance(fr, dict) and isinstance(fr.get("name"), str), "frame name")
        need(isinstance(fr.get("file", ""), str), "frame file")
        need(isinstance(fr.get("line", 0), (int, float)), "frame line")
    need(isinstance(d.get("profiles"), list), "profiles")
    units = {"bytes", "microseconds", "milliseconds", "nanoseconds", "none", "seconds"}
    for p in d["profiles"]:
        need(p.get("type") == "sampled", "profile type")
        for k in ("name",):
            need(isinstance(p.get(k), str), k)
        for k in ("startValue", "endValue"):
            need(isinstance(p.get(k), (int, float)), k)
        need(p.get("unit") in units, "unit")
        need(isinstance(p.get("samples"), list) and isinstance(p.get("weights"), list),
             "samples/weights")
        for s in p["samples"]:
            need(isinstance(s, list) and all(isinstance(i, (int, float)) for i in s), "sample")
        need(all(isinstance(w, (int, float)) for w in p["weights"]), "weights")


def check_speedscope(a):
    with open(a.file, encoding="utf-8") as f:
        try:
            d = json.load(f)
        except ValueError as e:
            die("%s: not JSON: %s" % (a.file, e))
    with open(a.schema, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema:
        try:
            jsonschema.validate(d, schema)
        except jsonschema.ValidationError as e:
            die("%s: fails the speedscope schema: %s" % (a.file, e.message))
        how = "jsonschema"
    else:
        check_speedscope_structure(d)
        how = "structure (python3-jsonschema not installed)"
    frames = d["shared"]["frames"]
    total = 0
    for p in d["profiles"]:
        if len(p["samples"]) != len(p["weights"]):
            die("%s: profile %r has %d samples but %d weights"
                % (a.file, p["name"], len(p["samples"]), len(p["weights"])))
        if p["endValue"] - p["startValue"] != sum(p["weights"]):
            die("%s: profile %r: endValue - startValue is not the sum of the weights"
                % (a.file, p["name"]))
        for s in p["samples"]:
            if any(not 0 <= i < len(frames) for i in s):
                die("%s: frame index out of range in %r" % (a.file, s))
            if a.root is not None and (not s or frames[s[0]]["name"] != a.root):
                die("%s: a sample does not start at the root %r: %r"
                    % (a.file, a.root, [frames[i]["name"] for i in s]))
        total += len(p["samples"])
    if a.samples is not None and total != a.samples:
        die("%s: %d samples, expected %d" % (a.file, total, a.samples))
    if a.profiles is not None and len(d["profiles"]) != a.profiles:
        die("%s: %d profiles, expected %d" % (a.file, len(d["profiles"]), a.profiles))
    ap = d.get("activeProfileIndex", 0)
    if d["profiles"] and not 0 <= ap < len(d["profiles"]):
        die("%s: activeProfileIndex %r out of range" % (a.file, ap))
    print("speedscope: valid (%s), %d profiles, %d samples" % (how, len(d["profiles"]), total))


def check_png(a):
    with open(a.file, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        die("%s: not a PNG" % a.file)
    pos, idat, hdr = 8, b"", None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if not hdr or hdr[2] != 8 or hdr[3] not in (2, 6) or hdr[6]:
        die("%s: unsupported PNG layout %r" % (a.file, hdr))
    w, h, bpp = hdr[0], hdr[1], 3 if hdr[3] == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours, seen, warm = bytearray(stride), set(), 0, 0
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, ul = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                row[i] = (row[i] + left) & 255
            elif ftype == 2:
                row[i] = (row[i] + up) & 255
            elif ftype == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif ftype == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
        for x in range(0, stride, bpp * 7):     # a sparse sample is enough
            colours.add(bytes(row[x:x + 3]))
            seen += 1
            warm += row[x] >= 200 and row[x + 2] <= 60
        prev = row
    if len(colours) < 8:
        die("%s: looks blank (%d colours)" % (a.file, len(colours)))
    if a.warm is not None and warm < a.warm * seen:
        die("%s: only %d of %d pixels are flame-coloured" % (a.file, warm, seen))
    print("png: %dx%d, %d+ colours, %.1f%% flame-coloured" % (w, h, len(colours),
                                                            100.0 * warm / max(seen, 1)))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("collapsed")
    c.add_argument("file")
    c.add_argument("--samples", type=int)
    s = sub.add_parser("svg")
    s.add_argument("file")
    s.add_argument("--samples", type=int)
    s.add_argument("--has", action="append")
    s.add_argument("--width", type=int)
    s.add_argument("--title")
    s.add_argument("--reverse", action="store_true")
    j = sub.add_parser("speedscope")
    j.add_argument("file")
    j.add_argument("schema")
    j.add_argument("--samples", type=int)
    j.add_argument("--profiles", type=int)
    j.add_argument("--root")
    p = sub.add_parser("png")
    p.add_argument("file")
    p.add_argument("--warm", type=float)
    a = ap.parse_args()
    {"collapsed": check_collapsed, "svg": check_svg, "speedscope": check_speedscope,
     "png": check_png}[a.what](a)


if __name__ == "__main__":
    main()
