#!/bin/sh
# Without SPROF_OUTPUT, or with one it cannot use, the shim does nothing:
# no threads, no file, the program's output and status unchanged.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

LD_PRELOAD="$shim_path" expect_status 0 "$work" tasks
assert_grep '^tasks 1$' out
[ ! -s err ] || { show err; fail "the dormant shim wrote to stderr"; }

SPROF_OUTPUT="$PWD/missing.raw" LD_PRELOAD="$shim_path" expect_status 0 "$work" tasks
assert_grep '^tasks 1$' out
[ ! -e missing.raw ] || fail "the shim created its output file"

# sampling: the program sees the shim's two threads
raw_header "$PWD/t.raw"
SPROF_OUTPUT="$PWD/t.raw" LD_PRELOAD="$shim_path" expect_status 0 "$work" tasks
assert_grep '^tasks 3$' out
[ ! -s err ] || { show err; fail "the shim wrote to stderr"; }
exit 0
