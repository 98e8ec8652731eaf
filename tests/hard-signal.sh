#!/bin/sh
# The sampling signal: --signal picks it (names, RTMIN+N, numbers; crash
# and uncatchable signals refused with exit 125); a program that takes the
# signal for itself keeps working, sampling stops and `sprof info` says so
# in a note; with another --signal the same program is sampled throughout.
# A thread that blocks the signal is not sampled meanwhile.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"
. "$SPROF_SRCDIR/tests/hard-lib.sh"

for bad in SEGV KILL 33 RTMIN+99 0 nonsense ''; do
	expect_status 125 "$SPROF" run -q -o b.raw --signal "$bad" -- "$hard" deep 1
	assert_grep "^sprof: bad signal" err
done

for good in PROF sigvtalrm RTMIN+3 RTMAX-1 12; do
	expect_status 0 "$SPROF" run -q -o g.raw -F 1000 --signal "$good" -- "$hard" deep 1
	[ "$(info_end g.raw)" = "exit 0" ] || { show info.txt; fail "--signal $good: no clean end"; }
	grep -q '^  samples: [1-9]' info.txt || { show info.txt; fail "--signal $good: no samples"; }
done

# the program takes SIGPROF (27): it gets only its own raise(), sampling
# stops, and the profile carries a note saying so
sprof_opts="-F 1000"
plain_vs_sprof own.raw own-sig 27
assert_grep '^own handler calls 1$' out
[ "$(info_end own.raw)" = "exit 0" ] || { show info.txt; fail "own-sig: end"; }
assert_grep '^  note: [0-9.]+ s: sampling stopped: the program installed its own handler for signal 27' info.txt

# with --signal RTMIN+3 the same program is sampled all along, and no note
rt=$("$PYTHON3" -c 'import signal; print(signal.SIGRTMIN + 3)')
sprof_opts="-F 1000 --signal RTMIN+3"
plain_vs_sprof rt.raw own-sig 27
assert_grep '^own handler calls 1$' out
[ "$(info_end rt.raw)" = "exit 0" ] || { show info.txt; fail "own-sig with RTMIN+3: end"; }
assert_no_grep '^  note:' info.txt
dump rt.raw
assert_between 450 800 "$(proc_field samples)" "samples of 0.6 s CPU with RTMIN+3 ($rt)"

# a thread that blocks SIGPROF for 0.6 s of its 0.9 s: the main thread's
# 0.3 s and the thread's unblocked 0.3 s are sampled (~600), the blocked
# 0.6 s is counted lost (~600) rather than caught up in a burst at unblock
sprof_opts="-F 1000"
plain_vs_sprof blk.raw block 27
dump blk.raw
n=$(proc_field samples)
assert_between 420 780 "$n" "samples with a thread blocking the signal 0.6 s"
lost=$(proc_field lost_other)
assert_between 350 800 "$lost" "lost_other with the signal blocked 0.6 s at 1 kHz"
exit 0
