#!/bin/sh
# Wall mode: a thread that leaves a wrapped blocking call through a signal
# handler and siglongjmp (never returning from poll) is sampled where it
# runs afterwards, not forever in the poll it left: its samples after the
# jump are in work_after_jump, on CPU.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-threads)

expect_status 0 "$SPROF" run -q -o j.raw -m wall -F 200 -- "$p" longjmp 600
folded j.raw
# 0.1 s in poll (~20 samples), then 0.6 s of CPU (~120)
within 80 170 "$(fsum ';work_after_jump')" "samples in work_after_jump"
within 5 40 "$(fsum ';longjmp_out;[^ ]*poll')" "samples in poll"
exit 0
