#!/bin/sh
# Sampling at 1 kHz, in wall mode and in cpu mode, never cuts a blocking
# call short: threads in nanosleep, clock_nanosleep, sleep, usleep, poll,
# select, epoll_wait, read on a pipe, pthread_cond_timedwait, sem_timedwait,
# sigtimedwait and sigwait all see their full wait and no EINTR (the program
# checks and fails loudly).  In wall mode the blocked threads are sampled,
# off-CPU, with the blocking call on top.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-eintr)

for mode in cpu wall; do
	expect_status 0 "$SPROF" run -q -o e.raw -m $mode -F 1000 -- "$p" 150
	assert_grep 'all waits complete' out
done
"$SPROF" info e.raw > info.txt || fail "sprof info failed"
assert_grep '^  mode: wall$' info.txt
# every thread line has on/off counts; the waiting threads are mostly off
off=$(awk '/off-CPU\)$/ { gsub(/[(,]/, ""); s += $(NF - 1) } END { print s + 0 }' info.txt)
total=$(info_field e.raw samples)
within 1 "$total" "$off" "off-CPU samples"
within 0.5 1 "$(awk -v o="$off" -v t="$total" 'BEGIN { print o / t }')" "off-CPU share"
folded e.raw
for fn in nanosleep clock_nanosleep poll select epoll_wait sigtimedwait sem_timedwait; do
	[ "$(fsum ";t_[a-z_]*;[^ ]*$fn")" -gt 20 ] || { show folded.txt; fail "no samples in $fn"; }
done
exit 0
