#!/bin/sh
# A fault of the shim's own unwinder (a cached row read through a garbage
# frame pointer) is a dropped sample, counted lost, never
# the program's SIGSEGV -- whether the program left SIGSEGV at its default
# or installed its own handler (which must not see it).  The shim before
# this protection killed the program with SIGSEGV.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "x86-64 only"
bad=$(prog prog-hard-badcfi)

for mode in "" own; do
	# shellcheck disable=SC2086
	expect_status 0 "$SPROF" run -q -o b.raw -F 1000 -- "$bad" $mode
	assert_grep '^badcfi done$' out
	assert_no_grep 'program handler ran' out
	dump b.raw
	[ "$(proc_field ended)" = 1 ] || { show dump.txt; fail "no clean end ($mode)"; }
	assert_between 1 100000 "$(proc_field lost_other)" "unwinder faults dropped ($mode)"
	assert_between 50 100000 "$(proc_field samples)" "samples ($mode)"
done
exit 0
