# tests/diff.mk -- tests of `sprof diff`: a program whose functions' shares
# are its arguments (tests/prog-diff-weights.c), run with two weightings and
# from two builds (a "rebuilt binary"), must diff to the right function, sign
# and size; the gate's exit statuses and rule language; bad input.
check_PROGRAMS += tests/prog-diff-weights tests/prog-diff-weights-moved
# Never sanitized: the shim is preloaded into them (see tests/formats.mk).
DIFF_PROG_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline
tests_prog_diff_weights_SOURCES = tests/prog-diff-weights.c
tests_prog_diff_weights_CFLAGS = $(DIFF_PROG_CFLAGS)
tests_prog_diff_weights_moved_SOURCES = tests/prog-diff-weights.c
tests_prog_diff_weights_moved_CFLAGS = $(DIFF_PROG_CFLAGS) -DDIFF_MOVED
DIFF_TESTS = tests/diff-weights.sh tests/diff-options.sh
TESTS += $(DIFF_TESTS)
EXTRA_DIST += $(DIFF_TESTS)
