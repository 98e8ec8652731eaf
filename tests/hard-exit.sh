#!/bin/sh
# Ways out that are not a return from main: exit() from a second thread, an
# execve that fails, recursion far deeper than --max-depth.  Status and
# stdout are the program's own; the raw file ends cleanly.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"
. "$SPROF_SRCDIR/tests/hard-lib.sh"
sprof_opts="-F 1000"

plain_vs_sprof t.raw exit-thread
[ "$status" = 7 ] || fail "exit-thread: status $status"
[ "$(info_end t.raw)" = "exit 7" ] || { show info.txt; fail "exit-thread: end"; }

plain_vs_sprof e.raw exec-fail
[ "$status" = 5 ] || fail "exec-fail: status $status"
assert_grep '^execve failed: No such file or directory$' out
[ "$(info_end e.raw)" = "exit 5" ] || { show info.txt; fail "exec-fail: end"; }

# 100 000 frames deep, sampled at 1 kHz with --max-depth 64: the handler
# stops at the depth (stacks marked truncated), nothing overflows
sprof_opts="-F 1000 --max-depth 64"
plain_vs_sprof d.raw deep 100000
[ "$status" = 0 ] || fail "deep: status $status"
[ "$(info_end d.raw)" = "exit 0" ] || { show info.txt; fail "deep: end"; }
dump d.raw
n=$(proc_field samples)
assert_between 200 100000 "$n" "samples of the deep recursion"
# "depth PID MAXDEPTH TRUNCATED"
awk '$1 == "depth" { found = 1; if ($3 > 64 || $4 == 0) bad = 1 } END { exit bad || !found }' dump.txt ||
	{ show dump.txt; fail "stacks not cut at 64 frames and marked truncated"; }
exit 0
