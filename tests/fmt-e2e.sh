#!/bin/sh
# fmt-e2e.sh -- end to end through sprof run and sprof convert: a program
# whose main thread spends 70% / 30% of its CPU in burn_seventy / burn_thirty
# (tests/fmt-prog-hot.c) must come out that way in every non-Sentry format:
# the report's shares (within 15 points), collapsed stacks adding up to the
# samples, a flame graph with the hot functions, a valid speedscope file and
# go tool pprof naming the same top function (skipped without Go).
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog fmt-prog-hot)
need_shim
check="$PYTHON3 $SPROF_SRCDIR/tests/fmt-check.py"
schema=$SPROF_SRCDIR/tests/fmt-speedscope-schema.json

expect_status 0 "$SPROF" run -q -F 500 -o hot.raw -- "$p" 800

# ---- report: per thread, the main thread first
expect_status 0 "$SPROF" convert -f report --color=always hot.raw
mv out report-color.txt
grep -q "$(printf '\033')" report-color.txt || fail "--color=always gave no colour"
expect_status 0 "$SPROF" convert -f report -o report.txt hot.raw
assert_no_grep "$(printf '\033')" report.txt    # auto: a file is no terminal
# auto on a terminal (script(1) from util-linux provides one) does colour
if command -v script >/dev/null 2>&1; then
	script -qec "'$SPROF' convert -f report hot.raw" /dev/null > tty.txt 2>&1 < /dev/null
	grep -q "$(printf '\033')" tty.txt || { show tty.txt; fail "--color=auto gave no colour on a terminal"; }
	script -qec "'$SPROF' convert -f report --color=never hot.raw" /dev/null > tty.txt 2>&1 < /dev/null
	assert_no_grep "$(printf '\033')" tty.txt
fi
samples=$(sed -n 's/^  samples: *\([0-9][0-9]*\) .*/\1/p' report.txt)
[ -n "$samples" ] && [ "$samples" -ge 100 ] || { show report.txt; fail "too few samples: '$samples'"; }
$PYTHON3 - report.txt <<'PY' || { show report.txt; fail "report shares"; }
import re, sys
sections = re.split(r"\n(?=Thread )", open(sys.argv[1]).read())[1:]
def rows(sec):
    return [re.match(r"\s*(\d+)\s+([\d.]+)%\s+(\d+)\s+([\d.]+)%\s+\S+\s+(.*)", l).groups()
            for l in sec.splitlines()[2:] if re.match(r"\s*\d", l)]
main = rows(sections[0])
share = {r[4]: float(r[1]) for r in main}
assert main[0][4] == "burn_seventy", "main thread's top function: %s" % main[0][4]
assert 55 <= share["burn_seventy"] <= 85, share
assert 15 <= share["burn_thirty"] <= 45, share
worker = [s for s in sections if "worker_spin" in s]
assert worker and rows(worker[0])[0][4] == "worker_spin", "worker thread"
PY
expect_status 0 "$SPROF" convert -f report --merge-threads --top 3 hot.raw
assert_grep '^All threads: ' out
[ "$(grep -cE '^ +[0-9]+ +[0-9.]+% ' out)" -eq 3 ] || { show out; fail "--top 3 did not give 3 rows"; }
awk '/self%/ { getline; print; exit }' out > first
assert_grep ' burn_seventy$' first

# ---- collapsed
expect_status 0 "$SPROF" convert -f collapsed -o hot.folded hot.raw
$check collapsed hot.folded --samples "$samples" || fail "collapsed"
assert_grep ';main;burn_seventy [0-9]+$' hot.folded
assert_grep ';worker;worker_spin [0-9]+$' hot.folded
expect_status 0 "$SPROF" convert -f collapsed --merge-threads -o merged.folded hot.raw
$check collapsed merged.folded --samples "$samples" || fail "collapsed --merge-threads"

# ---- flame graph (and an icicle one)
expect_status 0 "$SPROF" convert -f flamegraph -o hot.svg hot.raw
$check svg hot.svg --samples "$samples" --width 1200 --has burn_seventy --has burn_thirty \
	--has worker_spin --has main || fail "flame graph"
expect_status 0 "$SPROF" convert -f flamegraph --reverse --width 700 --title 'hot & cold' hot.raw
$check svg out --samples "$samples" --width 700 --reverse --title 'hot & cold' \
	--has burn_seventy || fail "icicle graph"

# ---- speedscope: one profile per thread
expect_status 0 "$SPROF" convert -f speedscope -o hot.speedscope.json hot.raw
$check speedscope hot.speedscope.json "$schema" --samples "$samples" --profiles 2 ||
	fail "speedscope"
expect_status 0 "$SPROF" convert -f speedscope --merge-threads -o merged.json hot.raw
$check speedscope merged.json "$schema" --samples "$samples" --profiles 1 ||
	fail "speedscope --merge-threads"

# ---- pprof
expect_status 0 "$SPROF" convert -f pprof -o hot.pb.gz hot.raw
gzip -t hot.pb.gz || fail "the pprof output is not gzip"
command -v go >/dev/null 2>&1 || skip "go is not installed (Debian golang-go): pprof unchecked"
export GOCACHE="$PWD/gocache" GOPATH="$PWD/gopath" HOME="$PWD" GOTOOLCHAIN=local GOFLAGS=
go tool pprof -top hot.pb.gz > top 2>&1 || { show top; fail "go tool pprof -top failed"; }
awk '/flat%/ { getline; print; exit }' top > first
assert_grep ' burn_seventy$' first
go tool pprof -sample_index=samples -top hot.pb.gz > count 2>&1 || fail "-sample_index=samples"
assert_grep "Total samples = $samples *$" count
exit 0
