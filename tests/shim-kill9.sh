#!/bin/sh
# kill -9 of a profiled program: the file holds whole blocks only, readable,
# with the samples up to about a second before the kill.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

raw_header "$PWD/k.raw"
SPROF_OUTPUT="$PWD/k.raw" SPROF_FREQUENCY=200 LD_PRELOAD="$shim_path" "$work" burn 60 &
pid=$!
sleep 3
# CPU time used so far (utime + stime, in clock ticks)
ticks=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
kill -9 "$pid"
wait "$pid" 2>/dev/null
dump k.raw
grep -q '^file cut 0 ' dump.txt || { show dump.txt; fail "the file is not whole blocks"; }
[ "$(proc_field ended)" = 0 ] || { show dump.txt; fail "a killed process has a REC_END"; }
hz=$(getconf CLK_TCK)
# everything up to ~1 s before the kill, at 200 Hz, with a wide margin
lo=$(awk -v t="$ticks" -v h="$hz" 'BEGIN { s = t / h - 1.3; if (s < 0.3) s = 0.3; printf "%d", s * 200 * 0.7 }')
assert_between "$lo" 100000 "$(proc_field samples)" "samples before kill -9 (CPU $ticks ticks)"
exit 0
