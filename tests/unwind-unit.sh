#!/bin/sh
# The shim's stack walker (src/shim/unwind.c) gives the same return
# addresses as libgcc's unwinder (glibc backtrace()) in recursion, inside
# libc's qsort callback, from a signal context, through the kernel's signal
# frame, on a sigaltstack, and again from its row cache.
. "$SPROF_SRCDIR/tests/lib.sh"
u=$(prog prog-unwind-unit)
run_capture "$u"
[ "$status" = 0 ] || { show out err; fail "the walker and backtrace() disagree"; }
for c in recursion qsort-callback signal-ucontext signal-through-signal-frame \
	sigaltstack-ucontext sigaltstack-through-signal-frame; do
	assert_grep "^ok $c [0-9]+$" out
done
exit 0
