#!/bin/sh
# End to end: a CPU-bound program under sprof run gives a raw file with
# samples, its thread, its executable image and a clean end, and the summary
# line agrees with sprof info.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)
need_shim

expect_status 0 "$SPROF" run -F 500 -o spin.raw -- "$p" spin 1
assert_grep '^sprof: [0-9]+ samples \([0-9]+ lost\) in [0-9.]+ s at [0-9.]+ Hz \(500 Hz requested\) -> spin\.raw' err
mv err summary
expect_status 0 "$SPROF" info spin.raw
assert_grep '^end: clean$' out
assert_grep '^processes: 1$' out
assert_grep "^process [0-9]+$" out
samples=$(sed -n 's/^  samples: //p' out)
# 1 s of CPU time at 500 Hz is 500 samples; wide bounds for a noisy machine
[ "$samples" -ge 100 ] && [ "$samples" -le 1000 ] || { show out; fail "samples $samples not in 100..1000"; }
grep -q "^sprof: $samples samples " summary || { show summary out; fail "summary and info disagree"; }
assert_grep '^  rate: requested 500 Hz, delivered [0-9.]+ Hz$' out
assert_grep '^  end: exit 0$' out
assert_grep "^  exe: .*/prog-run$" out
assert_grep "^  command: .*prog-run spin 1$" out
assert_grep '^    thread [0-9]+ "prog-run": [0-9]+ samples$' out
assert_grep '^    image 0x[0-9a-f]+ 0x[0-9a-f]+ [0-9a-f-]+ .*/prog-run$' out
# A sample is lost only when its signal is not handled in time, which on a
# quiet machine never happens and on a loaded one (CI beside other jobs)
# rarely does: a few per cent at most, and the summary must say the same.
lost=$(sed -n 's/^  lost: \([0-9]*\) .*/\1/p' out)
[ "$((lost * 20))" -le "$samples" ] || { show out; fail "lost $lost of $samples samples"; }
grep -q "^sprof: $samples samples ($lost lost) " summary || { show summary out; fail "summary and info disagree on lost samples"; }
exit 0
