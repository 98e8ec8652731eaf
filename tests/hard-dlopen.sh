#!/bin/sh
# dlopen/dlclose in a loop on 4 threads, sampled at 10 kHz: the program
# finishes every time (no loader deadlock, no crash unwinding through an
# image being removed) and the raw file ends cleanly.  A short version of
# `make bench-dlopen` (20 runs of 20 s).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

stress=$(prog prog-hard-dlopen)
liba=$SPROF_TESTDIR/.libs/libhard-dla.so
libb=$SPROF_TESTDIR/.libs/libhard-dlb.so
need_file "$liba"
need_file "$libb"
for i in 1 2 3; do
	status=0
	timeout -k 5 30 "$SPROF" run -q -o "d$i.raw" -F 10000 -- "$stress" "$liba" "$libb" 1 4 \
		> out 2> err || status=$?
	[ "$status" = 124 ] && { show err; fail "run $i hung (killed after 30 s)"; }
	[ "$status" = 0 ] || { show out err; fail "run $i: status $status"; }
	assert_grep '^cycles some$' out
	"$SPROF" info "d$i.raw" > info.txt || fail "run $i: unreadable raw file"
	grep -q '^  end: exit 0$' info.txt || { show info.txt; fail "run $i: no clean end"; }
done
exit 0
