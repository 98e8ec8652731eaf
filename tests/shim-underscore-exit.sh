#!/bin/sh
# _exit() runs no destructor, yet the final block is written (dash ends this
# way); a vfork() child's _exit, in the parent's memory, leaves the parent's
# profile running.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 4 "$SPROF" run -q -o u.raw -F 500 -- "$work" underscore-exit
dump u.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END after _exit"; }
[ "$(proc_field status)" = 4 ] || { show dump.txt; fail "REC_END status is not 4"; }
assert_between 100 200 "$(proc_field samples)" "samples of 0.3 s"

expect_status 0 "$SPROF" run -q -o v.raw -F 500 -- "$work" vfork
dump v.raw
grep -q ' procs 1$' dump.txt || { show dump.txt; fail "the vfork child wrote to the file"; }
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
[ "$(proc_field status)" = 0 ] || { show dump.txt; fail "REC_END status is the child's"; }
# 0.5 s in the parent, 0.3 s of it after the child's _exit
assert_between 180 330 "$(proc_field samples)" "samples of the parent"
exit 0
