#!/bin/sh
# With --no-follow, after fork() the child is not profiled (the shim goes dormant in it) and
# the parent's profile goes on: one process, 0.4 s of the parent's CPU.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 0 "$SPROF" run -q --no-follow -o f.raw -F 1000 -- "$work" fork
dump f.raw
grep -q ' procs 1$' dump.txt || { show dump.txt; fail "the child wrote to the file"; }
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
# parent 0.4 s (child's 0.3 s not included)
assert_between 280 560 "$(proc_field samples)" "samples of the parent"
exit 0
