#!/bin/sh
# A single-threaded C program: the default Sentry v1 profile passes the
# checker, names the program's functions with their file and call lines,
# marks the program in_app and libc not, and carries Sentry's debug id.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
work=$(prog prog-conv-work)
src=$SPROF_SRCDIR/tests/prog-conv-work.c

profile_run w.raw "$work" single 0.4
expect_status 0 "$SPROF" convert w.raw
mv out p.json
[ ! -s err ] || { show err; fail "convert of a clean file wrote to stderr"; }
check_sentry p.json
expect_frames p.json "$src" \
	"func|conv_spin_leaf|prog-conv-work.c" \
	"call|conv_work_a|work_a" "call|main|main" \
	"in_app|conv_work_a|true" "in_app|main|true" \
	"module_in_app|libc.so.6|false" \
	"thread|prog-conv-work" "threads|1" \
	"debug_id|$work"

# the fields that come from the run and the command line
expect_status 0 "$SPROF" convert --transaction checkout --release r1 --environment ci \
	--dist d7 --trace-id 0123456789ABCDEF0123456789abcdef --platform c -o q.json w.raw
"$PYTHON3" - q.json "$(uname -m)" "$(uname -r)" "$(getconf GNU_LIBC_VERSION)" <<'PY' || fail "fields of q.json are wrong"
import json, re, sys
d = json.load(open(sys.argv[1]))
t = d["transactions"][0]
assert t["name"] == "checkout" and t["trace_id"] == "0123456789abcdef0123456789abcdef", t
assert d["release"] == "r1" and d["environment"] == "ci" and d["dist"] == "d7" and d["platform"] == "c"
assert d["device"]["architecture"] == sys.argv[2] and d["os"]["name"] == "Linux", d
assert d["os"]["version"] == sys.argv[3], d["os"]
# the libc the program ran on, recorded by the shim ("glibc 2.36")
assert d["runtime"] == dict(zip(("name", "version"), sys.argv[4].split(" ", 1))), d.get("runtime")
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", d["timestamp"]), d["timestamp"]
samples = d["profile"]["samples"]
assert int(t["relative_end_ns"]) >= int(samples[-1]["elapsed_since_start_ns"])
assert t["active_thread_id"] == samples[0]["thread_id"]
assert all(len(s) > 0 for s in d["profile"]["stacks"]), "an empty stack"
assert all(im["type"] == "symbolic" for im in d["debug_meta"]["images"])
assert re.match(r"^[0-9a-f]{32}$", d["event_id"]) and d["event_id"][12] == "4"
PY

# --seed: the same output twice; without it, new ids each time
expect_status 0 "$SPROF" convert --seed 42 -o s1.json w.raw
expect_status 0 "$SPROF" convert --seed 42 -o s2.json w.raw
cmp -s s1.json s2.json || fail "--seed output differs between runs"
expect_status 0 "$SPROF" convert -o r1.json w.raw
expect_status 0 "$SPROF" convert -o r2.json w.raw
! cmp -s r1.json r2.json || fail "random ids repeat"

# --start/--end keep a window; --max-duration cuts with one note
expect_status 0 "$SPROF" convert --start 0.1 --end 0.3 -o win.json w.raw
"$PYTHON3" - win.json <<'PY' || fail "--start/--end window is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
ns = [int(s["elapsed_since_start_ns"]) for s in d["profile"]["samples"]]
assert ns and max(ns) <= 200_000_000, max(ns)
PY
check_sentry win.json
expect_status 0 "$SPROF" convert --max-duration 0.1 -o md.json w.raw
[ "$(wc -l < err)" -eq 1 ] || { show err; fail "--max-duration: expected one note"; }
assert_grep "keeps the first 0.1 s.*sentry-chunk" err
"$PYTHON3" -c "
import json, sys
d = json.load(open('md.json'))
assert max(int(s['elapsed_since_start_ns']) for s in d['profile']['samples']) <= 100_000_000
" || fail "--max-duration kept later samples"

# stdin, --pretty
expect_status 0 sh -c "'$SPROF' convert --pretty - < w.raw"
mv out pretty.json
check_sentry pretty.json
[ "$(wc -l < pretty.json)" -gt 20 ] || fail "--pretty output is not indented"
exit 0
