#!/bin/sh
# fork() from a multithreaded parent: the child is profiled on its own
# (its own pid, only its own samples: none of the parent's threads or work
# is duplicated into it) and the parent's profile goes on.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
w=$(prog prog-tree-work)

expect_status 0 "$SPROF" run -q -o f.raw -F 200 -- "$w" fork-mt 300
"$SPROF" info f.raw > info.txt || fail "sprof info failed"
[ "$(info_field f.raw processes)" = 2 ] || { show info.txt; fail "want 2 processes"; }
[ "$(grep -c '^  end: exit 0$' info.txt)" = 2 ] || { show info.txt; fail "a process did not end cleanly"; }
parent=$(awk '/^process / { print $2; exit }' info.txt)
child=$(awk '/^process / { n++; if (n == 2) { print $2; exit } }' info.txt)
folded f.raw --pid "$child"
within 40 80 "$(fsum ';child_work;')" "child_work samples in the child"
[ "$(fsum 'parent_work|parent_thread_work')" = 0 ] || { show folded.txt; fail "parent samples in the child"; }
child_threads=$(awk -v p="$child" '/^process / { c = ($2 == p) } c && /^  threads: / { print $2 }' info.txt)
[ "$child_threads" = 1 ] || { show info.txt; fail "the child has $child_threads threads"; }
folded f.raw --pid "$parent"
within 40 80 "$(fsum ';parent_work;')" "parent_work samples in the parent"
[ "$(fsum ';parent_thread_work;')" -gt 50 ] || { show folded.txt; fail "the parent's threads were not sampled"; }
[ "$(fsum 'child_work')" = 0 ] || { show folded.txt; fail "child samples in the parent"; }
exit 0
