#!/bin/sh
# A 10 000-frame recursion: stacks stop at --max-depth, marked truncated.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 0 "$SPROF" run -q -o d.raw -F 1000 --max-depth 64 -- "$work" deep 10000
dump d.raw
set -- $(grep '^depth ' dump.txt)
[ "$3" = 64 ] || { show dump.txt; fail "deepest stack has $3 frames, expected 64"; }
assert_between 100 100000 "$4" "truncated samples"

expect_status 0 "$SPROF" run -q -o d2.raw -F 1000 --max-depth 1024 -- "$work" deep 10000
dump d2.raw
set -- $(grep '^depth ' dump.txt)
[ "$3" = 1024 ] || { show dump.txt; fail "deepest stack has $3 frames, expected 1024"; }
[ "$(proc_field lost_full)" = 0 ] || { show dump.txt; fail "deep stacks overflowed the ring"; }
exit 0
