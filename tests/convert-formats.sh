#!/bin/sh
# The other Sentry outputs of one run: v2 chunks (a JSON array, each chunk
# accepted), a v1 envelope and a v2 envelope (accepted, items consistent),
# and --all over a file written by two processes.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
work=$(prog prog-conv-work)
src=$SPROF_SRCDIR/tests/prog-conv-work.c

profile_run w.raw "$work" single 0.3

expect_status 0 "$SPROF" convert -f sentry-chunk --release 1.0 -o c.json w.raw
n=$(split_array c.json chunk)
[ "$n" -ge 1 ] || fail "no chunk"
for f in chunk.*; do check_sentry "$f"; done
expect_frames chunk.0 "$src" "call|conv_work_a|work_a" "debug_id|$work"
"$PYTHON3" - c.json <<'PY' || fail "chunk fields are wrong"
import json, sys, time
a = json.load(open(sys.argv[1]))
c = a[0]
assert c["version"] == "2" and c["release"] == "1.0" and c["platform"] == "native"
ts = [s["timestamp"] for s in c["profile"]["samples"]]
assert ts == sorted(ts) and abs(ts[0] - time.time()) < 3600, ts[:3]
assert len({x["profiler_id"] for x in a}) == 1
PY

expect_status 0 "$SPROF" convert -f envelope --dsn https://k@o1.ingest.sentry.io/42 -o e.env w.raw
check_sentry e.env
expect_frames e.env "$src" "call|conv_work_a|work_a"
head -n 1 e.env | grep -q '"dsn":"https://k@o1.ingest.sentry.io/42"' || fail "dsn missing from the envelope header"

expect_status 0 "$SPROF" convert -f envelope-chunk -o ec.env w.raw
check_sentry ec.env
grep -q '"type":"profile_chunk".*"platform":"native"' ec.env || fail "profile_chunk item header lacks platform"

# two processes in one file: the format lets processes append blocks to one
# file, so two runs' blocks after one file header make such a file.  --all
# gives one profile per process; --pid picks one
profile_run w2.raw "$work" single 0.3
{ cat w.raw; tail -c +17 w2.raw; } > two.raw
expect_status 0 "$SPROF" convert --all -o all.json two.raw
n=$(split_array all.json prof)
[ "$n" -ge 2 ] || { show err; fail "--all gave $n profiles"; }
for f in prof.*; do check_sentry "$f"; done
pid=$("$PYTHON3" -c "import json; print(json.load(open('prof.1'))['transactions'][0]['active_thread_id'])")
expect_status 0 "$SPROF" convert --pid "$pid" -o one.json two.raw
check_sentry one.json
expect_status 1 "$SPROF" convert --pid 999999999 two.raw
assert_grep "two.raw: no process 999999999" err
expect_status 0 "$SPROF" convert --all -f envelope -o multi.env two.raw
n=$(ls multi.env.* | wc -l)
[ "$n" -ge 2 ] || fail "--all -f envelope -o wrote $n files"
for f in multi.env.*; do check_sentry "$f"; done
assert_grep "^sprof: multi.env.[0-9]+: pid [0-9]+ \(prog-conv-work\), [0-9]+ samples$" err
# envelopes one after another on stdout are no file sentry-cli takes
for f in envelope envelope-chunk; do
	expect_status 2 "$SPROF" convert --all -f $f two.raw
	assert_grep "^sprof: --all -f $f writes one envelope per process: give -o FILE" err
	[ -s out ] && fail "--all -f $f wrote to stdout"
done
exit 0
