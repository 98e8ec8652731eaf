#!/bin/sh
# Every thread is sampled in proportion to its CPU time, however it was made:
# raw clone() (found by the /proc/self/task scan), pthread_create from a
# constructor and from main.  They burn 0.2, 0.2, 0.4 and 0.6 s of CPU.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

PROG_SHIM_CTOR_THREAD=1 expect_status 0 "$SPROF" run -q -o t.raw -F 500 -- "$work" threads
dump t.raw
# 500 Hz: 100, 100, 200, 300 samples; the clone thread may be found up to
# one scan (50 ms) late; wide margins for a noisy 2-core machine.
assert_between 40 130 "$(thread_samples clone)" "samples of the raw clone() thread"
assert_between 60 130 "$(thread_samples ctor)" "samples of the constructor's thread"
assert_between 140 260 "$(thread_samples w1)" "samples of thread w1"
assert_between 220 380 "$(thread_samples w2)" "samples of thread w2"
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
[ "$(proc_field lost_full)" = 0 ] || { show dump.txt; fail "samples lost to full rings"; }
exit 0
