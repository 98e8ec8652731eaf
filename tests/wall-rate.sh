#!/bin/sh
# Wall mode with 64 mostly blocked threads (nanosleep, condition variable,
# poll) and a busy main thread: every thread gets the requested rate of its
# wall time, and the delivered rate the shim reports agrees.  Tolerances are
# wide for noisy CI machines; bench/ has the exact figures.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
p=$(prog prog-wall-rate)
check=$(prog prog-wall-namecheck)

for hz in 20 200; do
	expect_status 0 "$SPROF" run -q -o r.raw -m wall -F $hz -- "$p" 64 600
	"$SPROF" info r.raw > info.txt || fail "sprof info failed"
	dur=$(info_field r.raw duration | awk '{ print $1 }')
	delivered=$(awk '/^  rate:/ { print $(NF - 1) }' info.txt)
	within "$(awk -v h=$hz 'BEGIN { print h * 0.9 }')" "$(awk -v h=$hz 'BEGIN { print h * 1.1 }')" "$delivered" "delivered rate at $hz Hz"
	threads=$(awk '/^    thread / { n++ } END { print n + 0 }' info.txt)
	[ "$threads" = 65 ] || { show info.txt; fail "$threads threads, want 65"; }
	# each thread, over the time between its first and last sample (its
	# start may be late on a loaded machine)
	"$check" r.raw > names.txt || fail "prog-wall-namecheck failed"
	awk -v hz=$hz '$1 == "name" && $7 > $6 { r = ($5 - 1) / (($7 - $6) / 1e6)
		if (r < hz * 0.8 || r > hz * 1.1) { print "thread " $3 " " r " Hz"; bad = 1 } }
		END { exit bad }' names.txt > bad.txt || { show names.txt bad.txt; fail "per-thread rate at $hz Hz"; }
done
exit 0
