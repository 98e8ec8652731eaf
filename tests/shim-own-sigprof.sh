#!/bin/sh
# A program that takes SIGPROF for itself gets none of the shim's signals
# once it installed its handler; it is profiled until then.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 0 "$SPROF" run -q -o o.raw -F 1000 -- "$work" own-sigprof
# one signal may already be on its way when the handler changes
assert_grep '^sigprof [01]$' out
dump o.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
assert_between 150 420 "$(proc_field samples)" "samples of the first 0.3 s"
exit 0
