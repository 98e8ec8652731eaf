#!/bin/sh
# fmt-unit.sh -- the report, collapsed, flamegraph and speedscope writers on a
# hand-built model (tests/fmt-unit.c checks the text formats itself and
# writes every format here), checked with external parsers: an XML parser for
# the SVG, speedscope's own schema for the JSON.  pprof: fmt-unit-pprof.sh.
. "$SPROF_SRCDIR/tests/lib.sh"

check="$PYTHON3 $SPROF_SRCDIR/tests/fmt-check.py"
schema=$SPROF_SRCDIR/tests/fmt-speedscope-schema.json

"$(prog fmt-unit)" . || fail "fmt-unit found problems (see above)"

$check collapsed collapsed.txt --samples 100 || fail "collapsed"
$check collapsed collapsed-merged.txt --samples 100 || fail "collapsed --merge-threads"

$check svg flame.svg --samples 100 --width 1200 --has hot_a --has square --has hot_b \
	--has 'libc.so.6+0x1234' --has 0xdead --has recurse --has hotapp-4242 --has worker-4243 \
	--has 'operator<< <A&, "q">:x' || fail "flame graph"
assert_grep '<title>hot_a \(60 samples, 60\.00%\)</title>' flame.svg
$check svg icicle.svg --samples 100 --width 800 --reverse --title 'T&T <icicle>' \
	--has hot_a || fail "icicle graph (--reverse --width --title --merge-threads)"
assert_no_grep 'hotapp-4242' icicle.svg
$PYTHON3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' empty.svg ||
	fail "the flame graph of no samples is not XML"
assert_grep 'No samples' empty.svg

$check speedscope speedscope.json "$schema" --samples 100 --profiles 2 || fail "speedscope"
$check speedscope speedscope-merged.json "$schema" --samples 100 --profiles 1 ||
	fail "speedscope --merge-threads"
$check speedscope empty-speedscope.json "$schema" --samples 0 --profiles 0 ||
	fail "speedscope of no samples"
# root first, in time order, one profile per thread with its name; the
# busiest is the active one; the inlined square keeps its own file
$PYTHON3 - speedscope.json <<'PY' || fail "speedscope content"
import json, sys
d = json.load(open(sys.argv[1]))
fr = d["shared"]["frames"]
names = {p["name"]: p for p in d["profiles"]}
main, worker = names["hotapp (tid 4242)"], names["worker (tid 4243)"]
assert d["profiles"][d["activeProfileIndex"]] is main, "active profile"
assert [fr[i]["name"] for i in main["samples"][0]] == ["main", "hot_a"], main["samples"][0]
assert [fr[i]["name"] for i in main["samples"][1]] == ["main", "hot_a", "square"]
assert {fr[i]["name"] for s in worker["samples"] for i in s[:1]} == {"start_thread"}
assert main["unit"] == "nanoseconds" and set(main["weights"]) == {10000000}
assert len(main["samples"]) == 82 and len(worker["samples"]) == 18
sq = [f for f in fr if f["name"] == "square"][0]
assert sq["file"] == "/src/hotapp.h" and sq["line"] == 5, sq
assert len([f for f in fr if f["name"] == "hot_a"]) == 1, "hot_a is one frame"
PY
# hostile names (control bytes, invalid UTF-8) still make JSON a strict
# parser takes
$PYTHON3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode())' \
	hostile-speedscope.json || fail "speedscope of hostile names is not valid JSON"
$check speedscope hostile-speedscope.json "$schema" --samples 100 --profiles 2 ||
	fail "speedscope of hostile names"
# ... a flame graph an XML parser takes, a collapsed file of one stack per
# line, and a report without control bytes, all valid UTF-8
$PYTHON3 - hostile.svg hostile-collapsed.txt hostile-report.txt <<'PY' || fail "hostile names"
import re, sys, xml.etree.ElementTree as ET
svg, col, rep = (open(p, "rb").read() for p in sys.argv[1:])
ET.fromstring(svg)
lines = col.decode().split("\n")
assert lines[-1] == "" and len(lines) == 8, lines
for line in lines[:-1]:
    assert re.fullmatch(r"[^\x00-\x1f\x7f]+ [0-9]+", line), line
assert sum(int(l.rsplit(" ", 1)[1]) for l in lines[:-1]) == 100
m = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", rep)
assert not m, f"control byte at {m.start()}: {rep[m.start() - 40:m.end() + 40]!r}"
rep.decode()
PY
# two processes (--all): both in every format, under their own names
$check svg two.svg --samples 200 --has hotapp-4242 --has other-5000 --has hot_a ||
	fail "flame graph of two processes"
$check speedscope two-speedscope.json "$schema" --samples 200 --profiles 4 ||
	fail "speedscope of two processes"
assert_grep '"name":"other \(pid 5000\): worker \(tid 4243\)"' two-speedscope.json
exit 0
