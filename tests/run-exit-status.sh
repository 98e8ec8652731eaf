#!/bin/sh
# sprof run exits with the program's status, and with 128+N (saying so on
# stderr) when the program dies of signal N.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

for n in 0 3 42; do
	expect_status $n "$SPROF" run -q -- "$p" exit $n
	[ -s err ] && { show err; fail "exit $n: -q but stderr not empty"; }
done

expect_status 143 "$SPROF" run -q -- "$p" signal 15
assert_grep '^sprof: .*prog-run killed by signal 15 \(SIGTERM\)$' err

expect_status 137 "$SPROF" run -- "$p" signal 9
assert_grep '^sprof: .*prog-run killed by signal 9 \(SIGKILL\)$' err
# the summary comes first, the signal line last
tail -n 1 err | grep -q 'killed by signal 9' || { show err; fail "signal line is not last"; }
[ "$(grep -c '^sprof: ' err)" = 2 ] || { show err; fail "expected summary + signal line"; }

# without -q: exactly one summary line naming the raw file
expect_status 0 "$SPROF" run -- "$p" exit 0
[ "$(wc -l < err)" = 1 ] || { show err; fail "expected one summary line"; }
assert_grep '^sprof: [0-9]+ samples \([0-9]+ lost\) in [0-9.]+ s at .* \(101 Hz requested\) -> sprof\.raw \([0-9.]+ (B|KiB|MiB)' err
exit 0
