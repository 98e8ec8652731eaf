#!/bin/sh
# Three threads, two of them named by the program: every thread appears
# with its name, the worker threads' stacks end in their start routine, and
# the shim's pthread_create wrapper they started through is no frame.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
work=$(prog prog-conv-work)
src=$SPROF_SRCDIR/tests/prog-conv-work.c

profile_run t.raw "$work" threads 0.4
expect_status 0 "$SPROF" convert -o t.json t.raw
check_sentry t.json
expect_frames t.json "$src" "threads|3" \
	"thread|prog-conv-work" "thread|conv-worker-1" "thread|conv-worker-2" \
	"call|conv_work_a|work_a" "call|conv_work_b|work_b" "call|conv_thread_main|thread" \
	"call|main|main" "module_in_app|libc.so.6|false"

expect_status 0 "$SPROF" convert -f sentry-chunk -o tc.json t.raw
split_array tc.json chunk > /dev/null
for f in chunk.*; do check_sentry "$f"; done
expect_frames chunk.0 "$src" "threads|3" "thread|conv-worker-1"

# Samples inside pthread_create pass through the shim's wrapper: the
# program's frame calls libc's pthread_create directly in the profile.
profile_run s.raw "$work" spawn 0.4
expect_status 0 "$SPROF" convert -o s.json s.raw
check_sentry s.json
expect_frames s.json "$src" "call|conv_spawn_loop|spawn"
grep -q '"function":"__pthread_create_2_1"' s.json ||
	skip "no sample inside pthread_create in this run"
assert_no_grep '"module":"libsprof' s.json
exit 0
