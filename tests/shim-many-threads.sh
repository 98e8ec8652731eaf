#!/bin/sh
# 1000 short-lived threads: slots and rings are recycled, so memory and
# descriptors do not grow with the number of threads.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

expect_status 0 "$SPROF" run -q -o m.raw -F 1000 -- "$work" many 1000
set -- $(sed -n 1p out) $(sed -n 2p out)
[ $# = 8 ] || { show out; hard_error "unexpected output"; }
[ "$4" = "$8" ] || { show out; fail "descriptors grew from $4 to $8"; }
assert_between 0 1024 "$(($6 - $2))" "RSS growth (KiB) from 100 to 1000 threads"
dump m.raw
[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no REC_END"; }
exit 0
