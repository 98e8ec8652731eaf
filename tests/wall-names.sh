#!/bin/sh
# Renames are recorded when they happen: a thread renamed with
# pthread_setname_np has its samples before the rename under the old name
# and after it under the new one; a thread renamed with prctl(PR_SET_NAME)
# that exits long before the program ends keeps its name.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-threads)
check=$(prog prog-wall-namecheck)

expect_status 0 "$SPROF" run -q -o n.raw -F 500 -- "$p" names 200
"$check" n.raw > names.txt || fail "prog-wall-namecheck failed"
field() { awk -v n="$1" -v f="$2" '$4 == n { print $f; exit }' names.txt; }
for n in before-rename after-rename prctl-named; do
	within 60 140 "$(field $n 5)" "samples named $n"
done
# same thread, the old name strictly before the new one
[ "$(field before-rename 3)" = "$(field after-rename 3)" ] ||
	{ show names.txt; fail "the renamed thread changed tid"; }
[ "$(field before-rename 7)" -lt "$(field after-rename 6)" ] ||
	{ show names.txt; fail "samples named before-rename after the rename"; }
# and the stacks agree with the names
folded n.raw
[ "$(fsum ';work_before')" -gt 60 ] || fail "no samples in work_before"
# no sample of either thread under any other name than these and the
# name it had before its first rename (the program's)
others=$(awk '$4 != "before-rename" && $4 != "after-rename" && $4 != "prctl-named" &&
	$4 != "prog-wall-threa" { s += $5 } END { print s + 0 }' names.txt)
within 0 3 "$others" "samples under other names"
exit 0
