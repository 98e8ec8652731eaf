#!/bin/sh
# diff-weights.sh -- sprof diff on a program whose functions' shares are its
# arguments (tests/prog-diff-weights.c), 1 kHz for ~3 s a run:
#  - weights 40/30/20/10 (base) against 30/30/30/10 (new, from a second build
#    with other addresses and build-id): fn_gamma +10 pp and fn_alpha -10 pp,
#    each within 3 pp and beyond noise, the others not flagged, the default
#    gate fails (exit 3) on fn_gamma only;
#  - the same weights from the two builds: nothing flagged, exit 0;
#  - the gate's rules: none, a pattern, a threshold above the change, cpu;
#  - Markdown, JSON and the differential flame graph say the same.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-diff-weights)
moved=$(prog prog-diff-weights-moved)
need_shim
# the rebuilt binary keeps its name (modules match by base name)
mkdir rebuilt && cp "$moved" rebuilt/prog-diff-weights || hard_error "cannot copy $moved"

expect_status 0 "$SPROF" run -q -F 1000 -o base.raw -- "$p" 3000 40 30 20 10
expect_status 0 "$SPROF" run -q -F 1000 -o new.raw -- rebuilt/prog-diff-weights 3000 30 30 30 10
expect_status 0 "$SPROF" run -q -F 1000 -o same.raw -- rebuilt/prog-diff-weights 3000 40 30 20 10
expect_status 0 "$SPROF" run -q -F 1000 -o short.raw -- "$p" 1000 40 30 20 10
! cmp -s "$p" rebuilt/prog-diff-weights || hard_error "the two builds are the same file"

# ---- the change: sign and size, and the default gate
expect_status 3 "$SPROF" diff -f json -o change.json base.raw new.raw
[ ! -s out ] || { show out; fail "-o FILE also wrote to stdout"; }
$PYTHON3 - change.json <<'PY' || { show change.json; fail "base -> new"; }
import json, sys
d = json.load(open(sys.argv[1]))
fn = {f["function"]: f for f in d["functions"]}
assert d["regression"] is True
for name, want in (("fn_gamma", 0.10), ("fn_alpha", -0.10)):
    s = fn[name]["self"]
    assert abs(s["delta"] - want) <= 0.03, (name, s)
    assert s["significant"], (name, s)
    assert fn[name]["module"] == "prog-diff-weights", fn[name]
for name in ("fn_beta", "fn_delta"):
    assert not fn[name]["self"]["significant"], (name, fn[name])
    assert abs(fn[name]["self"]["delta"]) < 0.03, (name, fn[name])
    # matched across the builds: present on both sides
    assert fn[name]["self"]["base"] > 0.05 and fn[name]["self"]["new"] > 0.05, fn[name]
assert [f["function"] for f in d["functions"] if f["failed"]] == ["fn_gamma"], d["functions"]
assert d["functions"][0]["function"] == "fn_gamma"
assert [g["fired"] for g in d["gate"]] == [1, 0], d["gate"]
PY

# ---- the table: the failing row first, marked, with the right numbers
expect_status 3 "$SPROF" diff --color=never base.raw new.raw
mv out table.txt
assert_grep '^ +[0-9.]+% +[0-9.]+% +\+[0-9.]+pp\* .* FAIL  prog-diff-weights  fn_gamma$' table.txt
assert_grep '^ +[0-9.]+% +[0-9.]+% +-[0-9.]+pp\* .*  prog-diff-weights  fn_alpha$' table.txt
assert_no_grep 'FAIL .*fn_(alpha|beta|delta)$' table.txt
assert_grep '^  FAIL  self>\+2pp: 1 function$' table.txt
assert_grep '^Result: regression \(exit status 3\)$' table.txt
assert_no_grep "$(printf '\033')" table.txt
expect_status 3 "$SPROF" diff --color=always base.raw new.raw
grep -q "$(printf '\033')\[31m" out || fail "--color=always: no red"

# ---- nothing changed (and two builds): nothing flagged, exit 0
expect_status 0 "$SPROF" diff -f json -o same.json base.raw same.raw
$PYTHON3 - same.json <<'PY' || { show same.json; fail "base -> same"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["regression"] is False
assert not [f for f in d["functions"] if f["self"]["significant"] or f["total"]["significant"]]
fn = {f["function"]: f for f in d["functions"]}
assert fn["fn_alpha"]["self"]["base"] > 0.3 and fn["fn_alpha"]["self"]["new"] > 0.3, fn["fn_alpha"]
PY

# ---- gate rules
expect_status 0 "$SPROF" diff --fail-on none base.raw new.raw
assert_grep 'no rules' out
expect_status 0 "$SPROF" diff --fail-on 'self(fn_beta)>+2pp' base.raw new.raw
expect_status 3 "$SPROF" diff --fail-on 'self(fn_g*)>+2pp' base.raw new.raw
expect_status 0 "$SPROF" diff --fail-on 'self > +20pp' base.raw new.raw
expect_status 3 "$SPROF" diff --fail-on 'total>+30%' base.raw new.raw
expect_status 0 "$SPROF" diff --fail-on 'self>+2pp' new.raw new.raw
# a decrease never fails: new -> base is fn_alpha +10 pp, base -> new is not
expect_status 3 "$SPROF" diff -f json --fail-on 'self(fn_alpha)>+2pp' new.raw base.raw
# cpu: ~3x the CPU time, but one run per side cannot say it is beyond noise
expect_status 0 "$SPROF" diff --fail-on 'cpu>+50%' short.raw base.raw
assert_grep 'not tested: needs 2 runs per side' out
# (each file twice: the runs of this program differ too much under load for
# two different runs per side to be beyond noise reliably)
expect_status 3 "$SPROF" diff --fail-on 'cpu>+50%' --base short.raw --base short.raw \
	--new base.raw --new base.raw
assert_grep '^  FAIL  cpu>\+50%: CPU time \+' out
expect_status 0 "$SPROF" diff --fail-on 'cpu>+50%' --base base.raw --base base.raw \
	--new short.raw --new short.raw
# pooled runs: the change still found
expect_status 3 "$SPROF" diff --base base.raw --base base.raw --new new.raw --new new.raw

# ---- Markdown and the flame graph
expect_status 3 "$SPROF" diff -f markdown -o diff.md base.raw new.raw
assert_grep '^### sprof diff: regression found$' diff.md
assert_grep '^\| fn\\_gamma \| prog-diff-weights \|.*\*\*fail\*\* \|$' diff.md
expect_status 3 "$SPROF" diff -f flamegraph -o diff.svg base.raw new.raw
$PYTHON3 - diff.svg <<'PY' || fail "differential flame graph"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
fill = {}
for g in ET.parse(sys.argv[1]).iter(ns + "g"):
    t, r = g.find(ns + "title"), g.find(ns + "rect")
    if t is not None:
        fill[t.text.split(" (")[0]] = tuple(int(v) for v in r.get("fill")[4:-1].split(","))
r, g, b = fill["fn_gamma"]
assert r == 255 and g < 150 and b < 150, fill["fn_gamma"]      # grew: red
r, g, b = fill["fn_alpha"]
assert b == 255 and r < 150, fill["fn_alpha"]                  # shrank: blue
assert fill["fn_beta"] == (225, 225, 225), fill["fn_beta"]     # noise: grey
PY
exit 0
