#!/bin/sh
# fork() while other threads hold the shim's locks (registering threads,
# recording renames): 40 children, each profiled, none hung, none with the
# parent's samples.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
w=$(prog prog-tree-work)

expect_status 0 timeout 60 "$SPROF" run -q -o s.raw -F 500 -- "$w" fork-storm 40
"$SPROF" info s.raw > info.txt || fail "sprof info failed"
[ "$(info_field s.raw processes)" = 41 ] || { show info.txt; fail "want 41 processes"; }
[ "$(grep -c '^  end: exit 0$' info.txt)" = 41 ] || { show info.txt; fail "a process did not end cleanly"; }
# children have one or two threads of their own, never the parent's storm
awk '/^process / { n++ } n > 1 && /^    thread .*"storm-[0-9]/ { bad = 1 } END { exit bad }' info.txt ||
	{ show info.txt; fail "a child has the parent's threads"; }
exit 0
