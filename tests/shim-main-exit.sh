#!/bin/sh
# main() calls pthread_exit while a worker runs: the process must still end
# when the worker does (the shim's own threads must not keep it alive).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 0 timeout 20 "$SPROF" run -q -o me.raw -F 500 -- "$work" main-exit
dump me.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
assert_between 100 200 "$(proc_field samples)" "samples of the worker (0.3 s)"
exit 0
