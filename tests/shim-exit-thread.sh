#!/bin/sh
# exit(5) from a thread while main still runs: the final block is written,
# with REC_END and the status.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 5 "$SPROF" run -q -o x.raw -F 500 -- "$work" exit-thread
dump x.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
[ "$(proc_field status)" = 5 ] || { show dump.txt; fail "REC_END status is not 5"; }
# the exiting thread burnt 0.3 s, main at least as much
assert_between 150 100000 "$(proc_field samples)" "samples"
[ "$(grep -c '^thread ' dump.txt)" = 2 ] || { show dump.txt; fail "expected samples of 2 threads"; }
exit 0
