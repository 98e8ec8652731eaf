#!/bin/sh
# 1000 short-lived threads, 200 alive at a time, in both modes: the program
# runs to completion with its normal output, every thread is in the file,
# and neither file descriptors nor RSS grow with the threads (the program
# measures itself and fails when they do).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-threads)

for mode in cpu wall; do
	expect_status 0 "$SPROF" run -q -o c.raw -m $mode -F 200 -- "$p" churn 1000 200
	assert_grep '^done 1000 ' out
	n=$(info_field c.raw threads)
	within 1001 1001 "$n" "threads in the $mode-mode file"
done
exit 0
