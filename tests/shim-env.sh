#!/bin/sh
# With --no-follow the SPROF_* settings are gone from the program's environment: from environ
# (what children get) and from /proc/self/environ (the original block).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

SHIM_TEST_KEEP=kept expect_status 0 "$SPROF" run -q --no-follow -o e.raw -- "$work" env
assert_no_grep '^SPROF_(OUTPUT|FREQUENCY|MAX_DEPTH|MODE)=' out
assert_no_grep 'e\.raw' out
# once from /proc/self/environ, once from the child `sh -c env`
[ "$(grep -c '^SHIM_TEST_KEEP=kept$' out)" = 2 ] || { show out; fail "other variables were lost"; }
dump e.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "the program was not profiled"; }
# the child of system() is not profiled: one process in the file
grep -q ' procs 1$' dump.txt || { show dump.txt; fail "the child was profiled"; }
exit 0
