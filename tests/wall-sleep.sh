#!/bin/sh
# Wall mode: a program asleep 80% of the time (nanosleep) and burning CPU
# the rest has about 80% of its samples in the sleep call, and the samples
# add up to its wall time.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-rate)

expect_status 0 "$SPROF" run -q -o s.raw -m wall -F 200 -- "$p" sleepy 2000
folded s.raw
total=$(fsum .)
sleep=$(fsum ';sleepy;[^ ]*nanosleep')
burn=$(fsum ';sleepy;burn_cpu')
within 320 480 "$total" "samples of 2 s at 200 Hz"
within 0.68 0.92 "$(awk -v s="$sleep" -v t="$total" 'BEGIN { print s / t }')" "share in nanosleep"
within 0.08 0.32 "$(awk -v s="$burn" -v t="$total" 'BEGIN { print s / t }')" "share in burn_cpu"
exit 0
